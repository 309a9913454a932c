"""The slurmd containers of one compute host: dynamic, configless nodes named like the seed's.

Each node also has a membership record on the controller host whose only work is on removal: the
node is drained, its jobs get up to drainTimeout to finish, and slurmctld forgets it, before its
container goes (the record depends on the container, so it is deleted first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_docker as docker

from components.remote_script import remote_script
from components.spec_container import container_from_spec
from components.ssh_access import SshAccess
from model.cluster import Cluster, Host
from model.constants import component_type
from render.containers import Secret, slurmd_spec
from render.node_lifecycle import leave_script, membership_script


class SlurmNodes(pulumi.ComponentResource):
    containers: dict[str, docker.Container]

    def __init__(self, cluster: Cluster, host: Host, access: SshAccess, *, provider: docker.Provider,
                 image_id: pulumi.Input[str], network: pulumi.Input[str],
                 secrets: Mapping[Secret, pulumi.Output[str]], after: Sequence[pulumi.Resource],
                 machine_labels: Mapping[str, pulumi.Input[str]], engine_api: pulumi.Input[str] | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("slurm", "SlurmNodes"), f"{host.name}-nodes", None, opts)
        self.containers = {}
        for node in cluster.nodes_on(host):
            container = container_from_spec(slurmd_spec(cluster, node), image=image_id, provider=provider,
                                            parent=self, network=network, secrets=secrets, depends_on=after,
                                            wait_timeout=cluster.readiness_timeout, machine_labels=machine_labels,
                                            engine_api=engine_api)
            remote_script(
                f"{node.name}-membership", access, cluster.controller,
                create=membership_script(cluster, node),
                delete=leave_script(cluster, node),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[container]),
            )
            self.containers[node.name] = container
        self.register_outputs({"nodes": list(self.containers)})
