"""kvTls: the stack's own CA, the key/value store's certificate, and one client certificate for each
engine of kv mode and for the machine running Pulumi (pulumi-tls: made once, kept in the state)."""

from __future__ import annotations

from pathlib import Path

import pulumi

from components.certificates import KeyPair, authority, signed
from components.ssh_access import write_private_key
from model.cluster import Cluster
from model.constants import component_type
from render.kv_tls import (
    CLIENT_USES,
    PULUMI_CLIENT,
    SERVER_USES,
    client_names,
    client_tls_files,
    server_names,
)


class KvCertificates(pulumi.ComponentResource):
    """`ca_pem`; `server`; `clients[name]` for each of render.kv_tls.client_names. The Pulumi
    client's files are written for curl and the catalog (`files`)."""

    ca_pem: pulumi.Output[str]
    server: KeyPair
    clients: dict[str, KeyPair]
    files: pulumi.Output[dict[str, str]] | None

    def __init__(self, cluster: Cluster, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("kv", "KvCertificates"), "kv-certificates", None, opts)
        ca = authority("kv-ca", f"{cluster.project} {cluster.stack} key/value store CA", self)
        self.ca_pem = ca.cert.cert_pem
        self.server = signed("kv-server", ca, "key/value store", SERVER_USES, self, server_names(cluster))
        self.clients = {name: signed(f"kv-client-{name}", ca, name, CLIENT_USES, self)
                        for name in client_names(cluster)}
        self.files = None
        if PULUMI_CLIENT in self.clients:
            paths = client_tls_files(Path.home(), cluster.stack)
            pulumi_client = self.clients[PULUMI_CLIENT]
            self.files = pulumi.Output.unsecret(pulumi.Output.all(
                ca=self.ca_pem.apply(lambda pem: write_private_key(paths["ca"], pem)),
                cert=pulumi_client.cert_pem.apply(lambda pem: write_private_key(paths["cert"], pem)),
                key=pulumi.Output.secret(pulumi_client.key_pem).apply(lambda pem: write_private_key(paths["key"], pem)),
            ))
        # the Pulumi client's files are written by the time the component's outputs are
        self.register_outputs({"clients": sorted(self.clients), "files": self.files})
