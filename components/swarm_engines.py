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
    """`configured[host]` is the resource after which that host's engine is in the swarm.

    `machines[host]`: what the host itself is (a lab host's container; nothing for a real host). A
    new machine means a fresh engine, so the host's commands run again. `after[host]`: the host's
    engine configuration, if the stack has one."""

    configured: dict[str, pulumi.Resource]

    def __init__(self, cluster: Cluster, access: SshAccess, machines: Mapping[str, Sequence[pulumi.Resource]],
                 after: Mapping[str, pulumi.Resource], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("multihost-slurm:engines:SwarmEngines", "swarm", None, opts)
        manager = cluster.swarm_manager

        def on(host_name: str, *also: pulumi.Resource) -> pulumi.ResourceOptions:
            machine = list(machines.get(host_name, ()))
            first = [after[host_name]] if host_name in after else []
            return pulumi.ResourceOptions(parent=self, depends_on=[*machine, *first, *also],
                                          replace_with=machine or None)

        init = remote_script(
            f"{manager.name}-swarm-init", access, manager,
            create=swarm_init_script(cluster, manager),
            delete=swarm_leave_script(cluster, manager, manager=True),
            opts=on(manager.name),
        )
        token = remote_script(
            "swarm-join-token", access, manager,
            create=swarm_join_token_script(manager),
            secret_output=True,
            opts=on(manager.name, init),
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
                opts=on(host.name),
            )
        self.register_outputs({})
