"""What the cluster registers in Consul: services with TCP checks, and an inventory under a KV prefix."""

from __future__ import annotations

import json

from model.cluster import Cluster
from model.constants import SLURMCTLD_PORT, SLURMRESTD_PORT
from render.containers import slurmd_host_port


def kv_prefix(cluster: Cluster) -> str:
    return f"{cluster.project}/{cluster.stack}"


def catalog_services(cluster: Cluster) -> list[dict[str, object]]:
    """slurmctld and every slurmd, at the address and port each host publishes (where the other
    hosts, and Consul's checks on the kv host, reach them)."""
    ctl = cluster.controller
    services: list[dict[str, object]] = [{
        "id": f"{cluster.stack}-{cluster.controller_name}",
        "name": "slurmctld",
        "address": ctl.join_address,
        "port": SLURMCTLD_PORT,
        "tags": [cluster.cluster_name, f"host:{ctl.name}"],
    }]
    if cluster.services.rest_api:
        services.append({
            "id": f"{cluster.stack}-slurmrestd",
            "name": "slurmrestd",
            "address": ctl.join_address,
            "port": SLURMRESTD_PORT,
            "tags": [cluster.cluster_name, f"host:{ctl.name}"],
        })
    for node in cluster.nodes:
        host = cluster.host(node.host)
        services.append({
            "id": f"{cluster.stack}-{node.name}",
            "name": "slurmd",
            "address": host.join_address,
            "port": slurmd_host_port(node),
            "tags": [cluster.cluster_name, node.name, f"host:{host.name}",
                     *(f"partition:{p}" for p in node.partitions)],
        })
    return services


def catalog_inventory(cluster: Cluster) -> dict[str, str]:
    prefix = kv_prefix(cluster)
    entries = {
        f"{prefix}/cluster": json.dumps({
            "clusterName": cluster.cluster_name,
            "controller": cluster.controller_name,
            "controllerHost": cluster.controller.name,
            "overlay": cluster.overlay.value,
            "network": cluster.network.name,
        }, sort_keys=True),
    }
    for host in cluster.hosts:
        entries[f"{prefix}/hosts/{host.name}"] = json.dumps(
            {"address": host.join_address, "roles": sorted(r.value for r in host.roles),
             "nodes": list(host.node_names)},
            sort_keys=True)
    for node in cluster.nodes:
        entries[f"{prefix}/nodes/{node.name}"] = json.dumps(
            {"host": node.host, "partitions": list(node.partitions)}, sort_keys=True)
    for partition in cluster.partitions:
        entries[f"{prefix}/partitions/{partition.name}"] = ",".join(partition.nodes)
    return entries
