"""The scripts that configure each host's Docker Engine (scripts/engine-*.sh, scripts/swarm-*.sh),
with their variables. Every script is idempotent, names its host in every error, and keeps what it
changes under STATE_ROOT/<stack> so that its `delete` puts the host back as it was.
"""

from __future__ import annotations

import json
from typing import Any

from model.cluster import Cluster, Host, KvStore, OverlayMode
from model.constants import (
    DAEMON_JSON,
    ENGINE_ADVERTISE_PORT,
    GOSSIP_PORT,
    LAB_DOCKERD_LOG,
    LAB_SUPERVISOR,
    STATE_ROOT,
    SWARM_PORT,
    VXLAN_PORT,
)
from render.kv_tls import cluster_store_opts, uses_tls
from render.scripts import render_script, script_text

ENGINE_WAIT_SECONDS = 90  # how long a restarted engine gets to answer


def _engine_script(name: str, cluster: Cluster, host: Host, **variables: object) -> str:
    return render_script(name, where=f"host {host.name}", STATE_DIR=cluster.host_state_dir, STATE_ROOT=STATE_ROOT,
                         LAB_SUPERVISOR=LAB_SUPERVISOR, LAB_DOCKERD_LOG=LAB_DOCKERD_LOG,
                         ENGINE_WAIT_SECONDS=ENGINE_WAIT_SECONDS, **variables)


def _address_and_port(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


# ---- swarm mode -------------------------------------------------------------------------------

def swarm_init_script(cluster: Cluster, host: Host) -> str:
    return _engine_script("swarm-init.sh", cluster, host, ADVERTISE=host.advertise)


def swarm_join_token_script(cluster: Cluster, host: Host) -> str:
    return _engine_script("swarm-join-token.sh", cluster, host)


def swarm_join_script(cluster: Cluster, host: Host, manager: Host) -> str:
    """Join a worker; the join token arrives on stdin, never in the command."""
    return _engine_script("swarm-join.sh", cluster, host, ADVERTISE=host.advertise,
                          MANAGER=_address_and_port(manager.join_address, SWARM_PORT),
                          SWARM_PORT=SWARM_PORT, GOSSIP_PORT=GOSSIP_PORT, VXLAN_PORT=VXLAN_PORT)


def swarm_leave_script(cluster: Cluster, host: Host, *, manager: bool) -> str:
    """Leave only a swarm this stack created or joined; a swarm that was there before stays."""
    return _engine_script("swarm-leave.sh", cluster, host, MARKER="swarm-created" if manager else "swarm-joined")


# ---- daemon.json: the stack's engine settings, and kv mode's cluster-store -------------------

def kv_store_url(cluster: Cluster) -> str:
    store = cluster.store
    assert store is not None
    where = _address_and_port(store.host.join_address, store.api_port)
    return f"consul://{where}/network" if store.kind is KvStore.CONSUL else f"etcd://{where}"


def engine_settings(cluster: Cluster, host: Host) -> dict[str, Any]:
    """The top-level daemon.json keys this stack sets on a host (every other key is kept)."""
    wanted = dict(cluster.docker_daemon)
    if cluster.overlay is OverlayMode.KV:
        wanted["cluster-store"] = kv_store_url(cluster)
        if uses_tls(cluster):
            wanted["cluster-store-opts"] = cluster_store_opts(cluster)
        wanted["cluster-advertise"] = _address_and_port(host.advertise, ENGINE_ADVERTISE_PORT)
    return wanted


def needs_engine_config(cluster: Cluster) -> bool:
    return bool(cluster.docker_daemon) or cluster.overlay is OverlayMode.KV


def engine_config_script(cluster: Cluster, host: Host) -> str:
    """Merge the stack's keys into daemon.json and restart the engine (scripts/engine-config.sh)."""
    wanted = engine_settings(cluster, host)
    kv = cluster.overlay is OverlayMode.KV and cluster.store is not None
    return _engine_script(
        "engine-config.sh", cluster, host, WANTED_JSON=json.dumps(wanted, sort_keys=True),
        WANTED_KEYS=", ".join(sorted(wanted)), DAEMON_JSON=DAEMON_JSON,
        MERGE_DAEMON_JSON=script_text("merge-daemon-json.py"),
        CLUSTER_STORE=wanted["cluster-store"] if kv else "",
        STORE_BACKEND=("Consul" if cluster.store.kind is KvStore.CONSUL else "etcd") if kv else "",
        GOSSIP_PORT=GOSSIP_PORT,
    )


def engine_restore_script(cluster: Cluster, host: Host) -> str:
    return _engine_script("engine-restore.sh", cluster, host, DAEMON_JSON=DAEMON_JSON)


def engine_api_script(host: Host) -> str:
    """Prints the engine's API version (components/engine_api.py)."""
    return render_script("engine-api-version.sh", where=f"host {host.name}")
