"""Stack outputs that follow from the model alone: what an operator needs next."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from model.cluster import Cluster, KvStore
from model.constants import SLURMRESTD_PORT
from render.readiness import REST_API_VERSION, covering_partitions
from render.ssh import ssh_command, url_host, user_identity_relative


def consul_url(cluster: Cluster) -> str | None:
    store = cluster.store
    if store is None or store.kind is not KvStore.CONSUL:
        return None
    return f"{store.scheme}://{url_host(store.host.address)}:{store.host.port(store.api_port)}"


def consul_command(cluster: Cluster, tls_files: Mapping[str, Path] | None) -> str | None:
    """curl of Consul's leader, with the Pulumi client's certificate under kvTls."""
    url = consul_url(cluster)
    if url is None:
        return None
    tls = f"--cacert {tls_files['ca']} --cert {tls_files['cert']} --key {tls_files['key']} " if tls_files else ""
    return f"curl -s {tls}{url}/v1/status/leader"


def in_controller(cluster: Cluster, command: str) -> str:
    """The command line that runs `command` in slurmctld's container, from the machine that ran `pulumi up`."""
    return ssh_command(cluster, cluster.controller, f"docker exec {cluster.controller_name} {command}")


def job_command(cluster: Cluster) -> str:
    """The exact command that runs a job on every node."""
    partition = covering_partitions(cluster)[0]
    return in_controller(cluster, f"srun -p {shlex.quote(partition.name)} -N{len(partition.nodes)} hostname")


def service_outputs(cluster: Cluster) -> dict[str, Any]:
    """How to use accounting, the REST API and MPI (None where the stack turned them off)."""
    partition = covering_partitions(cluster)[0]
    services = cluster.services
    ctl = cluster.controller
    rest_url = f"http://{url_host(ctl.address)}:{ctl.port(SLURMRESTD_PORT)}" if services.rest_api else None
    return {
        "sacctCommand": in_controller(cluster, "sacct -a -X -o JobID,JobName,NodeList,State")
        if services.accounting else None,
        "restUrl": rest_url,
        "restTokenCommand": in_controller(cluster, "scontrol token username=root lifespan=3600")
        if services.rest_api else None,
        "restExample": f"curl -H 'X-SLURM-USER-NAME: root' -H \"X-SLURM-USER-TOKEN: $SLURM_JWT\" "
                       f"{rest_url}/slurm/{REST_API_VERSION}/nodes" if services.rest_api else None,
        "mpiCommand": in_controller(cluster, f"srun --mpi=pmix -p {shlex.quote(partition.name)} "
                                             f"-N{len(partition.nodes)} mpi-hello") if services.mpi else None,
    }


def login_commands(cluster: Cluster, key_files: Mapping[str, Path]) -> dict[str, str]:
    """How each user logs in: to the first login host, with the key the lab generated where it did one."""
    if not cluster.login_hosts:
        return {}
    host = cluster.login_hosts[0]
    commands = {}
    for user in cluster.people.users:
        options = ""
        if user.name in key_files:  # a lab's: its hosts (and their login containers) come and go
            options = (f'-i "$HOME/{user_identity_relative(cluster, user.name)}" -o IdentitiesOnly=yes '
                       "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null ")
        commands[user.name] = f"ssh {options}-p {host.port(cluster.people.login_port)} {user.name}@{host.address}"
    return commands


def static_outputs(cluster: Cluster, identity: Path, user_key_files: Mapping[str, Path],
                   kv_tls_files: Mapping[str, Path] | None) -> dict[str, Any]:
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
        "consulCommand": consul_command(cluster, kv_tls_files),
        "kvStore": cluster.store.kind.value if cluster.store else None,
        "kvHost": cluster.store.host.name if cluster.store else None,
        # where the hosts pull from, and the build engine pushes to (the same, but in a lab)
        "imageRegistry": {"pull": cluster.registry_address, "push": cluster.push_address},
        "sshIdentityFile": str(identity),
        "jobCommand": job_command(cluster),
        "sinfoCommand": in_controller(cluster, "sinfo"),
        **service_outputs(cluster),
        "loginHosts": {h.name: f"{url_host(h.address)}:{h.port(cluster.people.login_port)}"
                       for h in cluster.login_hosts},
        "sshCommands": {h.name: ssh_command(cluster, h, "").rstrip() for h in cluster.hosts},
        "logins": login_commands(cluster, user_key_files),
        "users": {u.name: {"uid": u.uid, "home": u.home, "account": u.account} for u in cluster.people.users},
    }
