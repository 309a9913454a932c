"""The overlay network all Slurm containers share, created through the controller host's engine.

In swarm mode it is an attachable swarm network, which a worker's containers join by name once
their engine is in the swarm; in kv mode it lives in the key/value store, where every engine
pointed at the store finds it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_docker as docker

from model.cluster import Cluster, OverlayMode


class OverlayNetwork(pulumi.ComponentResource):
    network: docker.Network

    def __init__(self, cluster: Cluster, provider: docker.Provider, after: Sequence[pulumi.Resource],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("multihost-slurm:network:OverlayNetwork", "overlay", None, opts)
        swarm = cluster.overlay is OverlayMode.SWARM
        self.network = docker.Network(
            "overlay-network",
            name=cluster.network.name,
            driver="overlay",
            # Swarm-scoped overlays take standalone containers only when attachable.
            attachable=True if swarm else None,
            ipam_configs=[docker.NetworkIpamConfigArgs(subnet=str(cluster.network.subnet))],
            labels=[docker.NetworkLabelArgs(label="multihost-slurm.stack", value=cluster.stack)],
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=list(after)),
        )
        self.register_outputs({"name": self.network.name})
