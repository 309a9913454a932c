"""What each host is to the dependency graph: in a lab stack the container the program made for it,
for a real host nothing.

Everything the stack puts on a lab host carries that host's identity (its container's ID) in an
input whose change replaces it: a Docker label on containers, volumes and networks, a trigger on
commands. When a lab host is replaced (delete-first: its name and address are fixed), the engine
asks every resource depending on it whether an unknown value there would replace it, deletes
those first, dependents before what they need, on the old host, and makes them again on the new
one (pulumi/pulumi step_generator.go calculateDependentReplacements). The `replaceWith` option
would reach them too, but deletes them in no fixed order (a volume before its container, which
fails); it serves only resources whose delete does nothing (a built image).
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_docker as docker

from model.cluster import Host
from model.constants import LABEL_PREFIX


class Machines:
    def __init__(self, containers: Mapping[str, docker.Container]) -> None:
        self._containers = dict(containers)

    def of(self, host: Host) -> list[pulumi.Resource]:
        """What must exist before anything runs on `host`."""
        container = self._containers.get(host.name)
        return [container] if container is not None else []

    def identities(self, *hosts: Host) -> list[pulumi.Output[str]]:
        """Command triggers: the IDs of these hosts' lab containers."""
        return [c.id for h in hosts if (c := self._containers.get(h.name)) is not None]

    def labels(self, *hosts: Host) -> dict[str, pulumi.Output[str]]:
        """Docker labels that change when one of these hosts is replaced."""
        return {f"{LABEL_PREFIX}.machine.{h.name}": c.id
                for h in hosts if (c := self._containers.get(h.name)) is not None}
