"""Every name, port, path and numeric ID the stack uses, defined once.

Python reads them here. The images get them as build arguments (`render/images.py`,
images/*/Dockerfile, which declare them without defaults), and the host scripts as header
variables (`render/scripts.py`), so that nothing is written down twice.
"""

from __future__ import annotations

PROJECT = "multihost-slurm"  # Pulumi.yaml's `name` (tests check it): config namespace, labels, paths

LABEL_PREFIX = PROJECT  # Docker labels: multihost-slurm.stack, multihost-slurm.role, ...
STATE_ROOT = f"/var/lib/{PROJECT}"  # what the engine scripts note on a host, per stack
HOME_CACHE = f".cache/{PROJECT}"  # image archives, under $HOME of the machine running Pulumi
HOME_SSH = f".ssh/{PROJECT}"  # the stack's SSH key file, likewise
IMAGE_REPOSITORY = PROJECT  # the default image names: multihost-slurm/slurm:24.11, ...
CONSUL_IMAGE = "hashicorp/consul:1.22"  # pulled by default; images/consul builds Debian's 1.8 instead
CONSUL_BUILT_IMAGE = f"{IMAGE_REPOSITORY}/consul:1.8"


def component_type(module: str, name: str) -> str:
    """A component resource's type token: multihost-slurm:<module>:<Name>."""
    return f"{PROJECT}:{module}:{name}"


# ---- ports ----------------------------------------------------------------------------------------
SLURMCTLD_PORT = 6817
SLURMD_PORT = 6818
SLURMDBD_PORT = 6819
SLURMRESTD_PORT = 6820
MARIADB_PORT = 3306
CONSUL_HTTP_PORT = 8500  # without kvTls; with it only inside the container, on its loopback
CONSUL_HTTPS_PORT = 8501  # with kvTls: the API and UI, client certificate required
ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380
ENGINE_ADVERTISE_PORT = 2376  # the seed's --cluster-advertise=<if>:2376
SWARM_PORT = 2377  # swarm mode's control plane
GOSSIP_PORT = 7946  # the overlay's gossip (serf), both modes
VXLAN_PORT = 4789
SSH_PORT = 22  # lab hosts' sshd, and sshd inside a login container
REGISTRY_PORT = 5000  # the stack's image registry on the controller host (TLS, password)
REGISTRY_DEBUG_PORT = 5001  # its health endpoint, on its container's loopback only
LOGIN_PORT = 2222  # where a login host publishes its login container's sshd (its own sshd keeps 22)

# ---- numeric owners, fixed in the images so that files can be uploaded with them ---------------
MUNGE_UID = 990
SLURM_UID = 991
SLURMREST_UID = 992  # slurmrestd refuses root, SlurmUser and their groups
MYSQL_UID = 989
REGISTRY_UID = 988  # the image registry's account
# The stack's users and groups take IDs from Debian's range for people (adduser.conf FIRST_UID ..
# LAST_UID); the images' own accounts are all below it (and nobody/nogroup above).
PEOPLE_ID_MIN = 1000
PEOPLE_ID_MAX = 59999
# Names the images' /etc/passwd and /etc/group already hold (Debian's base-passwd, the packages
# in images/slurm, the daemons' accounts above): a user or group of the stack may not take one,
# since `files` is read before the stack's identities. tests/e2e checks the image against it.
IMAGE_ACCOUNT_NAMES = frozenset((
    "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data",
    "backup", "list", "irc", "gnats", "_apt", "nobody", "nogroup", "adm", "tty", "disk", "kmem", "dialout", "fax",
    "voice", "cdrom", "floppy", "tape", "sudo", "audio", "dip", "operator", "src", "shadow", "utmp", "video",
    "sasl", "plugdev", "staff", "users", "input", "sgx", "kvm", "render", "clock", "crontab", "messagebus",
    "systemd-journal", "systemd-network", "systemd-timesync", "systemd-resolve", "_ssh", "sshd", "munge",
    "slurm", "slurmrest", "mysql", "rdma",
))
LOGIN_SHELLS = ("/bin/bash", "/bin/sh")  # what the Slurm image has for users
DEFAULT_ACCOUNT = "general"  # the Slurm account of users the stack puts in none

# ---- paths inside the Slurm and MariaDB containers ------------------------------------------------
SLURM_ETC_DIR = "/etc/slurm"
STATE_SAVE_DIR = "/var/spool/slurmctld"
SLURMD_SPOOL_DIR = "/var/spool/slurmd"
MUNGE_KEY_PATH = "/etc/munge/munge.key"
JWT_KEY_PATH = "/etc/jwt/jwt_hs256.key"
DB_PASSWORD_PATH = "/run/secrets/slurmdb_password"
MARIADB_DATA_DIR = "/var/lib/mysql"
SLURMDB_NAME = "slurm_acct_db"  # slurmdbd's database (StorageLoc), and its user (StorageUser)
SLURMDB_USER = "slurm"
CONSUL_DATA_DIR = "/consul/data"  # the official image's
CONSUL_CONFIG_DIR = "/consul/config"  # the official image's (its entrypoint gives it to consul)
CONSUL_TLS_DIR = f"{CONSUL_CONFIG_DIR}/tls"  # Consul reads no subdirectory of its config dir as config
CONSUL_TLS_CONFIG = "multihost-slurm-tls.json"  # in its config dir
ETCD_TLS_DIR = "/etc/etcd/tls"
# the kv store's certificates (kvTls), from the stack's own CA
KV_CERT_VALIDITY_HOURS = 10 * 365 * 24
KV_CA_FILE, KV_CERT_FILE, KV_KEY_FILE = "ca.pem", "cert.pem", "key.pem"
ETCD_DATA_DIR = "/var/lib/etcd"
# the image registry (images/registry: Debian's docker-registry, its config.yml read as shipped)
REGISTRY_CONFIG = "/etc/docker/registry/config.yml"
REGISTRY_HTPASSWD = "/etc/docker/registry/htpasswd"  # where that config.yml reads its users
REGISTRY_CERT, REGISTRY_KEY = "/etc/docker/registry/tls.crt", "/etc/docker/registry/tls.key"
REGISTRY_DATA_DIR = "/var/lib/docker-registry"  # that config.yml's storage root: a named volume
REGISTRY_USER = "pulumi"  # the one account: the build engine pushes, every host pulls
# The stack's users and groups (passwd, group: libnss-extrausers reads them at every lookup, so a
# change reaches running containers without a restart), and their SSH public keys (ssh/<user>)
IDENTITY_DIR = "/var/lib/extrausers"
AUTHORIZED_KEYS_DIR = f"{IDENTITY_DIR}/ssh"
SSH_HOST_KEY_DIR = "/etc/ssh/host-keys"  # a login container's host keys, on a volume of their own

# ---- on the hosts -----------------------------------------------------------------------------------
DAEMON_JSON = "/etc/docker/daemon.json"
# an engine trusts a registry's CA from <dir>/<host:port>/ca.crt, read at each pull: no restart
DOCKER_CERTS_DIR = "/etc/docker/certs.d"
# Docker 25 (API 1.44) added the health check's start_interval: older engines drop it, and would
# then read it back as 0s (a change at every `up`)
HEALTH_START_INTERVAL_API = (1, 44)
HEALTH_START_INTERVAL = 1  # seconds between probes while a container starts
LAB_SUPERVISOR = "/usr/local/sbin/lab-dockerd"  # restarts a lab host's inner dockerd
LAB_DOCKERD_LOG = "/var/log/dockerd.log"  # where a lab host's inner dockerd logs
# the Debian release of a lab host's image decides its Docker engine
LAB_RELEASE_SWARM = "trixie"  # docker.io 26
LAB_RELEASE_KV_ETCD = "bookworm"  # docker.io 20.10.24: cluster-store, but no Consul backend
LAB_RELEASE_KV_CONSUL = "bullseye"  # docker.io 20.10.5: cluster-store with Consul's backend
OPERATOR_TOOLS_DIR = "bin"  # under a stack's state directory on the controller host: backup and restore
BACKUP_TOOL = "slurm-backup"  # a consistent backup of accounting and slurmctld's state, as a tar on stdout
RESTORE_TOOL = "slurm-restore"  # puts such a backup back, from stdin
# A lab host is reached from the machine running Pulumi through ports its container publishes on
# that machine's loopback address (Docker Desktop does not route to a container's bridge address):
# host i's ports are lab.portBase + i * LAB_PORTS_PER_HOST + the slot below
LAB_LOOPBACK = "127.0.0.1"
LAB_PORT_BASE = 12200
# Lab ports stay below every common kernel's ephemeral range (Linux 32768-60999, macOS and Windows
# 49152-65535): outgoing connections take their local ports from there, and a lab host cannot publish
# a port that one of them holds, even in TIME_WAIT ("bind: address already in use").
LAB_PORT_LIMIT = 32767
LAB_PORTS_PER_HOST = 10
# its sshd, the login container's, slurmrestd, the store's API, the image registry
LAB_PORT_SLOTS = ("ssh", "login", "rest", "kv", "registry")
LAB_SHARED_ROOT = f"{STATE_ROOT}/lab-shared"  # on the lab's engine machine: <stack>/<path> is shared
SHARED_MARKER = f".{PROJECT}-shared"  # written in a shared path on one host, read on the others

# ---- container names (and hostnames on the overlay) besides slurmctld's and the nodes' ------------
MARIADB_HOST = "mariadb"
SLURMDBD_HOST = "slurmdbd"
SLURMRESTD_HOST = "slurmrestd"
CONSUL_HOST = "consul"
ETCD_HOST = "etcd"
REGISTRY_HOST = "registry"
SERVICE_CONTAINERS = (MARIADB_HOST, SLURMDBD_HOST, SLURMRESTD_HOST, CONSUL_HOST, ETCD_HOST, REGISTRY_HOST)
