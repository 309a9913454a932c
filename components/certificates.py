"""The stack's own certificate authorities and what they sign (pulumi-tls: made once, kept in the
state). The key/value store's TLS (components/kv_certificates.py) and the image registry's
(components/image_registry.py) each have a CA of their own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_tls as tls

from model.constants import KV_CERT_VALIDITY_HOURS
from render.kv_tls import CA_USES, ServerNames


@dataclass(frozen=True)
class KeyPair:
    cert_pem: pulumi.Output[str]
    key_pem: pulumi.Output[str]  # secret


@dataclass(frozen=True)
class Authority:
    key: tls.PrivateKey
    cert: tls.SelfSignedCert


def private_key(name: str, parent: pulumi.Resource) -> tls.PrivateKey:
    return tls.PrivateKey(f"{name}-key", algorithm="ECDSA", ecdsa_curve="P256",
                          opts=pulumi.ResourceOptions(parent=parent))


def authority(name: str, common_name: str, parent: pulumi.Resource) -> Authority:
    """`<name>-key` and `<name>-cert`: a CA that signs only this stack's certificates."""
    key = private_key(name, parent)
    cert = tls.SelfSignedCert(
        f"{name}-cert", private_key_pem=key.private_key_pem,
        subject=tls.SelfSignedCertSubjectArgs(common_name=common_name),
        is_ca_certificate=True, allowed_uses=list(CA_USES), validity_period_hours=KV_CERT_VALIDITY_HOURS,
        opts=pulumi.ResourceOptions(parent=parent))
    return Authority(key, cert)


def signed(name: str, ca: Authority, common_name: str, uses: Sequence[str], parent: pulumi.Resource,
           names: ServerNames | None = None) -> KeyPair:
    """`<name>-key`, `<name>-csr` and `<name>-cert`: a key and its certificate from `ca`, for `names`."""
    key = private_key(name, parent)
    request = tls.CertRequest(
        f"{name}-csr", private_key_pem=key.private_key_pem,
        subject=tls.CertRequestSubjectArgs(common_name=common_name),
        ip_addresses=list(names.ip_addresses) or None if names else None,
        dns_names=list(names.dns_names) or None if names else None,
        opts=pulumi.ResourceOptions(parent=parent))
    cert = tls.LocallySignedCert(
        f"{name}-cert", cert_request_pem=request.cert_request_pem, ca_private_key_pem=ca.key.private_key_pem,
        ca_cert_pem=ca.cert.cert_pem, allowed_uses=list(uses), validity_period_hours=KV_CERT_VALIDITY_HOURS,
        opts=pulumi.ResourceOptions(parent=parent))
    return KeyPair(cert.cert_pem, pulumi.Output.secret(key.private_key_pem))
