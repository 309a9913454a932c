"""The one mock fixture: run the program under Pulumi's mock runtime and record every registration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from applier import sdk
from applier.fakes import FakeOutputs
from applier.program import run_program


@dataclass
class Registration:
    """What the engine would receive for one resource: its inputs and its options."""

    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    provider: str
    parent: str
    delete_before_replace: bool
    replace_on_changes: list[str]
    additional_secret_outputs: list[str]
    retain_on_delete: bool

    def depends_on(self, name: str) -> bool:
        """Does this resource wait for the resource called `name`, explicitly or through an input?"""
        urns = self.dependencies + [u for us in self.property_dependencies.values() for u in us]
        return any(u.endswith(f"::{name}") for u in urns)


class RecordingMonitor(sdk.MockMonitor):
    def __init__(self) -> None:
        super().__init__(FakeOutputs())
        self.registrations: dict[str, Registration] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = sdk.deserialize(request.object)
            if request.name in self.registrations:
                raise AssertionError(f"two resources are named {request.name}")
            self.registrations[request.name] = Registration(
                type=request.type, name=request.name, urn=response.urn, inputs=inputs,
                dependencies=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                provider=request.provider, parent=request.parent,
                delete_before_replace=request.deleteBeforeReplace,
                replace_on_changes=list(request.replaceOnChanges),
                additional_secret_outputs=list(request.additionalSecretOutputs),
                retain_on_delete=bool(request.retainOnDelete),
            )
        return response


@dataclass
class ProgramRun:
    outputs: dict[str, Any]
    resources: dict[str, Registration]

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.resources.values() if r.type == type_]

    def __getitem__(self, name: str) -> Registration:
        return self.resources[name]


@pytest.fixture
def program(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., ProgramRun]:
    """Run __main__.py for a stack config; HOME is a temporary directory (the SSH key file goes there)."""
    monkeypatch.setenv("HOME", str(tmp_path))

    monitors: list[RecordingMonitor] = []

    def run(config: Mapping[str, Any], stack: str = "test") -> ProgramRun:
        monitor = RecordingMonitor()
        monitors.append(monitor)
        outputs = run_program(monitor, config, stack=stack)
        return ProgramRun(outputs, monitor.registrations)

    run.monitors = monitors  # type: ignore[attr-defined]
    return run
