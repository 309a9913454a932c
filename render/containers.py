"""What every container of the cluster looks like, as plain data.

The components turn a `ContainerSpec` into a `docker.Container`; everything about names,
commands, ports, volumes, files, secrets and health checks is decided here, where tests can read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from model.cluster import Cluster, Host, Node
from model.constants import (
    CONSUL_CONFIG_DIR,
    CONSUL_DATA_DIR,
    CONSUL_HOST,
    CONSUL_TLS_CONFIG,
    DB_PASSWORD_PATH,
    ETCD_CLIENT_PORT,
    ETCD_DATA_DIR,
    ETCD_HOST,
    ETCD_PEER_PORT,
    HEALTH_START_INTERVAL,
    HEALTH_START_INTERVAL_API,
    IDENTITY_DIR,
    JWT_KEY_PATH,
    KV_CA_FILE,
    KV_CERT_FILE,
    KV_KEY_FILE,
    LABEL_PREFIX,
    MARIADB_DATA_DIR,
    MARIADB_HOST,
    MUNGE_KEY_PATH,
    MUNGE_UID,
    MYSQL_UID,
    REGISTRY_CERT,
    REGISTRY_DATA_DIR,
    REGISTRY_HOST,
    REGISTRY_HTPASSWD,
    REGISTRY_KEY,
    REGISTRY_PORT,
    REGISTRY_UID,
    SLURM_ETC_DIR,
    SLURM_UID,
    SLURMCTLD_PORT,
    SLURMD_PORT,
    SLURMD_SPOOL_DIR,
    SLURMDBD_HOST,
    SLURMRESTD_HOST,
    SLURMRESTD_PORT,
    SSH_HOST_KEY_DIR,
    SSH_PORT,
    STATE_SAVE_DIR,
)
from render.durations import seconds
from render.kv_tls import consul_tls_config, etcd_client_flags, etcd_tls_flags, store_tls_dir, uses_tls
from render.people import identity_dir
from render.slurm_conf import render_slurmdbd_conf_template


class Secret(StrEnum):
    """The stack's generated secrets; the components supply their values."""

    MUNGE_KEY = "munge key"  # base64
    JWT_KEY = "JWT signing key"  # base64
    DB_PASSWORD = "database password"  # text
    # kvTls: the store's certificate, its key, and the CA's certificate (PEM text)
    KV_CA_CERT = "key/value store's CA certificate"
    KV_SERVER_CERT = "key/value store's certificate"
    KV_SERVER_KEY = "key/value store's private key"
    # the image registry's certificate and key (PEM text), and its htpasswd file
    REGISTRY_CERT = "image registry's certificate"
    REGISTRY_KEY = "image registry's private key"
    REGISTRY_HTPASSWD = "image registry's htpasswd file"

    @property
    def is_text(self) -> bool:
        return self not in (Secret.MUNGE_KEY, Secret.JWT_KEY)


@dataclass(frozen=True)
class Upload:
    path: str
    content: str
    mode: str = "0644"


@dataclass(frozen=True)
class SecretUpload:
    path: str
    secret: Secret
    mode: str
    owner: int
    group: int


@dataclass(frozen=True)
class Mount:
    """A named volume of the container's host."""

    volume: str
    path: str
    read_only: bool = False
    retained: bool = False  # outlives its resource (retainOnDelete): the stack's precious data


@dataclass(frozen=True)
class Bind:
    """A directory of the container's host, at `path` inside."""

    host_path: str
    path: str
    read_only: bool = False


@dataclass(frozen=True)
class Healthcheck:
    test: tuple[str, ...]
    interval: int = 5  # seconds
    timeout: int = 10
    retries: int = 3
    start_period: int = 60


def probes_while_starting(engine_api_version: str | None) -> bool:
    """Does that engine keep a health check's start_interval? Docker 25 (API 1.44) on."""
    if not engine_api_version:
        return False
    major, _, minor = engine_api_version.strip().partition(".")
    return (int(major), int(minor or 0)) >= HEALTH_START_INTERVAL_API


def healthcheck_inputs(check: Healthcheck, engine_api_version: str | None = None) -> dict[str, object]:
    """The Docker provider's healthcheck inputs, durations in the form its Read writes them back
    (render/durations.py): anything else would show as a change, and replace the container, on
    every later `pulumi up`. On an engine that keeps it (`engine_api_version`), the first probes
    come every HEALTH_START_INTERVAL seconds while the container starts, not after `interval`; an
    older engine drops start_interval, so it is not asked of one."""
    inputs: dict[str, object] = {
        "tests": list(check.test), "interval": seconds(check.interval), "timeout": seconds(check.timeout),
        "retries": check.retries, "start_period": seconds(check.start_period)}
    if probes_while_starting(engine_api_version):
        inputs["start_interval"] = seconds(HEALTH_START_INTERVAL)
    return inputs


SLURM_HEALTHCHECK = Healthcheck(("CMD", "slurm-healthcheck"))


@dataclass(frozen=True)
class ContainerSpec:
    resource_name: str  # Pulumi logical name
    name: str  # container name and hostname
    command: tuple[str, ...] = ()
    ports: tuple[tuple[int, int], ...] = ()  # (container port, host port)
    mounts: tuple[Mount, ...] = ()
    binds: tuple[Bind, ...] = ()
    uploads: tuple[Upload, ...] = ()
    secrets: tuple[SecretUpload, ...] = ()
    env: tuple[str, ...] = ()  # "NAME=value"
    healthcheck: Healthcheck | None = None
    labels: dict[str, str] = field(default_factory=dict)
    # Where users' programs run (slurmd, login) no process gains privileges from a set-uid binary.
    no_new_privileges: bool = False
    # Seconds a replaced or deleted container gets to stop (SIGTERM) before it is killed; without it
    # the provider kills at once, and slurmctld would not save its state.
    stop_grace_seconds: int = 30


def _labels(cluster: Cluster, role: str) -> dict[str, str]:
    return {f"{LABEL_PREFIX}.stack": cluster.stack, f"{LABEL_PREFIX}.role": role}


def volume_name(cluster: Cluster, owner: str, purpose: str) -> str:
    return f"{LABEL_PREFIX}-{cluster.stack}-{owner}-{purpose}"


def controller_state_volume(cluster: Cluster) -> str:
    """slurmctld's StateSaveLocation: the queue, the nodes, the cluster's ID."""
    return volume_name(cluster, cluster.controller_name, "state")


def accounting_volume(cluster: Cluster) -> str:
    """MariaDB's data: slurmdbd's accounting records (and the same cluster ID)."""
    return volume_name(cluster, MARIADB_HOST, "data")


def slurm_etc_volume(cluster: Cluster) -> str:
    """The controller's /etc/slurm: slurm.conf is written there by a command, not uploaded, so that a
    change shows in the preview as text and is applied with `scontrol reconfigure`, not a new container."""
    return volume_name(cluster, cluster.controller_name, "etc")


MUNGE_KEY = SecretUpload(MUNGE_KEY_PATH, Secret.MUNGE_KEY, "0400", MUNGE_UID, MUNGE_UID)
JWT_KEY = SecretUpload(JWT_KEY_PATH, Secret.JWT_KEY, "0600", SLURM_UID, SLURM_UID)


def mpi_environment(cluster: Cluster) -> tuple[str, ...]:
    """The overlay's subnet, to which the entrypoint pins OpenMPI's data path (images/slurm)."""
    return (f"MPI_SUBNET={cluster.network.subnet}",) if cluster.services.mpi else ()


def identities(cluster: Cluster) -> Bind:
    """The stack's users and groups, and their keys (render/people.py), in every Slurm container."""
    return Bind(identity_dir(cluster), IDENTITY_DIR, read_only=True)


def shared_filesystems(cluster: Cluster) -> tuple[Bind, ...]:
    return tuple(Bind(path, path) for path in cluster.people.shared_paths)


def controller_spec(cluster: Cluster) -> ContainerSpec:
    name = cluster.controller_name
    return ContainerSpec(
        resource_name=f"{name}-container",
        name=name,
        command=("slurmctld",),
        ports=((SLURMCTLD_PORT, SLURMCTLD_PORT),),
        mounts=(Mount(controller_state_volume(cluster), STATE_SAVE_DIR, retained=cluster.retain_data),
                Mount(slurm_etc_volume(cluster), SLURM_ETC_DIR)),
        binds=(identities(cluster),),
        secrets=(MUNGE_KEY, JWT_KEY) if cluster.services.rest_api else (MUNGE_KEY,),
        env=mpi_environment(cluster),
        healthcheck=SLURM_HEALTHCHECK,
        labels=_labels(cluster, "slurmctld"),
    )


def slurmd_host_port(node: Node) -> int:
    """The first slurmd on a host publishes slurmd's own port; further ones take the ports after
    Slurm's well-known ones (6817-6820), so none collides with slurmdbd or slurmrestd."""
    return SLURMD_PORT if node.slot == 0 else SLURMRESTD_PORT + node.slot


def slurmd_spec(cluster: Cluster, node: Node) -> ContainerSpec:
    features = ",".join(node.partitions)
    command = ["slurmd", "-Z", "--conf-server", f"{cluster.controller_name}:{SLURMCTLD_PORT}"]
    if features:
        command += ["--conf", f"Feature={features}"]
    return ContainerSpec(
        resource_name=f"{node.name}-container",
        name=node.name,
        command=tuple(command),
        ports=((SLURMD_PORT, slurmd_host_port(node)),),
        mounts=(Mount(volume_name(cluster, node.name, "spool"), SLURMD_SPOOL_DIR),),
        binds=(identities(cluster), *shared_filesystems(cluster)),
        secrets=(MUNGE_KEY,),
        env=mpi_environment(cluster),
        healthcheck=SLURM_HEALTHCHECK,
        labels=_labels(cluster, "slurmd"),
        no_new_privileges=True,
    )


def login_spec(cluster: Cluster, host: Host) -> ContainerSpec:
    """A login node named like its host: sshd for the stack's users (keys only, no root), the Slurm
    commands configured by sackd from slurmctld, the shared file systems. It holds the munge key (for
    munged, its owner alone) and nothing else secret: no JWT key, no Docker socket."""
    return ContainerSpec(
        resource_name=f"{host.name}-login-container",
        name=host.name,
        command=("login", "--conf-server", f"{cluster.controller_name}:{SLURMCTLD_PORT}"),
        ports=((SSH_PORT, cluster.people.login_port),),
        mounts=(Mount(volume_name(cluster, host.name, "ssh-host-keys"), SSH_HOST_KEY_DIR),),
        binds=(identities(cluster), *shared_filesystems(cluster)),
        secrets=(MUNGE_KEY,),
        env=mpi_environment(cluster),
        healthcheck=SLURM_HEALTHCHECK,
        labels=_labels(cluster, "login"),
        no_new_privileges=True,
    )


def mariadb_spec(cluster: Cluster) -> ContainerSpec:
    return ContainerSpec(
        resource_name="mariadb-container",
        name=MARIADB_HOST,
        mounts=(Mount(accounting_volume(cluster), MARIADB_DATA_DIR, retained=cluster.retain_data),),
        secrets=(SecretUpload(DB_PASSWORD_PATH, Secret.DB_PASSWORD, "0440", 0, MYSQL_UID),),
        healthcheck=Healthcheck(("CMD", "mariadb-healthcheck")),
        labels=_labels(cluster, "mariadb"),
    )


def slurmdbd_spec(cluster: Cluster) -> ContainerSpec:
    secrets = [MUNGE_KEY, SecretUpload(DB_PASSWORD_PATH, Secret.DB_PASSWORD, "0400", 0, 0)]
    if cluster.services.rest_api:
        secrets.append(JWT_KEY)
    return ContainerSpec(
        resource_name="slurmdbd-container",
        name=SLURMDBD_HOST,
        command=("slurmdbd",),
        uploads=(Upload(f"{SLURM_ETC_DIR}/slurmdbd.conf.template", render_slurmdbd_conf_template(cluster)),),
        binds=(identities(cluster),),
        secrets=tuple(secrets),
        healthcheck=SLURM_HEALTHCHECK,
        labels=_labels(cluster, "slurmdbd"),
    )


def slurmrestd_spec(cluster: Cluster) -> ContainerSpec:
    """JWT is its only authentication; it reads the controller's slurm.conf from its volume."""
    return ContainerSpec(
        resource_name="slurmrestd-container",
        name=SLURMRESTD_HOST,
        command=("slurmrestd", f"0.0.0.0:{SLURMRESTD_PORT}"),
        ports=((SLURMRESTD_PORT, SLURMRESTD_PORT),),
        mounts=(Mount(slurm_etc_volume(cluster), SLURM_ETC_DIR, read_only=True),),
        healthcheck=SLURM_HEALTHCHECK,
        labels=_labels(cluster, "slurmrestd"),
    )


def _store_tls_files(cluster: Cluster, config: tuple[Upload, ...] = ()) -> dict[str, Any]:
    """kvTls: the store's certificate, key and CA (owned by root: Consul's entrypoint hands its
    config directory to the consul user), and its TLS config where it reads one."""
    if not uses_tls(cluster):
        return {}
    directory = store_tls_dir(cluster)
    return {"uploads": config, "secrets": (
        SecretUpload(f"{directory}/{KV_CA_FILE}", Secret.KV_CA_CERT, "0444", 0, 0),
        SecretUpload(f"{directory}/{KV_CERT_FILE}", Secret.KV_SERVER_CERT, "0444", 0, 0),
        SecretUpload(f"{directory}/{KV_KEY_FILE}", Secret.KV_SERVER_KEY, "0400", 0, 0))}


def consul_spec(cluster: Cluster, host: Host) -> ContainerSpec:
    """One Consul server; no other agent joins it, so only its API (and UI) is published."""
    assert cluster.store is not None
    port = cluster.store.api_port
    tls_config = (Upload(f"{CONSUL_CONFIG_DIR}/{CONSUL_TLS_CONFIG}", consul_tls_config()),)
    return ContainerSpec(
        resource_name=f"{CONSUL_HOST}-container",
        name=CONSUL_HOST,
        command=("agent", "-server", "-bootstrap-expect=1", "-ui", "-client=0.0.0.0",
                 f"-advertise={host.join_address}", f"-data-dir={CONSUL_DATA_DIR}"),
        ports=((port, port),),
        mounts=(Mount(volume_name(cluster, CONSUL_HOST, "data"), CONSUL_DATA_DIR),),
        healthcheck=Healthcheck(("CMD", "consul", "members")),
        labels=_labels(cluster, CONSUL_HOST),
        **_store_tls_files(cluster, tls_config),
    )


def etcd_spec(cluster: Cluster, host: Host) -> ContainerSpec:
    assert cluster.store is not None
    scheme = cluster.store.scheme
    tls = uses_tls(cluster)
    return ContainerSpec(
        resource_name=f"{ETCD_HOST}-container",
        name=ETCD_HOST,
        command=("--name", "etcd0", "--data-dir", ETCD_DATA_DIR, "--enable-v2=true",
                 "--listen-client-urls", f"{scheme}://0.0.0.0:{ETCD_CLIENT_PORT}",
                 "--advertise-client-urls", f"{scheme}://{host.join_address}:{ETCD_CLIENT_PORT}",
                 "--listen-peer-urls", f"http://127.0.0.1:{ETCD_PEER_PORT}", *(etcd_tls_flags() if tls else ())),
        ports=((ETCD_CLIENT_PORT, ETCD_CLIENT_PORT),),
        mounts=(Mount(volume_name(cluster, ETCD_HOST, "data"), ETCD_DATA_DIR),),
        healthcheck=Healthcheck(("CMD", "etcdctl", f"--endpoints={scheme}://127.0.0.1:{ETCD_CLIENT_PORT}",
                                 *(etcd_client_flags() if tls else ()), "endpoint", "health")),
        labels=_labels(cluster, ETCD_HOST),
        **_store_tls_files(cluster),
    )


def registry_spec(cluster: Cluster) -> ContainerSpec:
    """The stack's image registry on its host, outside the overlay: every host pulls from its
    published port, and the build engine pushes there (model/cluster.py push_address)."""
    return ContainerSpec(
        resource_name=f"{REGISTRY_HOST}-container",
        name=REGISTRY_HOST,
        ports=((REGISTRY_PORT, REGISTRY_PORT),),
        mounts=(Mount(volume_name(cluster, REGISTRY_HOST, "data"), REGISTRY_DATA_DIR),),
        secrets=(SecretUpload(REGISTRY_CERT, Secret.REGISTRY_CERT, "0444", REGISTRY_UID, REGISTRY_UID),
                 SecretUpload(REGISTRY_KEY, Secret.REGISTRY_KEY, "0400", REGISTRY_UID, REGISTRY_UID),
                 SecretUpload(REGISTRY_HTPASSWD, Secret.REGISTRY_HTPASSWD, "0400", REGISTRY_UID, REGISTRY_UID)),
        env=(f"REGISTRY_HTTP_TLS_CERTIFICATE={REGISTRY_CERT}", f"REGISTRY_HTTP_TLS_KEY={REGISTRY_KEY}"),
        healthcheck=Healthcheck(("CMD", "registry-healthcheck")),
        labels=_labels(cluster, REGISTRY_HOST),
    )
