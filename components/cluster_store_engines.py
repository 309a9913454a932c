"""kv mode: point each Slurm host's engine at the key/value store, one engine at a time.

The seed's legacy overlay: every engine gets cluster-store/cluster-advertise in daemon.json and
is restarted. Engines are restarted strictly one after another (each command depends on the
previous one), because an engine that joins while a peer is restarting can stay cut off from the
overlay until its next restart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi

from components.remote_script import remote_script
from components.ssh_access import SshAccess
from model.cluster import Cluster
from render.engine_scripts import kv_configure_script, kv_restore_script


class ClusterStoreEngines(pulumi.ComponentResource):
    """`configured[host]` is the resource after which that host's engine uses the store.
    `machines[host]`: the lab host's container, if any (see SwarmEngines)."""

    configured: dict[str, pulumi.Resource]

    def __init__(self, cluster: Cluster, access: SshAccess, store_ready: pulumi.Resource,
                 machines: Mapping[str, Sequence[pulumi.Resource]],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("multihost-slurm:engines:ClusterStoreEngines", "cluster-store", None, opts)
        self.configured = {}
        previous = store_ready
        for host in cluster.overlay_hosts:
            previous = remote_script(
                f"{host.name}-cluster-store", access, host,
                create=kv_configure_script(cluster, host),
                delete=kv_restore_script(cluster, host),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[previous, *machines.get(host.name, ())],
                                            replace_with=list(machines.get(host.name, ())) or None),
            )
            self.configured[host.name] = previous
        self.register_outputs({})
