"""Stack outputs that follow from the model alone: what an operator needs next."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from model.cluster import CONSUL_HTTP_PORT, Cluster, KvStore
from render.readiness import covering_partitions
from render.ssh import ssh_command


def consul_url(cluster: Cluster) -> str | None:
    kv = cluster.kv_host
    if kv is None or cluster.kv_store is not KvStore.CONSUL:
        return None
    return f"http://{kv.address}:{CONSUL_HTTP_PORT}"


def job_command(cluster: Cluster) -> str:
    """The exact command that runs a job on every node, from the machine that ran `pulumi up`."""
    partition = covering_partitions(cluster)[0]
    srun = f"srun -p {shlex.quote(partition.name)} -N{len(partition.nodes)} hostname"
    return ssh_command(cluster, cluster.controller, f"docker exec {cluster.controller_name} {srun}")


def static_outputs(cluster: Cluster, identity: Path) -> dict[str, Any]:
    return {
        "overlayMode": cluster.overlay.value,
        "nodes": [n.name for n in cluster.nodes],
        "partitions": {p.name: list(p.nodes) for p in cluster.partitions},
        "defaultPartition": next(p.name for p in cluster.partitions if p.default),
        "hosts": {h.name: h.address for h in cluster.hosts},
        "controller": {
            "host": cluster.controller.name,
            "address": cluster.controller.address,
            "container": cluster.controller_name,
        },
        "consulUrl": consul_url(cluster),
        "kvStore": cluster.kv_store.value if cluster.kv_store else None,
        "sshIdentityFile": str(identity),
        "jobCommand": job_command(cluster),
        "sinfoCommand": ssh_command(cluster, cluster.controller, f"docker exec {cluster.controller_name} sinfo"),
    }
