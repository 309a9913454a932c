"""Each Slurm host's daemon.json: the stack's `dockerDaemon` keys and, in kv mode, cluster-store.

kv mode is the seed's legacy overlay: every engine gets cluster-store/cluster-advertise and is
restarted, strictly one after another (each command waits for the previous one), because an
engine that joins while a peer is restarting can stay cut off from the overlay. Engine settings
alone (swarm mode) restart the hosts in parallel.
"""

from __future__ import annotations

import pulumi

from components.kv_certificates import KvCertificates
from components.machines import Machines
from components.remote_script import remote_script
from components.ssh_access import SshAccess
from model.cluster import Cluster, OverlayMode
from model.constants import component_type
from render.engine_scripts import engine_config_script, engine_restore_script
from render.kv_tls import engine_tls_install_script, engine_tls_remove_script


class EngineConfig(pulumi.ComponentResource):
    """`configured[host]` is the resource after which that host's engine runs the new daemon.json."""

    configured: dict[str, pulumi.Resource]

    def __init__(self, cluster: Cluster, access: SshAccess, machines: Machines,
                 store: pulumi.Resource | None, certificates: KvCertificates | None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        """`certificates`: with kvTls in kv mode, each engine's own for the store, installed first."""
        super().__init__(component_type("engines", "EngineConfig"), "engine-config", None, opts)
        one_at_a_time = cluster.overlay is OverlayMode.KV
        self.configured = {}
        previous = store
        for host in cluster.overlay_hosts:
            after = [previous] if previous is not None else []
            if certificates is not None and one_at_a_time:
                client = certificates.clients[host.name]
                after.append(remote_script(
                    f"{host.name}-kv-tls", access, host,
                    create=engine_tls_install_script(cluster, host),
                    delete=engine_tls_remove_script(cluster, host),
                    stdin=pulumi.Output.secret(pulumi.Output.concat(certificates.ca_pem, client.cert_pem,
                                                                    client.key_pem)),
                    triggers=machines.identities(host),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=machines.of(host))))
            command = remote_script(
                f"{host.name}-engine-config", access, host,
                create=engine_config_script(cluster, host),
                delete=engine_restore_script(cluster, host),
                triggers=machines.identities(host),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*after, *machines.of(host)]),
            )
            self.configured[host.name] = command
            if one_at_a_time:
                previous = command
        self.register_outputs({})
