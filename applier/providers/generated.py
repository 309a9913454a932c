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
import os
import secrets
import string
from typing import Any

import dill
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

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
        return "none", {**new.inputs, "result": result}


class TlsPrivateKey(_EveryInputReplaces):
    type = "tls:index/privateKey:PrivateKey"
    inputs = frozenset({"algorithm"})

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        if new.inputs["algorithm"] != "ED25519":
            raise Unsupported(f"tls PrivateKey algorithm {new.inputs['algorithm']}")
        key = ed25519.Ed25519PrivateKey.generate()
        private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                    serialization.NoEncryption()).decode()
        public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                               serialization.PublicFormat.OpenSSH).decode()
        return secrets.token_hex(8), {**new.inputs, "privateKeyOpenssh": private, "publicKeyOpenssh": public + "\n"}


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
