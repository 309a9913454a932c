"""What each image is built with: the numeric owners, ports and paths the program uses too
(model/constants.py), as build arguments. The Dockerfiles declare them without defaults and fail
when one is missing, so no number is written down twice."""

from __future__ import annotations

from pathlib import Path

from model.cluster import Cluster, KvStore
from model.constants import (
    AUTHORIZED_KEYS_DIR,
    CONSUL_CONFIG_DIR,
    CONSUL_DATA_DIR,
    CONSUL_HTTP_PORT,
    DB_PASSWORD_PATH,
    ETCD_CLIENT_PORT,
    ETCD_DATA_DIR,
    IDENTITY_DIR,
    JWT_KEY_PATH,
    LAB_DOCKERD_LOG,
    MARIADB_DATA_DIR,
    MARIADB_PORT,
    MUNGE_KEY_PATH,
    MUNGE_UID,
    MYSQL_UID,
    REGISTRY_CONFIG,
    REGISTRY_DATA_DIR,
    REGISTRY_DEBUG_PORT,
    REGISTRY_HTPASSWD,
    REGISTRY_PORT,
    REGISTRY_UID,
    SLURM_ETC_DIR,
    SLURM_UID,
    SLURMCTLD_PORT,
    SLURMD_PORT,
    SLURMD_SPOOL_DIR,
    SLURMDB_NAME,
    SLURMDB_USER,
    SLURMDBD_PORT,
    SLURMREST_UID,
    SLURMRESTD_PORT,
    SSH_HOST_KEY_DIR,
    SSH_PORT,
    STATE_SAVE_DIR,
)

REPO_ROOT = Path(__file__).resolve().parent.parent


def _text(values: dict[str, object]) -> dict[str, str]:
    return {key: str(value) for key, value in values.items()}


SLURM = _text({
    "MUNGE_UID": MUNGE_UID, "SLURM_UID": SLURM_UID, "SLURMREST_UID": SLURMREST_UID,
    "SLURMCTLD_PORT": SLURMCTLD_PORT, "SLURMD_PORT": SLURMD_PORT, "SLURMDBD_PORT": SLURMDBD_PORT,
    "SLURMRESTD_PORT": SLURMRESTD_PORT, "MUNGE_KEY_PATH": MUNGE_KEY_PATH, "JWT_KEY_PATH": JWT_KEY_PATH,
    "DB_PASSWORD_PATH": DB_PASSWORD_PATH, "SLURM_ETC_DIR": SLURM_ETC_DIR, "STATE_SAVE_DIR": STATE_SAVE_DIR,
    "SLURMD_SPOOL_DIR": SLURMD_SPOOL_DIR, "SSH_PORT": SSH_PORT, "IDENTITY_DIR": IDENTITY_DIR,
    "AUTHORIZED_KEYS_DIR": AUTHORIZED_KEYS_DIR, "SSH_HOST_KEY_DIR": SSH_HOST_KEY_DIR,
})
MARIADB = _text({"MYSQL_UID": MYSQL_UID, "MARIADB_PORT": MARIADB_PORT, "MARIADB_DATA_DIR": MARIADB_DATA_DIR,
                 "DB_PASSWORD_PATH": DB_PASSWORD_PATH, "SLURMDB_NAME": SLURMDB_NAME, "SLURMDB_USER": SLURMDB_USER})
ETCD = _text({"ETCD_CLIENT_PORT": ETCD_CLIENT_PORT, "ETCD_DATA_DIR": ETCD_DATA_DIR})
CONSUL = _text({"CONSUL_DATA_DIR": CONSUL_DATA_DIR, "CONSUL_CONFIG_DIR": CONSUL_CONFIG_DIR,
                "CONSUL_HTTP_PORT": CONSUL_HTTP_PORT})
REGISTRY = _text({"REGISTRY_UID": REGISTRY_UID, "REGISTRY_PORT": REGISTRY_PORT,
                  "REGISTRY_DEBUG_PORT": REGISTRY_DEBUG_PORT,
                  "REGISTRY_CONFIG": REGISTRY_CONFIG, "REGISTRY_HTPASSWD": REGISTRY_HTPASSWD,
                  "REGISTRY_DATA_DIR": REGISTRY_DATA_DIR})
LABHOST = _text({"SSH_PORT": SSH_PORT, "LAB_DOCKERD_LOG": LAB_DOCKERD_LOG})

BUILD_ARGS = {"slurm": SLURM, "mariadb": MARIADB, "etcd": ETCD, "consul": CONSUL, "labhost": LABHOST,
              "registry": REGISTRY}


def build_context(image: str) -> str:
    """The image's build context in this repository (its Dockerfile is there)."""
    return f"images/{image}"


def base_images(image: str) -> tuple[str, ...]:
    """What the image's Dockerfile starts FROM, besides its own stages: what its build engine must have."""
    stages: set[str] = set()
    bases: list[str] = []
    for line in (REPO_ROOT / build_context(image) / "Dockerfile").read_text().splitlines():
        words = line.split()
        if len(words) >= 2 and words[0].upper() == "FROM":
            if words[1] not in stages and words[1] not in bases and words[1] != "scratch":
                bases.append(words[1])
            if len(words) == 4 and words[2].upper() == "AS":
                stages.add(words[3])
    return tuple(bases)


def images_built_on(cluster: Cluster) -> dict[str, tuple[str, ...]]:
    """Which images each host builds (with images.buildOn a host): the registry's, Slurm's and
    MariaDB's on the build host; the key/value store's, when built, on the kv host."""
    built: dict[str, tuple[str, ...]] = {}
    if cluster.images.build_on is None:
        return built
    built[cluster.images.build_on] = ("registry", "slurm", *(("mariadb",) if cluster.services.accounting else ()))
    store = cluster.store
    if store is not None and (store.kind is KvStore.ETCD or cluster.images.consul_built):
        name = "etcd" if store.kind is KvStore.ETCD else "consul"
        built[store.host.name] = (*built.get(store.host.name, ()), name)
    return built
