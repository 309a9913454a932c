"""The overlay network all Slurm containers share, created through the controller host's engine.

In swarm mode it is an attachable swarm network, which a worker's containers join by name once
their engine is in the swarm; in kv mode it lives in the key/value store, where every engine
pointed at the store finds it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_docker as docker

from components.machines import Machines
from model.cluster import Cluster, OverlayMode
from model.constants import LABEL_PREFIX, component_type


class OverlayNetwork(pulumi.ComponentResource):
    network: docker.Network

    def __init__(self, cluster: Cluster, provider: docker.Provider, after: Sequence[pulumi.Resource],
                 machines: Machines, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("network", "OverlayNetwork"), "overlay", None, opts)
        swarm = cluster.overlay is OverlayMode.SWARM
        # made again with the engine that owns it, and in kv mode with the store it lives in
        owners = [cluster.controller] if swarm or cluster.store is None else [cluster.controller, cluster.store.host]
        labels = {f"{LABEL_PREFIX}.stack": cluster.stack, **machines.labels(*owners)}
        self.network = docker.Network(
            "overlay-network",
            name=cluster.network.name,
            driver="overlay",
            # Swarm-scoped overlays take standalone containers only when attachable.
            attachable=True if swarm else None,
            # the gateway as the engine would pick it: its Read reports it, so leaving it out would be
            # a change (and a new network) in every later preview
            ipam_configs=[docker.NetworkIpamConfigArgs(subnet=str(cluster.network.subnet),
                                                       gateway=cluster.network.gateway)],
            labels=[docker.NetworkLabelArgs(label=k, value=v) for k, v in labels.items()],
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=list(after),
                                        delete_before_replace=True),
        )
        self.register_outputs({"name": self.network.name})
