"""What the applier made: one record per resource, saved after every change so that a failed
run can still be torn down."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ResourceRecord:
    urn: str
    type: str
    name: str
    custom: bool
    id: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    provider: str = ""  # URN of the explicit provider resource, if any
    parent: str = ""
    dependencies: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    replace_on_changes: list[str] = field(default_factory=list)
    replace_with: list[str] = field(default_factory=list)
    timeouts: dict[str, float] = field(default_factory=dict)
    basis: dict[str, Any] = field(default_factory=dict)  # what decided the last create/update (see Handler)


class State:
    """Records by URN, persisted as JSON (mode 0600: it holds the stack's secrets, as Pulumi's does)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.records: dict[str, ResourceRecord] = {}
        if path.exists():
            data = json.loads(path.read_text())
            self.records = {urn: ResourceRecord(**rec) for urn, rec in data.items()}

    def put(self, record: ResourceRecord) -> None:
        with self._lock:
            self.records[record.urn] = record
            self._save()

    def remove(self, urn: str) -> None:
        with self._lock:
            self.records.pop(urn, None)
            self._save()

    def _save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({urn: asdict(rec) for urn, rec in self.records.items()}, f, indent=1, sort_keys=True)
        tmp.replace(self.path)

    def dependents(self, urn: str, among: dict[str, ResourceRecord]) -> list[str]:
        """Records that must go before `urn` can: those that depend on it, are its children, or use it
        as their provider."""
        return [other.urn for other in among.values()
                if urn in other.dependencies or other.parent == urn or other.provider == urn]
