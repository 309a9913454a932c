"""What every container of the cluster looks like, as plain data.

The components turn a `ContainerSpec` into a `docker.Container`; everything about names,
commands, ports, volumes, files and health checks is decided here, where tests can read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from model.cluster import (
    CONSUL_HTTP_PORT,
    ETCD_CLIENT_PORT,
    SLURMCTLD_PORT,
    SLURMD_PORT,
    Cluster,
    Host,
    Node,
)
from render.slurm_conf import SLURM_ETC_DIR, SLURMD_SPOOL_DIR, STATE_SAVE_DIR

MUNGE_KEY_PATH = "/etc/munge/munge.key"
MUNGE_UID = 990  # fixed in images/slurm/Dockerfile so the key can be uploaded with a numeric owner
LABEL_PREFIX = "multihost-slurm"


@dataclass(frozen=True)
class Upload:
    path: str
    content: str
    mode: str = "0644"


@dataclass(frozen=True)
class Healthcheck:
    test: tuple[str, ...]
    interval: str = "5s"
    timeout: str = "10s"
    retries: int = 3
    start_period: str = "60s"


@dataclass(frozen=True)
class ContainerSpec:
    resource_name: str  # Pulumi logical name
    name: str  # container name, and hostname unless `hostname` says otherwise
    image: str  # which image ("slurm", "etcd", "consul", "labhost"); the component resolves it
    command: tuple[str, ...] = ()
    hostname: str | None = None
    ports: tuple[tuple[int, int], ...] = ()  # (container port, host port)
    volumes: tuple[tuple[str, str], ...] = ()  # (volume name, container path)
    uploads: tuple[Upload, ...] = ()
    munge_key: bool = False
    healthcheck: Healthcheck | None = None
    labels: dict[str, str] = field(default_factory=dict)
    # Seconds a replaced or deleted container gets to stop (SIGTERM) before it is killed; without it
    # the provider kills at once, and slurmctld would not save its state.
    stop_grace_seconds: int = 30


def _labels(cluster: Cluster, role: str) -> dict[str, str]:
    return {f"{LABEL_PREFIX}.stack": cluster.stack, f"{LABEL_PREFIX}.role": role}


def volume_name(cluster: Cluster, owner: str, purpose: str) -> str:
    return f"{LABEL_PREFIX}-{cluster.stack}-{owner}-{purpose}"


def slurm_etc_volume(cluster: Cluster) -> str:
    """The controller's /etc/slurm: slurm.conf is written there by a command, not uploaded, so that a
    change shows in the preview as text and is applied with `scontrol reconfigure`, not a new container."""
    return volume_name(cluster, cluster.controller_name, "etc")


def controller_spec(cluster: Cluster) -> ContainerSpec:
    name = cluster.controller_name
    return ContainerSpec(
        resource_name=f"{name}-container",
        name=name,
        image="slurm",
        command=("slurmctld",),
        ports=((SLURMCTLD_PORT, SLURMCTLD_PORT),),
        volumes=((volume_name(cluster, name, "state"), STATE_SAVE_DIR), (slurm_etc_volume(cluster), SLURM_ETC_DIR)),
        munge_key=True,
        healthcheck=Healthcheck(("CMD", "slurm-healthcheck")),
        labels=_labels(cluster, "slurmctld"),
    )


def slurmd_host_port(node: Node) -> int:
    """Each slurmd on a host publishes its port one above the previous one's."""
    return SLURMD_PORT + node.slot


def slurmd_spec(cluster: Cluster, node: Node) -> ContainerSpec:
    features = ",".join(node.partitions)
    command = ["slurmd", "-Z", "--conf-server", f"{cluster.controller_name}:{SLURMCTLD_PORT}"]
    if features:
        command += ["--conf", f"Feature={features}"]
    return ContainerSpec(
        resource_name=f"{node.name}-container",
        name=node.name,
        image="slurm",
        command=tuple(command),
        ports=((SLURMD_PORT, slurmd_host_port(node)),),
        volumes=((volume_name(cluster, node.name, "spool"), SLURMD_SPOOL_DIR),),
        munge_key=True,
        healthcheck=Healthcheck(("CMD", "slurm-healthcheck")),
        labels=_labels(cluster, "slurmd"),
    )


def consul_spec(cluster: Cluster, host: Host) -> ContainerSpec:
    return ContainerSpec(
        resource_name="consul-container",
        name="consul",
        image="consul",
        command=("agent", "-server", "-bootstrap-expect=1", "-ui", "-client=0.0.0.0",
                 f"-advertise={host.address}", "-data-dir=/consul/data"),
        ports=((CONSUL_HTTP_PORT, CONSUL_HTTP_PORT), (8300, 8300), (8301, 8301)),
        volumes=((volume_name(cluster, "consul", "data"), "/consul/data"),),
        healthcheck=Healthcheck(("CMD", "consul", "members")),
        labels=_labels(cluster, "consul"),
    )


def etcd_spec(cluster: Cluster, host: Host) -> ContainerSpec:
    return ContainerSpec(
        resource_name="etcd-container",
        name="etcd",
        image="etcd",
        command=("--name", "etcd0", "--data-dir", "/var/lib/etcd", "--enable-v2=true",
                 "--listen-client-urls", f"http://0.0.0.0:{ETCD_CLIENT_PORT}",
                 "--advertise-client-urls", f"http://{host.address}:{ETCD_CLIENT_PORT}",
                 "--listen-peer-urls", "http://127.0.0.1:2380"),
        ports=((ETCD_CLIENT_PORT, ETCD_CLIENT_PORT),),
        volumes=((volume_name(cluster, "etcd", "data"), "/var/lib/etcd"),),
        healthcheck=Healthcheck(("CMD", "etcdctl", "endpoint", "health")),
        labels=_labels(cluster, "etcd"),
    )
