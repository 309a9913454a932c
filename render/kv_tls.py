"""TLS of the key/value store (kvTls): who gets a certificate from the stack's CA, for which names,
where the files go, and the store's and the engines' settings that use them.

The store's API requires a client certificate: kv mode's engines get one each (Docker's
`cluster-store-opts` kv.cacertfile/kv.certfile/kv.keyfile), and so does the machine running
Pulumi for the Consul catalog. Docker's libkv speaks https to Consul and etcd once given them.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path

from model.cluster import Cluster, Host, KvStore, OverlayMode
from model.constants import (
    CONSUL_HTTP_PORT,
    CONSUL_HTTPS_PORT,
    CONSUL_TLS_DIR,
    ETCD_TLS_DIR,
    HOME_SSH,
    KV_CA_FILE,
    KV_CERT_FILE,
    KV_KEY_FILE,
    STATE_ROOT,
)
from render.scripts import render_script

PULUMI_CLIENT = "pulumi"  # the machine running Pulumi: the Consul catalog
SERVER_USES = ("digital_signature", "key_encipherment", "server_auth", "client_auth")
CLIENT_USES = ("digital_signature", "key_encipherment", "client_auth")
CA_USES = ("cert_signing", "crl_signing", "digital_signature")


@dataclass(frozen=True)
class ServerNames:
    ip_addresses: tuple[str, ...]
    dns_names: tuple[str, ...]


def uses_tls(cluster: Cluster) -> bool:
    return cluster.store is not None and cluster.store.tls


def certificate_names(host: Host) -> ServerNames:
    """What a server's certificate on `host` names: the addresses clients dial (other hosts its join
    address, the machine running Pulumi its address) and the loopback its own health check uses."""
    ips, names = ["127.0.0.1"], ["localhost"]
    for address in dict.fromkeys((host.join_address, host.address)):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            names.append(address)
        else:
            ips.append(address)
    return ServerNames(tuple(dict.fromkeys(ips)), tuple(dict.fromkeys(names)))


def server_names(cluster: Cluster) -> ServerNames:
    """The store's certificate: engines and the catalog dial the kv host."""
    assert cluster.store is not None
    return certificate_names(cluster.store.host)


def client_names(cluster: Cluster) -> list[str]:
    """Who gets a client certificate: each engine of kv mode, and Pulumi where it keeps a catalog."""
    assert cluster.store is not None
    names = [h.name for h in cluster.overlay_hosts] if cluster.overlay is OverlayMode.KV else []
    if cluster.store.kind is KvStore.CONSUL:
        names.append(PULUMI_CLIENT)
    return names


def client_tls_files(home: Path, stack: str) -> dict[str, Path]:
    """The Pulumi client's files, for curl: the CA, the certificate, its key."""
    directory = home / HOME_SSH / "kv-tls" / stack
    return {"ca": directory / KV_CA_FILE, "cert": directory / KV_CERT_FILE, "key": directory / KV_KEY_FILE}


# ---- the store's side ------------------------------------------------------------------------------

def store_tls_dir(cluster: Cluster) -> str:
    assert cluster.store is not None
    return CONSUL_TLS_DIR if cluster.store.kind is KvStore.CONSUL else ETCD_TLS_DIR


def consul_tls_config() -> str:
    """Consul's config file for kvTls: the API and UI on HTTPS only with a client certificate; plain
    HTTP only on the container's loopback, for its own health check (`consul members`)."""
    return json.dumps({
        "addresses": {"http": "127.0.0.1"},
        "ports": {"http": CONSUL_HTTP_PORT, "https": CONSUL_HTTPS_PORT},
        "verify_incoming_https": True,
        "ca_file": f"{CONSUL_TLS_DIR}/{KV_CA_FILE}",
        "cert_file": f"{CONSUL_TLS_DIR}/{KV_CERT_FILE}",
        "key_file": f"{CONSUL_TLS_DIR}/{KV_KEY_FILE}",
    }, indent=2, sort_keys=True) + "\n"


def etcd_tls_flags() -> tuple[str, ...]:
    return ("--client-cert-auth", "--trusted-ca-file", f"{ETCD_TLS_DIR}/{KV_CA_FILE}",
            "--cert-file", f"{ETCD_TLS_DIR}/{KV_CERT_FILE}", "--key-file", f"{ETCD_TLS_DIR}/{KV_KEY_FILE}")


def etcd_client_flags() -> tuple[str, ...]:
    """etcdctl's, in the container: the server's certificate also serves as a client's."""
    return ("--cacert", f"{ETCD_TLS_DIR}/{KV_CA_FILE}", "--cert", f"{ETCD_TLS_DIR}/{KV_CERT_FILE}",
            "--key", f"{ETCD_TLS_DIR}/{KV_KEY_FILE}")


# ---- the engines' side (kv mode) -------------------------------------------------------------------

def engine_tls_dir(cluster: Cluster) -> str:
    return f"{cluster.host_state_dir}/kv-tls"


def cluster_store_opts(cluster: Cluster) -> dict[str, str]:
    """daemon.json's cluster-store-opts: the engine's certificate and the CA it trusts."""
    directory = engine_tls_dir(cluster)
    return {"kv.cacertfile": f"{directory}/{KV_CA_FILE}", "kv.certfile": f"{directory}/{KV_CERT_FILE}",
            "kv.keyfile": f"{directory}/{KV_KEY_FILE}"}


def engine_tls_install_script(cluster: Cluster, host: Host) -> str:
    """Reads the CA certificate, the host's certificate and its key, in that order, on stdin."""
    return render_script("kv-tls-install.sh", where=f"host {host.name}", TLS_DIR=engine_tls_dir(cluster),
                         CA_FILE=KV_CA_FILE, CERT_FILE=KV_CERT_FILE, KEY_FILE=KV_KEY_FILE)


def engine_tls_remove_script(cluster: Cluster, host: Host) -> str:
    return render_script("kv-tls-remove.sh", where=f"host {host.name}", TLS_DIR=engine_tls_dir(cluster),
                         STATE_DIR=cluster.host_state_dir, STATE_ROOT=STATE_ROOT)
