"""pulumi-random, pulumi-tls and Pulumi dynamic resources."""

from __future__ import annotations

import base64
import os
import secrets
import string
from typing import Any

import dill
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.applier.errors import Unsupported
from tests.applier.handler import Context, Handler
from tests.applier.state import ResourceRecord

DYNAMIC_PROVIDER_KEY = "__provider"


class RandomBytes(Handler):
    type = "random:index/randomBytes:RandomBytes"
    inputs = frozenset({"length", "keepers"})

    def create(self, ctx: Context, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        data = os.urandom(int(record.inputs["length"]))
        return secrets.token_hex(8), {**record.inputs, "base64": base64.b64encode(data).decode(), "hex": data.hex()}

    def delete(self, ctx: Context, record: ResourceRecord) -> None:
        return None


class RandomPassword(Handler):
    type = "random:index/randomPassword:RandomPassword"
    inputs = frozenset({"length", "special", "keepers"})
    alphabet = string.ascii_letters + string.digits

    def create(self, ctx: Context, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        if record.inputs.get("special", True):
            raise Unsupported("random RandomPassword with special characters")
        result = "".join(secrets.choice(self.alphabet) for _ in range(int(record.inputs["length"])))
        return "none", {**record.inputs, "result": result}

    def delete(self, ctx: Context, record: ResourceRecord) -> None:
        return None


class TlsPrivateKey(Handler):
    type = "tls:index/privateKey:PrivateKey"
    inputs = frozenset({"algorithm"})

    def create(self, ctx: Context, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        if record.inputs["algorithm"] != "ED25519":
            raise Unsupported(f"tls PrivateKey algorithm {record.inputs['algorithm']}")
        key = ed25519.Ed25519PrivateKey.generate()
        private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                    serialization.NoEncryption()).decode()
        public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                               serialization.PublicFormat.OpenSSH).decode()
        return secrets.token_hex(8), {**record.inputs, "privateKeyOpenssh": private, "publicKeyOpenssh": public + "\n"}

    def delete(self, ctx: Context, record: ResourceRecord) -> None:
        return None


class DynamicResource(Handler):
    """Runs the program's own dynamic provider (unpickled from its `__provider` input)."""

    type = "pulumi-python:dynamic:Resource"
    inputs = frozenset({"*"})  # the provider defines its inputs

    def check(self, record: ResourceRecord) -> None:
        if DYNAMIC_PROVIDER_KEY not in record.inputs:
            raise Unsupported(f"dynamic resource '{record.name}' without its serialized provider")

    @staticmethod
    def _provider(record: ResourceRecord) -> Any:
        return dill.loads(base64.b64decode(record.inputs[DYNAMIC_PROVIDER_KEY]))

    @staticmethod
    def _props(record: ResourceRecord) -> dict[str, Any]:
        return {k: v for k, v in record.inputs.items() if k != DYNAMIC_PROVIDER_KEY}

    def diff_inputs(self, ctx: Context, record: ResourceRecord) -> dict[str, Any]:
        return self._props(record)

    def create(self, ctx: Context, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        result = self._provider(record).create(self._props(record))
        return result.id, {**record.inputs, **(result.outs or {})}

    def update(self, ctx: Context, old: ResourceRecord, new: ResourceRecord, changed: set[str]) -> dict[str, Any]:
        provider = self._provider(new)
        diff = provider.diff(old.id, self._props(old), self._props(new))
        if diff.replaces:
            raise Unsupported(f"dynamic resource '{new.name}': replacement of {diff.replaces}")
        result = provider.update(old.id, self._props(old), self._props(new))
        return {**new.inputs, **(result.outs or {})}

    def replaces(self, changed: set[str]) -> bool:
        return False

    def delete(self, ctx: Context, record: ResourceRecord) -> None:
        self._provider(record).delete(record.id, {k: v for k, v in record.outputs.items()
                                                  if k != DYNAMIC_PROVIDER_KEY})
