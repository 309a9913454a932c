"""Swarm mode: the controller's engine initialises a swarm, every other Slurm host joins it."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from components.machines import Machines
from components.remote_script import remote_script
from components.ssh_access import SshAccess
from model.cluster import Cluster, Host
from model.constants import component_type
from render.engine_scripts import (
    swarm_init_script,
    swarm_join_script,
    swarm_join_token_script,
    swarm_leave_script,
)


class SwarmEngines(pulumi.ComponentResource):
    """`configured[host]` is the resource after which that host's engine is in the swarm.

    A new machine (components/machines.py) means a fresh engine: the commands on it are made again,
    and a worker joins again when the manager's machine is new. `after[host]`: the host's engine
    configuration, if the stack has one."""

    configured: dict[str, pulumi.Resource]

    def __init__(self, cluster: Cluster, access: SshAccess, machines: Machines,
                 after: Mapping[str, pulumi.Resource], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("engines", "SwarmEngines"), "swarm", None, opts)
        manager = cluster.controller  # its engine initialises the swarm and owns the network

        def on(host: Host, *also: pulumi.Resource) -> pulumi.ResourceOptions:
            first = [after[host.name]] if host.name in after else []
            return pulumi.ResourceOptions(parent=self, depends_on=[*machines.of(host), *first, *also])

        init = remote_script(
            f"{manager.name}-swarm-init", access, manager,
            create=swarm_init_script(cluster, manager),
            delete=swarm_leave_script(cluster, manager, manager=True),
            triggers=machines.identities(manager),
            opts=on(manager),
        )
        token = remote_script(
            "swarm-join-token", access, manager,
            create=swarm_join_token_script(cluster, manager),
            secret_output=True,
            triggers=machines.identities(manager),
            opts=on(manager, init),
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
                triggers=machines.identities(host, manager),
                opts=on(host),
            )
        self.register_outputs({})
