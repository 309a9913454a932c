"""What each Slurm host's engine speaks: its API version, read once per machine. Container settings
that only newer engines keep (a health check's start_interval) follow it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi

from components.machines import Machines
from components.remote_script import remote_script
from components.ssh_access import SshAccess
from model.cluster import Cluster
from model.constants import component_type
from render.engine_scripts import engine_api_script


class EngineApi(pulumi.ComponentResource):
    """`version[host]`: e.g. "1.45" (Docker 26); an upgraded engine is read again with a new machine
    or `pulumi up --replace` of its command."""

    version: dict[str, pulumi.Output[str]]

    def __init__(self, cluster: Cluster, access: SshAccess, machines: Machines,
                 after: Mapping[str, Sequence[pulumi.Resource]], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("engines", "EngineApi"), "engine-api", None, opts)
        self.version = {
            host.name: remote_script(
                f"{host.name}-engine-api", access, host, create=engine_api_script(host),
                triggers=machines.identities(host),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*machines.of(host), *after.get(host.name, ())]),
            ).stdout.apply(lambda out: out.strip())
            for host in cluster.overlay_hosts}
        self.register_outputs({})
