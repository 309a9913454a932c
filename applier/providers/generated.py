"""Resources that make a value rather than touch a host: pulumi-random, pulumi-tls, and the program's
own dynamic providers.

pulumi-random and pulumi-tls bridge Terraform providers whose every input is ForceNew
(components.provider_rules); with no changed input they are the same value again. A Python
dynamic provider is the program's own class, unpickled from the `__provider` input and asked
exactly what the engine's dynamic-provider host asks it (pulumi/pulumi
sdk/python/lib/pulumi/dynamic/__main__.py): Diff with the old *outputs* (102-122), a `changes` of
None letting the engine compare inputs; Read with the outputs (212-235); no partial state when
create raises (152-164).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import os
import secrets
import string
from typing import Any

import bcrypt
import dill
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from applier.errors import Unsupported
from applier.providers.base import Context, Diff, Provider
from applier.state import Resource

DYNAMIC_PROVIDER_KEY = "__provider"


class _EveryInputReplaces(Provider):
    inputs: frozenset[str] = frozenset()

    def check(self, ctx: Context, resource: Resource, olds: dict[str, Any] | None) -> dict[str, Any]:
        extra = set(resource.inputs) - self.inputs
        if extra:
            raise Unsupported(f"{resource.type} '{resource.name}': input(s) {sorted(extra)} are not implemented")
        return resource.inputs

    def diff(self, old: Resource, inputs: dict[str, Any]) -> Diff:
        changed = {k for k in set(old.inputs) | set(inputs) if old.inputs.get(k) != inputs.get(k)}
        return Diff(changes=bool(changed), replace_keys=frozenset(changed),
                    detailed={k: "update-replace" for k in changed})

    def delete(self, ctx: Context, old: Resource) -> None:
        return None


class RandomBytes(_EveryInputReplaces):
    type = "random:index/randomBytes:RandomBytes"
    inputs = frozenset({"length", "keepers"})

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        data = os.urandom(int(new.inputs["length"]))
        return "none", {**new.inputs, "base64": base64.b64encode(data).decode(), "hex": data.hex()}


class RandomPassword(_EveryInputReplaces):
    type = "random:index/randomPassword:RandomPassword"
    inputs = frozenset({"length", "special", "keepers"})
    alphabet = string.ascii_letters + string.digits

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        if new.inputs.get("special", True):
            raise Unsupported("random RandomPassword with special characters")
        result = "".join(secrets.choice(self.alphabet) for _ in range(int(new.inputs["length"])))
        # terraform-provider-random: bcrypt.GenerateFromPassword(result, bcrypt.DefaultCost), Go's "$2a$"
        hashed = bcrypt.hashpw(result.encode(), bcrypt.gensalt(rounds=10, prefix=b"2a")).decode()
        return "none", {**new.inputs, "result": result, "bcryptHash": hashed}


class TlsPrivateKey(_EveryInputReplaces):
    """ED25519 (the lab's SSH keys) and ECDSA P256 (kvTls) keys, in the formats terraform-provider-tls
    writes: OpenSSH for ED25519; SEC1 "EC PRIVATE KEY" PEM and PKIX public PEM for ECDSA."""

    type = "tls:index/privateKey:PrivateKey"
    inputs = frozenset({"algorithm", "ecdsaCurve"})

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        algorithm = new.inputs["algorithm"]
        if algorithm == "ED25519":
            key = ed25519.Ed25519PrivateKey.generate()
            private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                        serialization.NoEncryption()).decode()
            public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                   serialization.PublicFormat.OpenSSH).decode()
            return secrets.token_hex(8), {**new.inputs, "privateKeyOpenssh": private,
                                          "publicKeyOpenssh": public + "\n"}
        if algorithm == "ECDSA" and new.inputs.get("ecdsaCurve") == "P256":
            ec_key = ec.generate_private_key(ec.SECP256R1())
            return secrets.token_hex(8), {
                **new.inputs,
                "privateKeyPem": ec_key.private_bytes(serialization.Encoding.PEM,
                                                      serialization.PrivateFormat.TraditionalOpenSSL,
                                                      serialization.NoEncryption()).decode(),
                "publicKeyPem": ec_key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()}
        raise Unsupported(f"tls PrivateKey algorithm {algorithm} {new.inputs.get('ecdsaCurve') or ''}".strip())


# terraform-provider-tls's allowed_uses, as x509 key usages and extended key usages
_KEY_USAGES = {"digital_signature": "digital_signature", "key_encipherment": "key_encipherment",
               "cert_signing": "key_cert_sign", "crl_signing": "crl_sign"}
_EXTENDED_USAGES = {"server_auth": ExtendedKeyUsageOID.SERVER_AUTH, "client_auth": ExtendedKeyUsageOID.CLIENT_AUTH}


def _signed_certificate(inputs: dict[str, Any], subject: x509.Name, public_key: Any, sans: list[x509.GeneralName],
                        issuer: x509.Name, issuer_key: Any) -> dict[str, Any]:
    """A certificate as terraform-provider-tls makes one (random serial, valid from now for
    validityPeriodHours, the allowed uses, a CA's basic constraints), with its computed outputs."""
    unknown = set(inputs.get("allowedUses") or ()) - set(_KEY_USAGES) - set(_EXTENDED_USAGES)
    if unknown:
        raise Unsupported(f"tls allowed_uses {sorted(unknown)}")
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    end = now + datetime.timedelta(hours=int(inputs["validityPeriodHours"]))
    uses = set(inputs.get("allowedUses") or ())
    is_ca = bool(inputs.get("isCaCertificate"))
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    flags = {name: False for name in ("digital_signature", "content_commitment", "key_encipherment",
                                      "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign",
                                      "encipher_only", "decipher_only")}
    flags.update({_KEY_USAGES[u]: True for u in uses if u in _KEY_USAGES})
    if any(flags.values()):
        builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    extended = [_EXTENDED_USAGES[u] for u in sorted(uses) if u in _EXTENDED_USAGES]
    if extended:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended), critical=False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if is_ca:
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())
    return {**inputs, "certPem": cert.public_bytes(serialization.Encoding.PEM).decode(),
            "validityStartTime": now.isoformat().replace("+00:00", "Z"),
            "validityEndTime": end.isoformat().replace("+00:00", "Z"), "readyForRenewal": False}


def _subject(inputs: dict[str, Any]) -> x509.Name:
    subject = inputs.get("subject") or {}
    unknown = set(subject) - {"commonName"}
    if unknown:
        raise Unsupported(f"tls subject fields {sorted(unknown)}")
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject["commonName"])] if subject else [])


def _sans(inputs: dict[str, Any]) -> list[x509.GeneralName]:
    return [*(x509.IPAddress(ipaddress.ip_address(a)) for a in inputs.get("ipAddresses") or ()),
            *(x509.DNSName(n) for n in inputs.get("dnsNames") or ())]


def _private_key(pem: str) -> Any:
    return serialization.load_pem_private_key(pem.encode(), password=None)


class TlsSelfSignedCert(_EveryInputReplaces):
    type = "tls:index/selfSignedCert:SelfSignedCert"
    inputs = frozenset({"privateKeyPem", "subject", "validityPeriodHours", "allowedUses", "isCaCertificate",
                        "dnsNames", "ipAddresses"})

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        key = _private_key(new.inputs["privateKeyPem"])
        outputs = _signed_certificate(new.inputs, _subject(new.inputs), key.public_key(), _sans(new.inputs),
                                      _subject(new.inputs), key)
        return str(x509.load_pem_x509_certificate(outputs["certPem"].encode()).serial_number), outputs


class TlsCertRequest(_EveryInputReplaces):
    type = "tls:index/certRequest:CertRequest"
    inputs = frozenset({"privateKeyPem", "subject", "dnsNames", "ipAddresses"})

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        builder = x509.CertificateSigningRequestBuilder().subject_name(_subject(new.inputs))
        if _sans(new.inputs):
            builder = builder.add_extension(x509.SubjectAlternativeName(_sans(new.inputs)), critical=False)
        request = builder.sign(_private_key(new.inputs["privateKeyPem"]), hashes.SHA256())
        pem = request.public_bytes(serialization.Encoding.PEM).decode()
        return hashlib.sha1(pem.encode()).hexdigest(), {**new.inputs, "certRequestPem": pem}


class TlsLocallySignedCert(_EveryInputReplaces):
    """The request's subject and names, signed by the CA (terraform-provider-tls copies both from
    the request)."""

    type = "tls:index/locallySignedCert:LocallySignedCert"
    inputs = frozenset({"certRequestPem", "caPrivateKeyPem", "caCertPem", "validityPeriodHours", "allowedUses",
                        "isCaCertificate"})

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        request = x509.load_pem_x509_csr(new.inputs["certRequestPem"].encode())
        ca = x509.load_pem_x509_certificate(new.inputs["caCertPem"].encode())
        try:
            sans = list(request.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
        except x509.ExtensionNotFound:
            sans = []
        outputs = _signed_certificate(new.inputs, request.subject, request.public_key(), sans, ca.subject,
                                      _private_key(new.inputs["caPrivateKeyPem"]))
        return str(x509.load_pem_x509_certificate(outputs["certPem"].encode()).serial_number), outputs


class DynamicResource(Provider):
    """The provider's methods get the properties whole, `__provider` included, as the host passes them."""

    type = "pulumi-python:dynamic:Resource"

    @staticmethod
    def _provider(props: dict[str, Any]) -> Any:
        return dill.loads(base64.b64decode(props[DYNAMIC_PROVIDER_KEY]))

    def check(self, ctx: Context, resource: Resource, olds: dict[str, Any] | None) -> dict[str, Any]:
        if DYNAMIC_PROVIDER_KEY not in resource.inputs:
            raise Unsupported(f"dynamic resource '{resource.name}' without its serialized provider")
        result = self._provider(resource.inputs).check(olds or {}, resource.inputs)
        if result.failures:
            raise Unsupported(f"dynamic resource '{resource.name}': check failed: {result.failures}")
        return {**result.inputs, DYNAMIC_PROVIDER_KEY: resource.inputs[DYNAMIC_PROVIDER_KEY]}

    def diff(self, old: Resource, inputs: dict[str, Any]) -> Diff:
        result = self._provider(inputs).diff(old.id, old.outputs, inputs)
        return Diff(changes=result.changes, replace_keys=frozenset(result.replaces or ()),
                    delete_before_replace=bool(result.delete_before_replace))

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        result = self._provider(new.inputs).create(new.inputs)
        return result.id, {**(result.outs or {}), DYNAMIC_PROVIDER_KEY: new.inputs[DYNAMIC_PROVIDER_KEY]}

    def update(self, ctx: Context, old: Resource, new: Resource, diff: Diff) -> dict[str, Any]:
        result = self._provider(new.inputs).update(old.id, old.outputs, new.inputs)
        return {**(result.outs or {}), DYNAMIC_PROVIDER_KEY: new.inputs[DYNAMIC_PROVIDER_KEY]}

    def delete(self, ctx: Context, old: Resource) -> None:
        self._provider(old.outputs).delete(old.id, old.outputs)

    def read(self, ctx: Context, old: Resource) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        result = self._provider(old.outputs).read(old.id, old.outputs)
        outputs = {**(result.outs or {}), DYNAMIC_PROVIDER_KEY: old.outputs[DYNAMIC_PROVIDER_KEY]}
        return result.id or "", outputs, result.inputs
