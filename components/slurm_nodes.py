"""The slurmd containers of one compute host: dynamic, configless nodes named like the seed's."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_docker as docker

from components.spec_container import container_from_spec
from model.cluster import Cluster, Host
from render.containers import slurmd_spec


class SlurmNodes(pulumi.ComponentResource):
    containers: dict[str, docker.Container]

    def __init__(self, cluster: Cluster, host: Host, *, provider: docker.Provider, image_id: pulumi.Input[str],
                 network: pulumi.Input[str], munge_key: pulumi.Output[str], after: Sequence[pulumi.Resource],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("multihost-slurm:slurm:SlurmNodes", f"{host.name}-nodes", None, opts)
        self.containers = {
            node.name: container_from_spec(slurmd_spec(cluster, node), image=image_id, provider=provider,
                                           parent=self, network=network, munge_key=munge_key, depends_on=after)
            for node in cluster.nodes_on(host)
        }
        self.register_outputs({"nodes": list(self.containers)})
