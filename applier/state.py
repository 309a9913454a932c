"""The applier's state: one entry per resource, in the order the engine's snapshot keeps them
(every resource after what it depends on), saved after every step so that a failed run can still
be torn down.

The fields are those of the engine's resource state (pulumi/pulumi pkg/resource/state.go):
checked inputs, the provider's outputs, the options that steer later deployments, and the flags
for work left unfinished: `init_errors` (created, not initialised), `pending_delete` (Pulumi's
`Delete: true`, the old half of a create-first replacement, deleted at the end of a deployment),
`pending_replacement` (deleted by a delete-first replacement whose new half does not exist yet).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any


@dataclass
class Resource:
    urn: str
    type: str
    name: str
    custom: bool
    id: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    provider: str = ""  # reference to its explicit provider, "<urn>::<id>"; "" for a default provider
    parent: str = ""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    delete_before_replace: bool | None = None  # the option; None when the program left it to the provider
    replace_on_changes: list[str] = field(default_factory=list)
    replace_with: list[str] = field(default_factory=list)
    deleted_with: str = ""
    retain_on_delete: bool = False
    protect: bool = False
    timeouts: dict[str, float] = field(default_factory=dict)  # seconds, by operation
    init_errors: list[str] = field(default_factory=list)
    pending_delete: bool = False
    pending_replacement: bool = False

    @property
    def provider_urn(self) -> str:
        return self.provider.rsplit("::", 1)[0] if self.provider else ""

    def dependency_urns(self, *, parent: bool = True) -> set[str]:
        """What this resource needs (pulumi/pulumi pkg/resource/state.go GetAllDependencies: provider,
        parent, dependsOn, property dependencies, deletedWith, replaceWith)."""
        urns = {self.provider_urn, self.deleted_with, *self.dependencies, *self.replace_with}
        urns.update(u for us in self.property_dependencies.values() for u in us)
        if parent:
            urns.add(self.parent)
        urns.discard("")
        return urns


class Snapshot:
    """The state file: resources in snapshot order, JSON, mode 0600 (it holds the stack's secrets in
    plain text, as Pulumi's own state holds them encrypted)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self.resources: list[Resource] = []
        if path.exists():
            known = {f.name for f in fields(Resource)}
            self.resources = [Resource(**{k: v for k, v in entry.items() if k in known})
                              for entry in json.loads(path.read_text())]

    def by_urn(self, urn: str, *, pending_delete: bool = False) -> Resource | None:
        with self._lock:
            return next((r for r in self.resources if r.urn == urn and r.pending_delete == pending_delete), None)

    def append(self, resource: Resource) -> None:
        with self._lock:
            self.resources.append(resource)
            self._save()

    def succeed(self, old: Resource | None, new: Resource) -> None:
        """A step finished: `new` goes to the end (completion order is dependency order), `old` goes."""
        with self._lock:
            if old is not None:
                self.resources = [r for r in self.resources if r is not old]
            self.resources.append(new)
            self._save()

    def remove(self, resource: Resource) -> None:
        with self._lock:
            self.resources = [r for r in self.resources if r is not resource]
            self._save()

    def save(self) -> None:
        with self._lock:
            self._save()

    def _save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump([asdict(r) for r in self.resources], f, indent=1, sort_keys=True)
        tmp.replace(self.path)

    def depending_on(self, root: Resource, ignore: set[str]) -> list[Resource]:
        """Every resource that needs `root`, directly or through others, in snapshot order, over every
        edge but parent/child (pulumi/pulumi pkg/resource/graph/dependency_graph.go DependingOn)."""
        with self._lock:
            found: list[Resource] = []
            needed = {root.urn}
            for resource in self.resources:
                if resource is root or resource.urn in ignore or resource.pending_delete:
                    continue
                if resource.dependency_urns(parent=False) & needed:
                    found.append(resource)
                    needed.add(resource.urn)
            return found
