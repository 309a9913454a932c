"""The cluster as the seed's Consul UI showed it: slurmctld and slurmd services plus an inventory."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi.dynamic

from components.consul_catalog_provider import ConsulCatalogProvider
from components.machines import Machines
from model.cluster import Cluster
from render.consul_catalog import catalog_inventory, catalog_services, kv_prefix
from render.outputs import consul_url


class ConsulCatalog(pulumi.dynamic.Resource):
    def __init__(self, cluster: Cluster, after: Sequence[pulumi.Resource], machines: Machines,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        url = consul_url(cluster)
        assert url is not None and cluster.store is not None
        super().__init__(
            ConsulCatalogProvider(),
            "consul-catalog",
            {"url": url, "prefix": kv_prefix(cluster), "services": catalog_services(cluster),
             "inventory": catalog_inventory(cluster),
             # a new Consul (its lab host replaced) starts empty: register everything again
             "machine": (machines.identities(cluster.store.host) or [None])[0]},
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=list(after))),
        )
