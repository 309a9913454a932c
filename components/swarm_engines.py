"""Swarm mode: the controller's engine initialises a swarm, every other Slurm host joins it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi

from components.remote_script import remote_script
from components.ssh_access import SshAccess
from model.cluster import Cluster
from render.engine_scripts import (
    swarm_init_script,
    swarm_join_script,
    swarm_join_token_script,
    swarm_leave_script,
)


class SwarmEngines(pulumi.ComponentResource):
    """`configured[host]` is the resource after which that host's engine is in the swarm."""

    configured: dict[str, pulumi.Resource]

    def __init__(self, cluster: Cluster, access: SshAccess, host_ready: Mapping[str, Sequence[pulumi.Resource]],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("multihost-slurm:engines:SwarmEngines", "swarm", None, opts)
        manager = cluster.swarm_manager

        def after(*resources: pulumi.Resource) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, depends_on=list(resources))

        init = remote_script(
            f"{manager.name}-swarm-init", access, manager,
            create=swarm_init_script(cluster, manager),
            delete=swarm_leave_script(cluster, manager, manager=True),
            opts=after(*host_ready.get(manager.name, ())),
        )
        token = remote_script(
            "swarm-join-token", access, manager,
            create=swarm_join_token_script(cluster, manager),
            secret_output=True,
            opts=after(init),
        )
        self.configured = {manager.name: init}
        for host in cluster.overlay_hosts:
            if host.name == manager.name:
                continue
            self.configured[host.name] = remote_script(
                f"{host.name}-swarm-join", access, host,
                create=swarm_join_script(cluster, host, manager),
                delete=swarm_leave_script(cluster, host, manager=False),
                stdin=pulumi.Output.secret(token.stdout),
                opts=after(*host_ready.get(host.name, ())),
            )
        self.register_outputs({})
