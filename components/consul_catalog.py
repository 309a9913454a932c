"""The cluster as the seed's Consul UI showed it: slurmctld and slurmd services plus an inventory."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi.dynamic

from components.consul_catalog_provider import ConsulCatalogProvider
from components.kv_certificates import KvCertificates
from components.machines import Machines
from model.cluster import Cluster
from render.consul_catalog import catalog_inventory, catalog_services, kv_prefix
from render.kv_tls import PULUMI_CLIENT
from render.outputs import consul_url


class ConsulCatalog(pulumi.dynamic.Resource):
    def __init__(self, cluster: Cluster, after: Sequence[pulumi.Resource], machines: Machines,
                 certificates: KvCertificates | None, opts: pulumi.ResourceOptions | None = None) -> None:
        """`certificates`: with kvTls, the CA and the Pulumi client's certificate it connects with."""
        url = consul_url(cluster)
        assert url is not None and cluster.store is not None
        tls = None
        if certificates is not None:
            client = certificates.clients[PULUMI_CLIENT]
            tls = pulumi.Output.secret(pulumi.Output.all(ca=certificates.ca_pem, cert=client.cert_pem,
                                                         key=client.key_pem))
        super().__init__(
            ConsulCatalogProvider(),
            "consul-catalog",
            {"url": url, "host": cluster.store.host.name, "prefix": kv_prefix(cluster),
             "services": catalog_services(cluster), "inventory": catalog_inventory(cluster), "tls": tls,
             # a new Consul (its lab host replaced) starts empty: register everything again
             "machine": (machines.identities(cluster.store.host) or [None])[0]},
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=list(after),
                                                                      additional_secret_outputs=["tls"])),
        )
