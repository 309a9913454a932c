"""The test applier: run the project's own __main__.py and perform each resource on real engines.

Pulumi's mock runtime calls the monitor's RegisterResource once a resource's inputs and
dependencies are resolved, from several threads at once, so performing the resource there follows
the program's dependency graph and runs independent branches in parallel, as the engine would.
Resources are compared with the previous run's records: unchanged ones are left alone, changed ones
updated or replaced by the provider's rules, and ones the program no longer declares deleted.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from tests.applier.command_handlers import LocalCommand, RemoteCommand
from tests.applier.docker_connections import DockerConnections
from tests.applier.docker_handlers import (
    DockerContainer,
    DockerImage,
    DockerNetwork,
    DockerProvider,
    DockerRemoteImage,
    DockerVolume,
)
from tests.applier.errors import ApplyError, Unsupported
from tests.applier.handler import Context, Handler
from tests.applier.misc_handlers import DynamicResource, RandomBytes, RandomPassword, TlsPrivateKey
from tests.applier.state import ResourceRecord, State
from tests.program_runner import REPO, run_program

HANDLERS: dict[str, Handler] = {h.type: h for h in (
    DockerProvider(), DockerImage(), DockerRemoteImage(), DockerNetwork(), DockerVolume(), DockerContainer(),
    RemoteCommand(), LocalCommand(), RandomBytes(), RandomPassword(), TlsPrivateKey(), DynamicResource(),
)}
SECRET_SIG = "4dabf18193072939515e22adb298388d"
WORKER_THREADS = 64  # the SDK's RPC threads: enough that independent hosts proceed in parallel


def _unwrap_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        if SECRET_SIG in value:
            return _unwrap_secrets(value.get("value"))
        return {k: _unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap_secrets(v) for v in value]
    return value


def _seconds(text: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(s|m|h)", text)
    if not match:
        raise Unsupported(f"custom timeout '{text}'")
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]


def _changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> set[str]:
    return {k for k in set(old) | set(new) if old.get(k) != new.get(k)}


@dataclass
class Change:
    op: str  # create, update, replace, delete, same
    type: str
    name: str
    seconds: float  # how long the operation took
    at: float = 0.0  # when it began, in seconds since the run began


@dataclass
class ApplyResult:
    outputs: dict[str, Any]
    changes: list[Change] = field(default_factory=list)

    def count(self, op: str) -> int:
        return sum(1 for c in self.changes if c.op == op)

    @property
    def changed(self) -> int:
        return sum(1 for c in self.changes if c.op != "same")

    def summary(self) -> dict[str, int]:
        return dict(Counter(c.op for c in self.changes))


class _NoMocks(Mocks):
    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        raise Unsupported(f"reading resource {args.typ} '{args.name}'")

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], None]:
        raise Unsupported(f"provider function {args.token}")


class _ApplyingMonitor(MockMonitor):
    def __init__(self, applier: Applier) -> None:
        super().__init__(_NoMocks())
        self.applier = applier

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()
        self._check_options(request)
        record = ResourceRecord(
            urn=urn, type=request.type, name=request.name, custom=request.custom,
            inputs=_unwrap_secrets(rpc.deserialize_properties(request.object, keep_unknowns=True)),
            provider=request.provider.rsplit("::", 1)[0] if request.provider else "",
            parent=request.parent, dependencies=list(request.dependencies),
            delete_before_replace=request.deleteBeforeReplace, replace_on_changes=list(request.replaceOnChanges),
            replace_with=list(request.replace_with),
            timeouts={k: _seconds(v) for k in ("create", "update", "delete")
                      if (v := getattr(request.customTimeouts, k))},
        )
        record_id, outputs = self.applier.apply(record)
        obj = _sync_await(rpc.serialize_properties(outputs, {}))
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, record_id, outputs)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=record_id, object=obj)

    @staticmethod
    def _check_options(request: Any) -> None:
        """Options that change what the engine does. (Aliases only rename state entries; the SDKs add
        type aliases of their own, so they are allowed.)"""
        used = {
            "protect": request.protect, "ignoreChanges": list(request.ignoreChanges),
            "retainOnDelete": request.retainOnDelete, "deletedWith": request.deletedWith,
            "importId": request.importId,
            "hooks": any(getattr(request.hooks, f.name) for f in request.hooks.DESCRIPTOR.fields),
            "replacementTrigger": request.HasField("replacement_trigger"),
        }
        for option, value in used.items():
            if value:
                raise Unsupported(f"resource option {option} on {request.type} '{request.name}'")

    def ReadResource(self, request: Any) -> Any:
        raise Unsupported(f"reading resource {request.type} '{request.name}'")


class Applier:
    """`up()` applies the program for a stack config; `destroy()` deletes what it made."""

    def __init__(self, config: Mapping[str, Any], *, stack: str, state_path: Path,
                 log: Callable[[str], None] = print) -> None:
        self.config = dict(config)
        self.stack = stack
        self.state = State(state_path)
        self.log = log
        self.docker = DockerConnections()
        self.ctx = Context(docker=self.docker, providers={}, project_dir=str(REPO))
        self._prior: dict[str, ResourceRecord] = {}
        self._registered: set[str] = set()
        self._replaced: set[str] = set()
        self._force_replace: set[str] = set()
        self._changes: list[Change] = []
        self._lock = threading.Lock()
        self._t0 = time.monotonic()

    # ---- up --------------------------------------------------------------------------------------

    def up(self, replace: Collection[str] = ()) -> ApplyResult:
        """Apply the program. `replace`: names of resources to replace even if unchanged, as
        `pulumi up --replace <urn>` does."""
        self._t0 = time.monotonic()
        self._force_replace = set(replace)
        self._prior = dict(self.state.records)
        self._registered = set()
        self._replaced = set()
        self._changes = []
        self._load_providers()
        try:
            outputs = run_program(_ApplyingMonitor(self), self.config, stack=self.stack, rpc_threads=WORKER_THREADS)
        except Exception as exc:
            raise ApplyError(f"up of stack {self.stack} failed: {exc}") from exc
        removed = {urn: rec for urn, rec in self._prior.items() if urn not in self._registered}
        self._delete_in_order(removed)
        return ApplyResult(outputs, list(self._changes))

    def _load_providers(self) -> None:
        for record in self.state.records.values():
            if record.type.startswith("pulumi:providers:"):
                self.ctx.providers[record.urn] = record

    def _handler(self, record: ResourceRecord) -> Handler:
        handler = HANDLERS.get(record.type)
        if handler is None:
            raise Unsupported(f"resource type {record.type} ('{record.name}')")
        return handler

    def _note(self, op: str, record: ResourceRecord, started: float) -> None:
        change = Change(op, record.type, record.name, time.monotonic() - started, started - self._t0)
        with self._lock:
            self._changes.append(change)
        if op != "same":
            self.log(f"[{time.monotonic() - self._t0:7.1f}s] {op:7} {record.type} {record.name} "
                     f"({change.seconds:.1f} s)")

    def apply(self, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        started = time.monotonic()
        with self._lock:
            self._registered.add(record.urn)
        if not record.custom:  # a component: nothing to perform
            self.state.put(record)
            return "", {}
        handler = self._handler(record)
        handler.check(record)
        old = self._prior.get(record.urn)
        basis = handler.diff_inputs(self.ctx, record)
        try:
            if old is None:
                record.id, record.outputs = handler.create(self.ctx, record)
                op = "create"
            else:
                changed = _changed(old.basis, basis)
                # the engine replaces a resource whose provider, or a resource named in its
                # replace_with, was replaced in this run (and `up --replace` asks for it)
                forced = bool((self._replaced & {record.provider, *record.replace_with}) - {""}) \
                    or record.name in self._force_replace
                if not changed and not forced:
                    record.id, record.outputs, op = old.id, old.outputs, "same"
                elif forced or handler.replaces(changed) or changed & set(record.replace_on_changes):
                    self._replace(handler, old, record)
                    op = "replace"
                    with self._lock:
                        self._replaced.add(record.urn)
                else:
                    record.id = old.id
                    record.outputs = handler.update(self.ctx, old, record, changed)
                    op = "update"
        except ApplyError as exc:
            raise ApplyError(f"{record.type} '{record.name}': {exc}") from exc
        except Exception as exc:  # the Docker API or a connection failed: say where
            raise ApplyError(f"{record.type} '{record.name}'{self._where(record)}: {exc}") from exc
        record.basis = basis
        self.state.put(record)
        if record.type.startswith("pulumi:providers:"):
            self.ctx.providers[record.urn] = record
        self._note(op, record, started)
        return record.id, record.outputs

    def _where(self, record: ResourceRecord) -> str:
        provider = self.ctx.providers.get(record.provider)
        return f" on {provider.inputs.get('host')}" if provider is not None else ""

    def _replace(self, handler: Handler, old: ResourceRecord, new: ResourceRecord) -> None:
        if new.delete_before_replace:
            handler.delete(self.ctx, old)
            new.id, new.outputs = handler.create(self.ctx, new)
        else:
            new.id, new.outputs = handler.create(self.ctx, new)
            handler.delete(self.ctx, old)

    # ---- destroy ---------------------------------------------------------------------------------

    def destroy(self, keep: Callable[[ResourceRecord], bool] = lambda _: False) -> ApplyResult:
        """Delete every recorded resource except those `keep` selects (and what they need)."""
        self._t0 = time.monotonic()
        self._changes = []
        self._load_providers()
        records = dict(self.state.records)
        kept = self._closure({urn for urn, rec in records.items() if keep(rec)}, records)
        self._delete_in_order({urn: rec for urn, rec in records.items() if urn not in kept})
        return ApplyResult({}, list(self._changes))

    @staticmethod
    def _closure(urns: set[str], records: dict[str, ResourceRecord]) -> set[str]:
        todo, seen = list(urns), set(urns)
        while todo:
            rec = records.get(todo.pop())
            if rec is None:
                continue
            for needed in [*rec.dependencies, rec.parent, rec.provider]:
                if needed and needed not in seen:
                    seen.add(needed)
                    todo.append(needed)
        return seen

    def _delete_in_order(self, doomed: dict[str, ResourceRecord]) -> None:
        """Dependents first: a resource goes once nothing left depends on it, is its child or uses it
        as provider."""
        left = dict(doomed)
        while left:
            ready = [urn for urn in left if not self.state.dependents(urn, left)]
            if not ready:
                raise ApplyError(f"cannot order the deletion of {sorted(left)}: dependency cycle")
            for urn in ready:
                record = left.pop(urn)
                started = time.monotonic()
                if record.custom:
                    try:
                        self._handler(record).delete(self.ctx, record)
                    except Exception as exc:
                        raise ApplyError(f"deleting {record.type} '{record.name}'{self._where(record)}: {exc}") \
                            from exc
                self.state.remove(urn)
                if record.custom:
                    self._note("delete", record, started)

    def close(self) -> None:
        self.docker.close()
