"""What a provider tells the engine, and what it may use to do its work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from applier.errors import Unsupported
from applier.state import Resource

if TYPE_CHECKING:
    from applier.providers.docker_connections import DockerConnections


@dataclass(frozen=True)
class Diff:
    """A provider's answer to Diff (pulumi/pulumi proto/pulumi/provider.proto DiffResponse).

    `changes` None: the provider cannot tell (DIFF_UNKNOWN), and the engine compares old and new
    inputs itself. `detailed`: changed property paths and their kind (`update`, `add`, `delete`,
    with `-replace` when that change replaces)."""

    changes: bool | None
    replace_keys: frozenset[str] = frozenset()
    detailed: dict[str, str] = field(default_factory=dict)
    delete_before_replace: bool = False

    @property
    def replaces(self) -> bool:
        """pulumi/pulumi sdk/go/common/resource/plugin/provider.go DiffResult.Replace."""
        return bool(self.replace_keys) or any(kind.endswith("-replace") for kind in self.detailed.values())


NO_CHANGES = Diff(changes=False)


@dataclass
class Context:
    """What providers may use: Docker API clients, the provider resources by URN, the project."""

    docker: DockerConnections
    providers: dict[str, Resource]
    project_dir: str

    def provider_inputs(self, resource: Resource) -> dict[str, Any]:
        if not resource.provider:
            raise Unsupported(f"{resource.type} '{resource.name}' without an explicit provider")
        return self.providers[resource.provider_urn].inputs


class Provider:
    """The default answers are the engine's for a provider that implements nothing."""

    type: str = ""

    def check(self, ctx: Context, resource: Resource, olds: dict[str, Any] | None) -> dict[str, Any]:
        """The inputs the engine stores: the program's, with the provider's defaults."""
        return resource.inputs

    def diff(self, old: Resource, inputs: dict[str, Any]) -> Diff:
        return Diff(changes=None)

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def update(self, ctx: Context, old: Resource, new: Resource, diff: Diff) -> dict[str, Any]:
        raise Unsupported(f"{new.type} '{new.name}': in-place update of {sorted(diff.detailed)}")

    def delete(self, ctx: Context, old: Resource) -> None:
        raise NotImplementedError

    def read(self, ctx: Context, old: Resource) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        """Refresh: (id, outputs, inputs); an empty id says the resource is gone. By default the
        state is kept as it is (no Read)."""
        return old.id, old.outputs, None
