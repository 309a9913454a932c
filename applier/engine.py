"""The engine's rules, as `pulumi up`, `pulumi destroy` and `pulumi refresh` apply them.

Every rule cites where it was read: pulumi/pulumi at 1b5949891b (after v3.259.0); SG =
pkg/resource/deploy/step_generator.go, ST = pkg/resource/deploy/step.go, DE =
pkg/resource/deploy/deployment_executor.go. The providers' own rules live in `applier/providers/`.

A registration becomes one of these steps (SG:1952-2199, in this order):
- create: nothing of that URN in the state;
- replace, without asking the provider: `--replace` (SG:2891), a resource named in its `replaceWith`
  already being replaced in this run (SG:2896), or a new provider whose DiffConfig asks for it (SG:2921);
- otherwise the provider's Diff against the state (old outputs) decides, upgraded to a replacement
  where a changed path lies under a `replaceOnChanges` entry (SG:3170-3260); with no change, a
  resource that failed to initialise last time is updated anyway (SG:2180-2196), else it is "same".
A replacement deletes first when the resource's `deleteBeforeReplace` option says so or, without
the option, when the provider does (SG:2043-2046). Then it first deletes every resource that would
be replaced with it (its dependents whose provider Diff says so, and those naming it in
`replaceWith`), dependents first (SG:2047-2158); they are made again, as replacements, when they
register (SG:1495-1506). Otherwise the new resource is made first and the old one deleted at the
end of the deployment, with the resources the program no longer declares (SG:2159-2165, DE:328).
"""

from __future__ import annotations

import concurrent.futures
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from applier import paths
from applier.errors import ApplyError, InitError, Unsupported
from applier.monitor import ApplyingMonitor
from applier.program import REPO, run_program
from applier.providers.base import Context, Diff, Provider
from applier.providers.docker_connections import DockerConnections
from applier.state import Resource, Snapshot
from applier.values import UNKNOWN

WORKER_THREADS = 64  # the SDK's RPC threads: enough that independent hosts proceed in parallel
DELETE_THREADS = 16  # deletes of one antichain run in parallel (DE:550)


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

    def names(self, *ops: str) -> set[str]:
        return {c.name for c in self.changes if c.op in ops}


@dataclass
class _Step:
    op: str  # create, same, update, replace, recreate
    old: Resource | None = None
    diff: Diff | None = None
    delete_first: bool = False
    condemned: list[Resource] = field(default_factory=list)  # deleted first, last one first


class Applier:
    """`up()` applies the program for a stack config, `destroy()` deletes what it made, `refresh()`
    reads every resource back. `providers`: the provider of each resource type."""

    def __init__(self, config: Mapping[str, Any], *, stack: str, state_path: Path,
                 providers: Mapping[str, Provider], log: Callable[[str], None] = print,
                 shuffle_seed: int | None = None, project_dir: Path = REPO) -> None:
        """`project_dir`: where the program's relative paths (image build contexts) are read, as
        Pulumi reads them from the program's directory."""
        self.config = dict(config)
        self.stack = stack
        self.snapshot = Snapshot(state_path)
        self.providers = dict(providers)
        self.log = log
        self.docker = DockerConnections()
        self.ctx = Context(docker=self.docker, providers={}, project_dir=str(project_dir))
        # Resources naming a replaced one in `replaceWith` are found by iterating a Go map: in no
        # fixed order (SG:3419-3442). The applier shuffles them, so that a program that needs one
        # order fails here too; the order is logged.
        self._random = random.Random(shuffle_seed)
        self._lock = threading.RLock()
        self._t0 = time.monotonic()
        self.begin()

    def begin(self, targets: Collection[str] = ()) -> None:
        """Start a deployment (what `up` does before it runs the program; the engine's own unit tests
        call `begin`, `register` and `finish` themselves). `targets`: names to replace anyway."""
        # every pulumi command is a new process: its providers dial the hosts afresh
        self.docker.close()
        self.docker = self.ctx.docker = DockerConnections()
        self._targets = set(targets)
        self._registered: set[str] = set()
        self._replaces: set[str] = set()  # sg.replaces: decided to be replaced in this run
        self._deleted_first: set[str] = set()  # sg.deletes: deleted ahead of a replacement, made again on registration
        self._changes: list[Change] = []
        self._t0 = time.monotonic()
        self._load_providers()

    # ---- up --------------------------------------------------------------------------------------

    def up(self, replace: Collection[str] = (), refresh: bool = False) -> ApplyResult:
        """Apply the program. `replace`: names of resources to replace even if unchanged
        (`pulumi up --replace <urn>`); `refresh`: read every resource back first (`--refresh`)."""
        self.begin(replace)
        if refresh:
            self._refresh_all()
        try:
            outputs = run_program(ApplyingMonitor(self.register), self.config, stack=self.stack,
                                  rpc_threads=WORKER_THREADS)
        except Exception as exc:
            # A failed deployment runs no deletes (DE:318-323): replaced resources stay pending deletion.
            raise ApplyError(f"up of stack {self.stack} failed: {exc}") from exc
        self.finish()
        return ApplyResult(outputs, list(self._changes))

    def _load_providers(self) -> None:
        for resource in self.snapshot.resources:
            if resource.type.startswith("pulumi:providers:") and not resource.pending_delete:
                self.ctx.providers[resource.urn] = resource

    def _provider(self, resource: Resource) -> Provider:
        provider = self.providers.get(resource.type)
        if provider is None:
            raise Unsupported(f"resource type {resource.type} ('{resource.name}')")
        return provider

    def register(self, new: Resource) -> tuple[str, dict[str, Any]]:
        started = time.monotonic()
        with self._lock:
            self._registered.add(new.urn)
            old = self.snapshot.by_urn(new.urn)
        if not new.custom:  # a component: the engine only records it
            self.snapshot.succeed(old, new)
            return "", {}
        provider = self._provider(new)
        with self._lock:  # the engine generates steps one registration at a time
            step = self._plan(new, old, provider)
        try:
            self._perform(step, new, provider)
        except InitError:
            raise
        except ApplyError as exc:
            raise ApplyError(f"{new.type} '{new.name}': {exc}") from exc
        except Exception as exc:  # the Docker API or a connection failed: say where
            raise ApplyError(f"{new.type} '{new.name}'{self._where(new)}: {exc}") from exc
        if new.type.startswith("pulumi:providers:"):
            self.ctx.providers[new.urn] = new
        self._note(step.op if step.op != "recreate" else "replace", new, started)
        return new.id, new.outputs

    def _plan(self, new: Resource, old: Resource | None, provider: Provider) -> _Step:
        recreating = new.urn in self._deleted_first
        targeted = new.name in self._targets
        new.inputs = provider.check(self.ctx, new, None if old is None or recreating or targeted else old.inputs)
        if old is None:
            return _Step("create")
        if recreating:  # deleted ahead of a replacement: made again without a diff (SG:1495-1506)
            self._deleted_first.discard(new.urn)
            self._replaces.add(new.urn)
            return _Step("recreate", old)
        diff = self._diff(old, new, provider, targeted)
        if diff.changes or old.pending_replacement:
            if diff.replaces or old.pending_replacement:
                if new.protect and old.protect:  # SG:1954-1974
                    raise ApplyError(f"{new.type} '{new.name}' is protected and cannot be replaced")
                self._replaces.add(new.urn)  # decided now, before the steps run (SG:2001)
                delete_first = new.delete_before_replace if new.delete_before_replace is not None \
                    else diff.delete_before_replace
                condemned = self._condemned_with(old) if delete_first else []
                return _Step("replace", old, diff, delete_first, condemned)
            return _Step("update", old, diff)
        if old.init_errors:
            return _Step("update", old, diff)
        return _Step("same", old)

    def _diff(self, old: Resource, new: Resource, provider: Provider, targeted: bool) -> Diff:
        if targeted:
            return Diff(changes=True, replace_keys=frozenset({"id"}))
        if self._replaces & set(new.replace_with):
            return Diff(changes=True, replace_keys=frozenset({"replaceWith"}))
        if old.provider != new.provider and self._provider_change_replaces(old, new):
            return Diff(changes=True, replace_keys=frozenset({"provider"}))
        return self._provider_diff(old, new.inputs, provider, new.replace_on_changes)

    def _provider_diff(self, old: Resource, inputs: dict[str, Any], provider: Provider,
                       replace_on_changes: list[str]) -> Diff:
        diff = provider.diff(old, inputs)
        if diff.changes is None:  # DIFF_UNKNOWN: the engine compares old and new inputs (SG:2996-3005)
            detailed = paths.changed_paths(old.inputs, inputs)
            diff = Diff(changes=bool(detailed), detailed=detailed,
                        delete_before_replace=diff.delete_before_replace)
        return _apply_replace_on_changes(diff, replace_on_changes, bool(old.init_errors))

    def _provider_change_replaces(self, old: Resource, new: Resource) -> bool:
        """A resource whose provider reference changed is replaced only when the new provider's
        DiffConfig says so (SG:2800-2879); a provider that was only updated keeps its ID."""
        new_provider = self.ctx.providers.get(new.provider_urn)
        old_provider = self.snapshot.by_urn(old.provider_urn, pending_delete=True) or new_provider
        if new_provider is None or old_provider is None:
            return False
        return self._provider(new_provider).diff(old_provider, new_provider.inputs).replaces

    def _condemned_with(self, root: Resource) -> list[Resource]:
        """What a delete-first replacement of `root` deletes first (SG:3268-3442): every dependent
        that would be replaced by it (its provider is condemned, or an input that depends on a
        condemned resource would, unknown, make its own Diff replace it), in dependency order; then
        the resources that name `root` in `replaceWith`, in no fixed order."""
        condemned = {root.urn}
        dependents: list[Resource] = []
        already = self._registered | self._replaces | self._deleted_first
        for candidate in self.snapshot.depending_on(root, ignore=already):
            if candidate.custom and self._replaced_by_condemned(candidate, condemned):
                dependents.append(candidate)
                condemned.add(candidate.urn)
        cascades = [r for r in self.snapshot.resources
                    if root.urn in r.replace_with and not r.pending_delete and r.urn not in condemned]
        self._random.shuffle(cascades)
        if len(cascades) > 1:
            self.log(f"replaceWith cascade of {root.name}, in this order: {[r.name for r in cascades]}")
        return dependents + cascades

    def _replaced_by_condemned(self, resource: Resource, condemned: set[str]) -> bool:
        if resource.provider_urn in condemned:
            return True
        inputs = dict(resource.inputs)
        unknown = False
        for key, urns in resource.property_dependencies.items():
            if key in inputs and condemned & set(urns):
                inputs[key] = UNKNOWN
                unknown = True
        if not unknown:  # dependsOn alone never condemns a dependent (SG:3339-3341)
            return False
        return self._provider_diff(resource, inputs, self._provider(resource), resource.replace_on_changes).replaces

    def _perform(self, step: _Step, new: Resource, provider: Provider) -> None:
        if step.op == "same":
            assert step.old is not None
            new.id, new.outputs = step.old.id, step.old.outputs
            self.snapshot.succeed(step.old, new)
        elif step.op == "create":
            self._create(provider, new, replacing=None)
        elif step.op == "recreate":
            self._create(provider, new, replacing=step.old)
        elif step.op == "update":
            assert step.old is not None and step.diff is not None
            new.id = step.old.id
            new.outputs = provider.update(self.ctx, step.old, new, step.diff)
            self.snapshot.succeed(step.old, new)
        else:
            self._replace(step, new, provider)

    def _create(self, provider: Provider, new: Resource, replacing: Resource | None) -> None:
        try:
            new.id, new.outputs = provider.create(self.ctx, new)
        except InitError as exc:
            # ST:383-392, 443-446: kept with its ID, outputs and reasons; the next up updates it
            new.id, new.outputs, new.init_errors = exc.resource_id, exc.outputs, [str(exc)]
            self.snapshot.succeed(replacing, new)
            raise
        self.snapshot.succeed(replacing, new)

    def _replace(self, step: _Step, new: Resource, provider: Provider) -> None:
        old = step.old
        assert old is not None
        if not step.delete_first:
            self._create(provider, new, replacing=None)
            old.pending_delete = True  # deleted at the end of the deployment (ST:467-473)
            self.snapshot.save()
            return
        for dependent in reversed(step.condemned):
            self.log(f"delete {dependent.type} {dependent.name} before replacing {old.name}")
            self._delete(dependent, also_deleted={old.urn, *(r.urn for r in step.condemned)})
            dependent.pending_replacement = True
            self.snapshot.save()
            with self._lock:
                self._deleted_first.add(dependent.urn)
        if not old.pending_replacement:
            self._delete(old, also_deleted=set())
            old.pending_replacement = True  # set once the delete succeeded (ST:756-784)
            self.snapshot.save()
        self._create(provider, new, replacing=old)

    # ---- deletes ---------------------------------------------------------------------------------

    def _delete(self, resource: Resource, also_deleted: set[str]) -> None:
        """The provider's Delete, unless the resource is retained (ST:656-663) or goes with another
        resource deleted in this run (`deletedWith`, ST:603-612, 663-664)."""
        if resource.retain_on_delete:
            self.log(f"retain  {resource.type} {resource.name} (retainOnDelete: left in place)")
            return
        if resource.deleted_with and resource.deleted_with in also_deleted:
            return
        try:
            self._provider(resource).delete(self.ctx, resource)
        except ApplyError as exc:
            raise ApplyError(f"deleting {resource.type} '{resource.name}': {exc}") from exc
        except Exception as exc:
            raise ApplyError(f"deleting {resource.type} '{resource.name}'{self._where(resource)}: {exc}") from exc

    def finish(self) -> None:
        """After a successful deployment: the old halves of create-first replacements and every
        resource the program no longer declares (SG:2372-2443). A delete-first replacement whose
        resource is no longer declared leaves its entry without a provider call (SG:2424-2432)."""
        with self._lock:
            entries = list(self.snapshot.resources)
        doomed = []
        for resource in entries:
            if resource.pending_delete:
                doomed.append(resource)
            elif resource.urn not in self._registered:
                if resource.pending_replacement:
                    self.snapshot.remove(resource)
                else:
                    doomed.append(resource)
        self._delete_in_order(doomed, protect_applies=True)

    def _delete_in_order(self, doomed: list[Resource], *, protect_applies: bool) -> None:
        """Dependents before what they need, as antichains, each in parallel (SG:2747-2796,
        DE:483-553); a failed delete keeps what it needs, directly or not, from being deleted
        (DE:513-547, `TransitiveDependenciesOf`): a resource held back holds back what it needs."""
        left = list(doomed)
        planned = {r.urn for r in doomed}
        errors: list[str] = []
        blocked: set[str] = set()
        while left:
            urns = {id(r) for r in left}
            ready = [r for r in left if not any(r.urn in other.dependency_urns() for other in left
                                                 if id(other) in urns and other is not r)]
            if not ready:
                raise ApplyError(f"cannot order the deletion of {sorted(r.name for r in left)}: dependency cycle")
            left = [r for r in left if r not in ready]
            runnable = [r for r in ready if r.urn not in blocked]
            for held in (r for r in ready if r.urn in blocked):
                blocked.update(held.dependency_urns())
            with concurrent.futures.ThreadPoolExecutor(max_workers=DELETE_THREADS) as pool:
                futures = {pool.submit(self._delete_one, r, planned, protect_applies): r for r in runnable}
                for future in concurrent.futures.as_completed(futures):
                    resource = futures[future]
                    try:
                        future.result()
                    except ApplyError as exc:
                        errors.append(str(exc))
                        blocked.update(resource.dependency_urns())
        if errors:
            raise ApplyError("; ".join(errors))

    def _delete_one(self, resource: Resource, planned: set[str], protect_applies: bool) -> None:
        started = time.monotonic()
        if resource.custom and not resource.pending_replacement:  # already deleted: state only (SG:2424-2432)
            if protect_applies and resource.protect and not resource.pending_delete:  # ST:644-649
                raise ApplyError(f"{resource.type} '{resource.name}' is protected: not deleted")
            self._delete(resource, also_deleted=planned)
        self.snapshot.remove(resource)
        if resource.custom:
            self._note("delete", resource, started)

    # ---- destroy and refresh ---------------------------------------------------------------------

    def destroy(self, keep: Callable[[Resource], bool] = lambda _: False) -> ApplyResult:
        """Delete every resource (`pulumi destroy`). `keep` (test tooling, like `pulumi destroy
        --exclude`): resources to leave, with everything they need."""
        self.begin()
        entries = list(self.snapshot.resources)
        kept = _needed_by([r for r in entries if keep(r)], entries)
        self._delete_in_order([r for r in entries if id(r) not in kept], protect_applies=True)
        return ApplyResult({}, list(self._changes))

    def refresh(self) -> ApplyResult:
        """`pulumi refresh`: read every resource back, without running the program."""
        self.begin()
        self._refresh_all()
        return ApplyResult({}, list(self._changes))

    def _refresh_all(self) -> None:
        """Each custom resource's Read, in parallel (DE:696-866). An empty ID means it is gone: its
        entry goes, and the next up creates it (ST:1616-1620); otherwise the outputs, and the inputs
        where the provider returns them, replace the state's (ST:1623-1641). Providers, and entries
        pending replacement, are not read (ST:1544-1557)."""
        readable = [r for r in self.snapshot.resources if r.custom and not r.pending_replacement
                    and not r.type.startswith("pulumi:providers:")]

        def read(resource: Resource) -> None:
            started = time.monotonic()
            new_id, outputs, inputs = self._provider(resource).read(self.ctx, resource)
            if not new_id:
                self.snapshot.remove(resource)
                self._note("refresh-deleted", resource, started)
                return
            changed = outputs != resource.outputs
            resource.id, resource.outputs = new_id, outputs
            if inputs is not None:
                resource.inputs = inputs
            self.snapshot.save()
            self._note("refresh-changed" if changed else "refresh-same", resource, started)

        with concurrent.futures.ThreadPoolExecutor(max_workers=DELETE_THREADS) as pool:
            for future in [pool.submit(read, r) for r in readable]:
                future.result()

    # ---- bookkeeping -----------------------------------------------------------------------------

    def _where(self, resource: Resource) -> str:
        provider = self.ctx.providers.get(resource.provider_urn)
        return f" on {provider.inputs.get('host')}" if provider is not None else ""

    def _note(self, op: str, resource: Resource, started: float) -> None:
        change = Change(op, resource.type, resource.name, time.monotonic() - started, started - self._t0)
        with self._lock:
            self._changes.append(change)
        if op not in ("same", "refresh-same"):
            self.log(f"[{time.monotonic() - self._t0:7.1f}s] {op:7} {resource.type} {resource.name} "
                     f"({change.seconds:.1f} s)")

    def close(self) -> None:
        self.docker.close()


def _apply_replace_on_changes(diff: Diff, patterns: list[str], init_errors: bool) -> Diff:
    """A change under a `replaceOnChanges` path replaces (SG:3170-3260): each entry matches every
    changed path it is a prefix of, among the detailed diff's keys and the changed top-level keys."""
    if not patterns or not (diff.changes or init_errors):
        return diff
    parsed = [paths.parse(p) for p in patterns]
    detailed = dict(diff.detailed)
    replace_keys = set(diff.replace_keys)
    for key, kind in diff.detailed.items():
        path = paths.parse(key)
        if any(paths.contains(p, path) for p in parsed):
            detailed[key] = kind if kind.endswith("-replace") else f"{kind}-replace"
            replace_keys.add(str(path[0]))
    if init_errors and any(p == ("*",) for p in parsed):
        replace_keys.add("#initerror")
    return Diff(changes=diff.changes or bool(replace_keys), replace_keys=frozenset(replace_keys),
                detailed=detailed, delete_before_replace=diff.delete_before_replace)


def _needed_by(kept: list[Resource], entries: list[Resource]) -> set[int]:
    """`kept` and everything they need, transitively (as ids of the entries)."""
    by_urn: dict[str, list[Resource]] = {}
    for entry in entries:
        by_urn.setdefault(entry.urn, []).append(entry)
    seen = {id(r) for r in kept}
    todo = list(kept)
    while todo:
        for urn in todo.pop().dependency_urns():
            for needed in by_urn.get(urn, []):
                if id(needed) not in seen:
                    seen.add(id(needed))
                    todo.append(needed)
    return seen
