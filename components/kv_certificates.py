"""kvTls: the stack's own CA, the key/value store's certificate, and one client certificate for each
engine of kv mode and for the machine running Pulumi (pulumi-tls: made once, kept in the state)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_tls as tls

from components.ssh_access import write_private_key
from model.cluster import Cluster
from model.constants import KV_CERT_VALIDITY_HOURS, component_type
from render.kv_tls import (
    CA_USES,
    CLIENT_USES,
    PULUMI_CLIENT,
    SERVER_USES,
    client_names,
    client_tls_files,
    server_names,
)


@dataclass(frozen=True)
class KeyPair:
    cert_pem: pulumi.Output[str]
    key_pem: pulumi.Output[str]  # secret


class KvCertificates(pulumi.ComponentResource):
    """`ca_pem`; `server`; `clients[name]` for each of render.kv_tls.client_names. The Pulumi
    client's files are written for curl and the catalog (`files`)."""

    ca_pem: pulumi.Output[str]
    server: KeyPair
    clients: dict[str, KeyPair]
    files: pulumi.Output[dict[str, str]] | None

    def __init__(self, cluster: Cluster, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("kv", "KvCertificates"), "kv-certificates", None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ca_key = self._key("kv-ca")
        ca = tls.SelfSignedCert(
            "kv-ca-cert", private_key_pem=ca_key.private_key_pem,
            subject=tls.SelfSignedCertSubjectArgs(common_name=f"{cluster.project} {cluster.stack} key/value store CA"),
            is_ca_certificate=True, allowed_uses=list(CA_USES), validity_period_hours=KV_CERT_VALIDITY_HOURS,
            opts=child)
        self.ca_pem = ca.cert_pem
        names = server_names(cluster)
        self.server = self._signed("kv-server", ca_key, ca, "key/value store", SERVER_USES,
                                   ip_addresses=names.ip_addresses, dns_names=names.dns_names)
        self.clients = {name: self._signed(f"kv-client-{name}", ca_key, ca, name, CLIENT_USES)
                        for name in client_names(cluster)}
        self.files = None
        if PULUMI_CLIENT in self.clients:
            paths = client_tls_files(Path.home(), cluster.stack)
            pulumi_client = self.clients[PULUMI_CLIENT]
            self.files = pulumi.Output.unsecret(pulumi.Output.all(
                ca=self.ca_pem.apply(lambda pem: write_private_key(paths["ca"], pem)),
                cert=pulumi_client.cert_pem.apply(lambda pem: write_private_key(paths["cert"], pem)),
                key=pulumi.Output.secret(pulumi_client.key_pem).apply(lambda pem: write_private_key(paths["key"], pem)),
            ))
        # the Pulumi client's files are written by the time the component's outputs are
        self.register_outputs({"clients": sorted(self.clients), "files": self.files})

    def _key(self, name: str) -> tls.PrivateKey:
        return tls.PrivateKey(f"{name}-key", algorithm="ECDSA", ecdsa_curve="P256",
                              opts=pulumi.ResourceOptions(parent=self))

    def _signed(self, name: str, ca_key: tls.PrivateKey, ca: tls.SelfSignedCert, common_name: str,
                uses: Sequence[str], ip_addresses: Sequence[str] = (), dns_names: Sequence[str] = ()) -> KeyPair:
        key = self._key(name)
        request = tls.CertRequest(
            f"{name}-csr", private_key_pem=key.private_key_pem,
            subject=tls.CertRequestSubjectArgs(common_name=common_name),
            ip_addresses=list(ip_addresses) or None, dns_names=list(dns_names) or None,
            opts=pulumi.ResourceOptions(parent=self))
        cert = tls.LocallySignedCert(
            f"{name}-cert", cert_request_pem=request.cert_request_pem, ca_private_key_pem=ca_key.private_key_pem,
            ca_cert_pem=ca.cert_pem, allowed_uses=list(uses), validity_period_hours=KV_CERT_VALIDITY_HOURS,
            opts=pulumi.ResourceOptions(parent=self))
        return KeyPair(cert.cert_pem, pulumi.Output.secret(key.private_key_pem))
