"""The validated, typed model of one stack's cluster.

Everything here is plain data: built once from the stack config by `model.config`, then read by
the pure renderers (`render/`) and the Pulumi components (`components/`). No secrets live here;
the SSH key and the munge key flow as Pulumi Outputs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from model.constants import (
    CONSUL_HTTP_PORT,
    CONSUL_HTTPS_PORT,
    ETCD_CLIENT_PORT,
    LAB_LOOPBACK,
    LAB_PORT_SLOTS,
    LAB_PORTS_PER_HOST,
    REGISTRY_PORT,
    STATE_ROOT,
)


class Role(StrEnum):
    """What a host does. A host may have several roles."""

    KV = "kv"  # runs the key/value store (Consul or etcd); the seed's login host
    CONTROLLER = "controller"  # runs slurmctld
    COMPUTE = "compute"  # runs slurmd containers
    LOGIN = "login"  # runs a login container: sshd for the stack's users, the Slurm commands (sackd)


class OverlayMode(StrEnum):
    SWARM = "swarm"  # Swarm mode + an attachable overlay network (Docker 17.06 and later)
    KV = "kv"  # the seed's cluster-store/cluster-advertise overlay (Docker up to 22.x)


class KvStore(StrEnum):
    CONSUL = "consul"
    ETCD = "etcd"


SLURM_ROLES = frozenset((Role.CONTROLLER, Role.COMPUTE, Role.LOGIN))  # roles that run Slurm containers


@dataclass(frozen=True)
class Host:
    """One Docker host, reached over SSH."""

    name: str
    address: str  # where this machine reaches the host: SSH, the Docker ssh:// connection, published ports
    ssh_port: int
    ssh_user: str
    roles: frozenset[Role]
    advertise: str  # address or interface the overlay advertises on this host
    node_names: tuple[str, ...]  # Slurm nodes (slurmd containers) this host runs
    # a lab host's ports as this machine dials them at `address`: (port on the host, port dialled)
    forwarded: tuple[tuple[int, int], ...] = ()

    def has(self, role: Role) -> bool:
        return role in self.roles

    def port(self, port: int) -> int:
        """The port this machine dials for the host's `port` (the same, but on a lab host)."""
        return dict(self.forwarded).get(port, port)

    @property
    def join_address(self) -> str:
        """The IP (or name) other hosts dial to reach this one; an interface name can't be dialled."""
        try:
            ipaddress.ip_address(self.advertise)
        except ValueError:
            return self.address
        return self.advertise


@dataclass(frozen=True)
class Node:
    """One slurmd container: a dynamic Slurm node whose features name its partitions."""

    name: str
    host: str
    slot: int  # position of this node among its host's slurmd containers
    partitions: tuple[str, ...]


def kv_api_port(kind: KvStore, tls: bool) -> int:
    if kind is KvStore.ETCD:
        return ETCD_CLIENT_PORT
    return CONSUL_HTTPS_PORT if tls else CONSUL_HTTP_PORT


@dataclass(frozen=True)
class Store:
    """The key/value store on the kv (the seed's login) host: Consul, or etcd for kv mode's engines."""

    kind: KvStore
    host: Host
    tls: bool  # its API over TLS, clients (engines, the catalog) with certificates from the stack's CA

    @property
    def api_port(self) -> int:
        """The port its API is published on."""
        return kv_api_port(self.kind, self.tls)

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"


@dataclass(frozen=True)
class Group:
    name: str
    gid: int
    members: tuple[str, ...]  # users for whom it is a further group


@dataclass(frozen=True)
class User:
    """A person who logs in to the login containers and runs jobs as themselves."""

    name: str
    uid: int
    gid: int  # primary group
    shell: str
    home: str
    ssh_keys: tuple[str, ...]  # empty in a lab where the program generates the user's key
    account: str | None  # Slurm account (None without accounting)


@dataclass(frozen=True)
class Account:
    name: str
    description: str


@dataclass(frozen=True)
class People:
    """Who uses the cluster, and the file systems they share."""

    users: tuple[User, ...]
    groups: tuple[Group, ...]  # the users' own groups among them
    accounts: tuple[Account, ...]  # empty without accounting
    shared_paths: tuple[str, ...]  # host paths shared across the hosts, mounted at the same path
    login_port: int
    delete_homes: bool  # a home goes with its user, or with the stack

    def user(self, name: str) -> User:
        return next(u for u in self.users if u.name == name)


@dataclass(frozen=True)
class Partition:
    name: str
    nodes: tuple[str, ...]
    default: bool


@dataclass(frozen=True)
class NetworkSettings:
    name: str
    subnet: ipaddress.IPv4Network

    @property
    def gateway(self) -> str:
        """The subnet's first address, which Docker takes for the network's gateway."""
        return str(self.subnet.network_address + 1)


@dataclass(frozen=True)
class LabSettings:
    """Present in lab stacks: the program creates every host as a container on the local engine."""

    subnet: ipaddress.IPv4Network
    debian_release: str  # of the lab hosts' image, which decides their Docker version
    port_base: int  # of the ports lab hosts publish on this machine's loopback address

    def host_address(self, position: int) -> str:
        """The host's address on the lab bridge, where the other lab hosts reach it."""
        return str(self.subnet.network_address + 10 + position)

    def forwarded_port(self, position: int, slot: str) -> int:
        return self.port_base + position * LAB_PORTS_PER_HOST + LAB_PORT_SLOTS.index(slot)

    @property
    def gateway(self) -> str:
        return str(self.subnet.network_address + 1)


@dataclass(frozen=True)
class ImageSettings:
    build_on: str | None  # a host name, or None for the local engine
    platform: str  # what the hosts run (linux/amd64, linux/arm64): images are built for it
    slurm_tag: str
    consul_image: str
    consul_built: bool  # from images/consul, shipped to the kv host; pulled there otherwise
    mariadb_tag: str
    etcd_tag: str
    registry_tag: str  # the stack's image registry (images/registry), shipped to its host as an archive


@dataclass(frozen=True)
class Services:
    """The Slurm services beyond slurmctld and slurmd, each on by default."""

    accounting: bool  # slurmdbd and MariaDB on the controller host
    rest_api: bool  # slurmrestd with JWT authentication on the controller host
    mpi: bool  # OpenMPI with PMIx in the image


@dataclass(frozen=True)
class Cluster:
    project: str
    stack: str
    cluster_name: str
    controller_name: str  # hostname of the slurmctld container == SlurmctldHost
    overlay: OverlayMode
    store: Store | None  # None: no key/value store at all (swarm mode without a kv host)
    hosts: tuple[Host, ...]
    nodes: tuple[Node, ...]
    partitions: tuple[Partition, ...]
    network: NetworkSettings
    local_docker_host: str
    lab: LabSettings | None
    images: ImageSettings
    max_nodes: int
    readiness_timeout: int
    drain_timeout: int  # seconds a leaving node's jobs get to finish
    munge_key_version: int  # changing it makes a new munge key (a rotation)
    services: Services
    people: People
    retain_data: bool  # the accounting and slurmctld state volumes outlive their resources (retainOnDelete)
    docker_daemon: dict[str, Any] = field(default_factory=dict)  # keys merged into every Slurm host's daemon.json

    def host(self, name: str) -> Host:
        return next(h for h in self.hosts if h.name == name)

    def hosts_with(self, role: Role) -> tuple[Host, ...]:
        return tuple(h for h in self.hosts if h.has(role))

    @property
    def host_state_dir(self) -> str:
        """This stack's directory on each host: what its scripts note and install there."""
        return f"{STATE_ROOT}/{self.stack}"

    @property
    def controller(self) -> Host:
        return self.hosts_with(Role.CONTROLLER)[0]

    @property
    def overlay_hosts(self) -> tuple[Host, ...]:
        """Hosts whose engines join the overlay: every host that runs a Slurm container."""
        return tuple(h for h in self.hosts if h.roles & SLURM_ROLES)

    @property
    def login_hosts(self) -> tuple[Host, ...]:
        return self.hosts_with(Role.LOGIN)

    @property
    def shared_hosts(self) -> tuple[Host, ...]:
        """Hosts that mount the shared file systems: those with login or slurmd containers."""
        return tuple(h for h in self.hosts if h.has(Role.LOGIN) or h.has(Role.COMPUTE))

    @property
    def registry_host(self) -> Host:
        """Where the stack's image registry runs: the controller host, which pulls the most images."""
        return self.controller

    @property
    def registry_address(self) -> str:
        """host:port of the registry as every host dials it (to pull, and a build host to push)."""
        return f"{self.registry_host.join_address}:{REGISTRY_PORT}"

    @property
    def push_address(self) -> str:
        """host:port of the registry as the build engine dials it. This machine's engine (a lab's
        only: see images_are_built_where_they_can_be) pushes through the registry's loopback port,
        which Docker treats as an insecure registry: TLS without verification, nothing to trust."""
        if self.images.build_on is None:
            return f"{LAB_LOOPBACK}:{self.registry_host.port(REGISTRY_PORT)}"
        return self.registry_address

    def nodes_on(self, host: Host) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.host == host.name)
