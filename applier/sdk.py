"""Every private part of the Pulumi Python SDK the applier relies on, in one place.

The applier runs the program under the SDK's mock runtime and answers its resource registrations
itself, which needs names the SDK does not promise to keep: the mock monitor, the RPC
(de)serialisers, the event-loop helpers, the runtime settings and the protobuf messages. They are
imported here and nowhere else; `requirements-dev.txt` pins the SDK exactly, and
`tests/test_sdk_adapter.py` fails, naming the missing piece, when an upgrade changes one of them.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime import mocks as _mocks
from pulumi.runtime import rpc as _rpc
from pulumi.runtime.proto import resource_pb2 as _resource_pb2
from pulumi.runtime.settings import ROOT as _ROOT
from pulumi.runtime.settings import SETTINGS as _SETTINGS
from pulumi.runtime.stack import run_pulumi_func as _run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

SDK_VERSION = "3.272.0"  # the version this adapter was written against (requirements-dev.txt pins it)

MockMonitor = _mocks.MockMonitor
Mocks = _mocks.Mocks
MockResourceArgs = _mocks.MockResourceArgs
MockCallArgs = _mocks.MockCallArgs
RegisterResourceResponse = _resource_pb2.RegisterResourceResponse

# Pulumi's special-value signature: a map holding this key is not plain data but a secret, an
# asset, an archive, a resource reference or an output value, as the key's value says.
SPECIAL_VALUE_KEY = _rpc._special_sig_key
SECRET_SIGNATURE = _rpc._special_secret_sig

# The fields of a RegisterResourceRequest the applier reads (checked by tests/test_sdk_adapter.py).
REQUEST_FIELDS = (
    "type", "name", "parent", "custom", "object", "protect", "dependencies", "provider", "propertyDependencies",
    "deleteBeforeReplace", "deleteBeforeReplaceDefined", "ignoreChanges", "additionalSecretOutputs", "importId",
    "customTimeouts", "replaceOnChanges", "retainOnDelete", "deletedWith", "replace_with", "replacement_trigger",
    "hooks",
)


def deserialize(struct: Any) -> dict[str, Any]:
    """A registration's properties as Python data, unknown values kept."""
    return _rpc.deserialize_properties(struct, keep_unknowns=True)


def serialize(value: dict[str, Any]) -> Any:
    return _sync_await(_rpc.serialize_properties(value, {}))


def ensure_event_loop() -> None:
    """Registrations arrive on the SDK's RPC threads, which need a loop to deserialise references."""
    _ensure_event_loop()


def sync_await(awaitable: Any) -> Any:
    return _sync_await(awaitable)


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SPECIAL_VALUE_KEY) == SECRET_SIGNATURE


def unwrap_secrets(value: Any) -> Any:
    """The plain data inside secret markers (the state file keeps secrets in plain text, mode 0600)."""
    if isinstance(value, dict):
        if SPECIAL_VALUE_KEY in value:
            return unwrap_secrets(value.get("value"))
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def reset_runtime() -> None:
    """Forget the previous run's root resource and stack outputs, as pulumi.runtime.test does."""
    _ROOT.set(None)
    _SETTINGS.outputs.clear()


def install(monitor: Any, *, project: str, stack: str, config: dict[str, str], secret_keys: list[str]) -> None:
    pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(config, secret_keys=secret_keys)


def run_program(program: Any) -> None:
    """Run `program` as the SDK runs a Pulumi program, waiting for every registration it made."""
    _sync_await(_run_pulumi_func(program))
