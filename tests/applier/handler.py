"""What a resource type's handler must say: the inputs it implements, which changes replace, and how
to create, update and delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.applier.errors import Unsupported
from tests.applier.state import ResourceRecord

if TYPE_CHECKING:
    from tests.applier.docker_connections import DockerConnections

ALL = frozenset({"*"})


@dataclass
class Context:
    """What handlers may use: Docker clients, and the records of providers by URN."""

    docker: DockerConnections
    providers: dict[str, ResourceRecord]
    project_dir: str

    def provider_inputs(self, record: ResourceRecord) -> dict[str, Any]:
        if not record.provider:
            raise Unsupported(f"{record.type} '{record.name}' without an explicit provider")
        return self.providers[record.provider].inputs


class Handler:
    type: str = ""
    inputs: frozenset[str] = frozenset()  # input keys this handler implements
    replace_on: frozenset[str] = ALL  # changes to these keys replace the resource (the provider's ForceNew)

    def check(self, record: ResourceRecord) -> None:
        extra = set(record.inputs) - self.inputs
        if extra:
            raise Unsupported(f"{record.type} '{record.name}': input(s) {sorted(extra)} are not implemented")

    def diff_inputs(self, ctx: Context, record: ResourceRecord) -> dict[str, Any]:
        """What decides whether the resource changed: its inputs (plus anything the provider reads
        from elsewhere, such as an image's build context)."""
        return record.inputs

    def replaces(self, changed: set[str]) -> bool:
        return "*" in self.replace_on or bool(changed & self.replace_on)

    def create(self, ctx: Context, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def update(self, ctx: Context, old: ResourceRecord, new: ResourceRecord, changed: set[str]) -> dict[str, Any]:
        raise Unsupported(f"{new.type} '{new.name}': in-place update of {sorted(changed)}")

    def delete(self, ctx: Context, record: ResourceRecord) -> None:
        raise NotImplementedError
