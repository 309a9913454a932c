"""The resource monitor the program talks to: each registration becomes a Resource for the engine.

Pulumi's mock runtime calls RegisterResource once a resource's inputs and dependencies are resolved,
from several threads at once, so performing the resource there follows the program's dependency
graph and runs independent branches in parallel, as the engine does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from applier import sdk
from applier.errors import Unsupported
from applier.state import Resource


def _seconds(text: str) -> float:
    """A custom timeout as the engine parses it (Go time.ParseDuration), in seconds."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
    if not match:
        raise Unsupported(f"custom timeout '{text}'")
    return float(match.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[match.group(2)]


# Options the applier does not implement: it stops rather than ignore what would change the outcome.
# (Aliases only rename state entries; the SDKs add type aliases of their own, so they pass.)
def _unsupported_options(request: Any) -> list[str]:
    used = {
        "ignoreChanges": list(request.ignoreChanges),
        "importId": request.importId,
        "hooks": any(getattr(request.hooks, f.name) for f in request.hooks.DESCRIPTOR.fields),
        "replacementTrigger": request.HasField("replacement_trigger"),
    }
    return [option for option, value in used.items() if value]


def _whole_numbers(value: Any) -> Any:
    """Protobuf carries every number as a double; the providers' schemas read whole ones as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def resource_from_request(request: Any, urn: str) -> Resource:
    unsupported = _unsupported_options(request)
    if unsupported:
        raise Unsupported(f"resource option(s) {unsupported} on {request.type} '{request.name}'")
    return Resource(
        urn=urn, type=request.type, name=request.name, custom=request.custom,
        inputs=_whole_numbers(sdk.unwrap_secrets(sdk.deserialize(request.object))),
        provider=request.provider, parent=request.parent, dependencies=list(request.dependencies),
        property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
        delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
        replace_on_changes=list(request.replaceOnChanges), replace_with=list(request.replace_with),
        deleted_with=request.deletedWith, retain_on_delete=bool(request.retainOnDelete),
        protect=bool(request.protect),
        timeouts={k: _seconds(v) for k in ("create", "update", "delete") if (v := getattr(request.customTimeouts, k))},
    )


class ApplyingMonitor(sdk.MockMonitor):
    """Hands each registration to `register`, which returns the resource's id and outputs."""

    def __init__(self, register: Callable[[Resource], tuple[str, dict[str, Any]]]) -> None:
        super().__init__(_NoMocks())
        self._register = register

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return sdk.RegisterResourceResponse(urn=urn)
        sdk.ensure_event_loop()
        resource_id, outputs = self._register(resource_from_request(request, urn))
        self.resources[urn] = sdk.MockMonitor.ResourceRegistration(urn, resource_id, outputs)
        return sdk.RegisterResourceResponse(urn=urn, id=resource_id, object=sdk.serialize(outputs))

    def ReadResource(self, request: Any) -> Any:
        raise Unsupported(f"reading resource {request.type} '{request.name}'")


class _NoMocks(sdk.Mocks):
    def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
        raise Unsupported(f"reading resource {args.typ} '{args.name}'")

    def call(self, args: Any) -> tuple[dict[str, Any], None]:
        raise Unsupported(f"provider function {args.token}")
