"""Stack config -> validated `Cluster`, or one `ConfigError` that lists every problem.

`parse_cluster` is pure: it takes the stack's config values as plain Python data (the loader in
`model.stack_config` reads them from Pulumi) and either returns the model or raises before any
resource is registered. Each problem names the config key, what is wrong and how to fix it.
"""

from __future__ import annotations

import difflib
import ipaddress
import platform
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from model.cluster import (
    Cluster,
    Host,
    ImageSettings,
    KvStore,
    LabSettings,
    NetworkSettings,
    Node,
    OverlayMode,
    Partition,
    Role,
    Services,
)

PROJECT = "multihost-slurm"

KNOWN_KEYS = (
    "hosts",
    "overlay",
    "kvStore",
    "clusterName",
    "controllerName",
    "nodePrefix",
    "partitions",
    "maxNodes",
    "sshUser",
    "sshPort",
    "sshPrivateKey",
    "network",
    "lab",
    "localDockerHost",
    "images",
    "readinessTimeout",
    "drainTimeout",
    "mungeKeyVersion",
    "dockerDaemon",
    "accounting",
    "restApi",
    "mpi",
)
# daemon.json keys the stack manages itself, or that break the engine's own start-up flags
RESERVED_DAEMON_KEYS = ("cluster-store", "cluster-advertise", "cluster-store-opts", "hosts")

DEFAULT_PARTITIONS = (
    {"name": "all", "nodes": "all", "default": True},
    {"name": "even", "nodes": "even"},
    {"name": "odd", "nodes": "odd"},
)
NODE_SELECTORS = ("all", "even", "odd")
HOST_KEYS = ("name", "address", "sshPort", "sshUser", "roles", "slurmds", "advertise", "firstIndex")

_HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DNS_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
_INTERFACE = re.compile(r"^[A-Za-z0-9_.@-]{1,15}$")
_SLURM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_CLUSTER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_USER = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")
_IMAGE_REF = re.compile(r"^[a-z0-9][a-z0-9._/:@-]*$")
PLATFORMS = ("linux/amd64", "linux/arm64", "linux/arm/v7", "linux/ppc64le", "linux/s390x", "linux/riscv64")


def local_platform() -> str:
    """The platform of the machine running Pulumi (a lab's hosts run on its engine)."""
    machine = platform.machine().lower()
    return "linux/" + {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
                       "armv7l": "arm/v7"}.get(machine, machine)


class ConfigError(Exception):
    """The stack config is unusable. The message lists every problem with its fix."""


@dataclass(frozen=True)
class SecretState:
    """What the loader saw of a secret key, without its value."""

    present: bool
    secret: bool


@dataclass
class _Problems:
    items: list[str] = field(default_factory=list)

    def add(self, key: str, problem: str, fix: str) -> None:
        self.items.append(f"{PROJECT}:{key}: {problem}. Fix: {fix}")


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _as_int(value: Any, key: str, problems: _Problems, low: int, high: int) -> int | None:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        problems.add(key, f"'{value}' is not a whole number", f"set a number from {low} to {high}")
        return None
    if not low <= number <= high:
        problems.add(key, f"{number} is out of range", f"set a number from {low} to {high}")
        return None
    return number


def _as_bool(value: Any, key: str, problems: _Problems) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    problems.add(key, f"'{value}' is not true or false", "set it to true or false")
    return True


def _as_subnet(value: Any, key: str, problems: _Problems) -> ipaddress.IPv4Network | None:
    try:
        return ipaddress.IPv4Network(str(value), strict=True)
    except ValueError as exc:
        problems.add(key, f"'{value}' is not an IPv4 subnet ({exc})", "use CIDR notation such as 10.20.0.0/16")
        return None


def _choice(value: Any, key: str, choices: type, problems: _Problems) -> Any:
    names = [c.value for c in choices]
    if str(value) in names:
        return choices(str(value))
    problems.add(key, f"'{value}' is not one of {', '.join(names)}{_suggest(str(value), names)}",
                 f"set it to one of {', '.join(names)}")
    return None


def _mapping(value: Any, key: str, problems: _Problems) -> Mapping[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return value
    problems.add(key, f"expected a mapping, got {type(value).__name__}", "see the config table in README.md")
    return {}


def _unknown_keys(given: Mapping[str, Any], known: tuple[str, ...], key: str, problems: _Problems) -> None:
    for name in given:
        if name not in known:
            problems.add(f"{key}.{name}" if key else name, f"unknown key{_suggest(name, known)}",
                         f"remove it or use one of: {', '.join(known)}")


@dataclass(frozen=True)
class _RawHost:
    position: int
    name: str
    address: str | None
    ssh_port: int
    ssh_user: str
    roles: frozenset[Role]
    slurmds: int
    advertise: str | None
    first_index: int | None


def _parse_host(i: int, raw: Any, defaults: tuple[int, str], problems: _Problems) -> _RawHost | None:
    key = f"hosts[{i}]"
    if not isinstance(raw, Mapping):
        problems.add(key, "expected a mapping with name, roles and (outside the lab) address",
                     "write each host as {name: node0, address: 10.0.0.10, roles: [controller, compute]}")
        return None
    _unknown_keys(raw, HOST_KEYS, key, problems)
    name = str(raw.get("name", ""))
    if not _HOST_NAME.match(name):
        problems.add(f"{key}.name", f"'{name}' is not a valid host name",
                     "use 1-32 lowercase letters, digits or '-', starting and ending with a letter or digit")
    roles: set[Role] = set()
    raw_roles = raw.get("roles", [])
    if not isinstance(raw_roles, list) or not raw_roles:
        problems.add(f"{key}.roles", "no roles given", "list one or more of kv, controller, compute")
        raw_roles = []
    for j, role in enumerate(raw_roles):
        parsed = _choice(role, f"{key}.roles[{j}]", Role, problems)
        if parsed is not None:
            roles.add(parsed)
    port = _as_int(raw.get("sshPort", defaults[0]), f"{key}.sshPort", problems, 1, 65535) or defaults[0]
    user = str(raw.get("sshUser", defaults[1]))
    if not _USER.match(user):
        problems.add(f"{key}.sshUser", f"'{user}' is not a valid user name", "use the login name on that host")
    address = raw.get("address")
    if address is not None:
        address = str(address).strip()
        if not (_is_ip(address) or (_DNS_NAME.match(address) and not re.fullmatch(r"[\d.]+", address))):
            problems.add(f"{key}.address", f"'{address}' is neither an IP address nor a DNS name",
                         "give the address SSH reaches the host at, e.g. 10.0.0.11 or node1.example.org")
    advertise = raw.get("advertise")
    if advertise is not None:
        advertise = str(advertise)
        if not (_is_ip(advertise) or _INTERFACE.match(advertise)):
            problems.add(f"{key}.advertise", f"'{advertise}' is neither an IP address nor an interface name",
                         "give the IP or network interface other hosts reach this one at, e.g. eth1")
    default_slurmds = 1 if Role.COMPUTE in roles else 0
    slurmds = _as_int(raw.get("slurmds", default_slurmds), f"{key}.slurmds", problems, 0, 64)
    if slurmds is None:
        slurmds = default_slurmds
    if Role.COMPUTE in roles and slurmds == 0:
        problems.add(f"{key}.slurmds", "a compute host needs at least one slurmd container",
                     "set slurmds to 1 or more, or remove the compute role")
    if Role.COMPUTE not in roles and slurmds:
        problems.add(f"{key}.slurmds", f"host '{name}' runs no slurmd without the compute role",
                     "add the compute role or remove slurmds")
        slurmds = 0
    first_index = None
    if "firstIndex" in raw:
        first_index = _as_int(raw["firstIndex"], f"{key}.firstIndex", problems, 0, 999_999)
    return _RawHost(i, name, address, port, user, frozenset(roles), slurmds, advertise, first_index)


def _check_hosts(hosts: list[_RawHost], lab: bool, problems: _Problems) -> None:
    seen_names: dict[str, int] = {}
    seen_addresses: dict[str, int] = {}
    for h in hosts:
        key = f"hosts[{h.position}]"
        if h.name in seen_names:
            problems.add(f"{key}.name", f"'{h.name}' is also the name of hosts[{seen_names[h.name]}]",
                         "give every host its own name")
        seen_names.setdefault(h.name, h.position)
        if lab and h.address is not None:
            problems.add(f"{key}.address", "lab hosts get their address from lab.subnet",
                         "remove address from lab hosts (or remove lab to use real hosts)")
        if not lab and h.address is None:
            problems.add(f"{key}.address", f"host '{h.name}' has no address",
                         "give the address SSH reaches it at, or add a lab section to run it as a lab host")
        if h.address is not None:
            if h.address in seen_addresses:
                problems.add(f"{key}.address",
                             f"'{h.address}' is also the address of hosts[{seen_addresses[h.address]}]",
                             "give every host its own address (several slurmds on one host: use slurmds)")
            seen_addresses.setdefault(h.address, h.position)
            if h.advertise is None and _DNS_NAME.match(h.address) and not re.fullmatch(r"[\d.]+", h.address) \
                    and h.roles & {Role.CONTROLLER, Role.COMPUTE}:
                problems.add(f"{key}.advertise", f"address '{h.address}' is a DNS name, which the overlay "
                             "cannot advertise", "set advertise to this host's IP or interface (e.g. eth1)")
    controllers = [h for h in hosts if Role.CONTROLLER in h.roles]
    if not controllers:
        problems.add("hosts", "no host has the controller role",
                     "add 'controller' to the roles of the host that should run slurmctld")
    elif len(controllers) > 1:
        names = ", ".join(h.name for h in controllers)
        problems.add("hosts", f"more than one controller ({names})", "give exactly one host the controller role")
    kv_hosts = [h for h in hosts if Role.KV in h.roles]
    if len(kv_hosts) > 1:
        problems.add("hosts", f"more than one kv host ({', '.join(h.name for h in kv_hosts)})",
                     "give exactly one host the kv role")
    if not any(Role.COMPUTE in h.roles for h in hosts):
        problems.add("hosts", "no host has the compute role", "add 'compute' to the roles of at least one host")


def _parse_partitions(raw: Any, nodes: list[tuple[str, int]], problems: _Problems) -> tuple[Partition, ...]:
    if raw is None:
        raw = list(DEFAULT_PARTITIONS)
    if not isinstance(raw, list) or not raw:
        problems.add("partitions", "expected a non-empty list", "list partitions as {name, nodes, default}")
        return ()
    names = {n for n, _ in nodes}
    partitions: list[Partition] = []
    for i, entry in enumerate(raw):
        key = f"partitions[{i}]"
        if not isinstance(entry, Mapping):
            problems.add(key, "expected a mapping", "write {name: even, nodes: even}")
            continue
        _unknown_keys(entry, ("name", "nodes", "default"), key, problems)
        name = str(entry.get("name", ""))
        if not _SLURM_NAME.match(name):
            problems.add(f"{key}.name", f"'{name}' is not a valid partition name",
                         "start with a letter; use letters, digits, '_' or '-'")
        selector = entry.get("nodes", "all")
        if isinstance(selector, list):
            unknown = [str(n) for n in selector if str(n) not in names]
            for n in unknown:
                problems.add(f"{key}.nodes", f"'{n}' is not a node of this cluster{_suggest(n, sorted(names))}",
                             f"use node names from this stack ({', '.join(sorted(names)[:6])}...) "
                             "or a selector: all, even, odd")
            members = tuple(n for n, _ in nodes if n in {str(s) for s in selector})
        elif str(selector) in NODE_SELECTORS:
            parity = {"all": None, "even": 0, "odd": 1}[str(selector)]
            members = tuple(n for n, idx in nodes if parity is None or idx % 2 == parity)
        else:
            problems.add(f"{key}.nodes", f"'{selector}' is neither all, even, odd nor a list of node names",
                         "use all, even, odd or a list such as [fd20_0, fd20_2]")
            members = ()
        default = entry.get("default", False)
        if not isinstance(default, bool):
            default = str(default).lower() == "true"
        partitions.append(Partition(name, members, default))
    seen: set[str] = set()
    for i, p in enumerate(partitions):
        if p.name in seen:
            problems.add(f"partitions[{i}].name", f"partition '{p.name}' is defined twice", "rename or remove one")
        seen.add(p.name)
    defaults = [p.name for p in partitions if p.default]
    if len(defaults) > 1:
        problems.add("partitions", f"more than one default partition ({', '.join(defaults)})",
                     "mark exactly one partition default: true")
    if not defaults and partitions:
        first = partitions[0]
        partitions[0] = Partition(first.name, first.nodes, True)
    return tuple(partitions)


def parse_cluster(raw: Mapping[str, Any], *, project: str, stack: str, ssh_key: SecretState) -> Cluster:
    """Validate the stack config and build the model; raise ConfigError listing every problem."""
    problems = _Problems()
    _unknown_keys(raw, KNOWN_KEYS, "", problems)

    overlay = _choice(raw.get("overlay", "swarm"), "overlay", OverlayMode, problems)
    lab_raw = raw.get("lab")
    is_lab = lab_raw is not None
    lab_cfg = _mapping(lab_raw if lab_raw is not True else {}, "lab", problems)
    _unknown_keys(lab_cfg, ("subnet",), "lab", problems)

    ssh_port = _as_int(raw.get("sshPort", 22), "sshPort", problems, 1, 65535) or 22
    ssh_user = str(raw.get("sshUser", "root"))
    raw_hosts = raw.get("hosts")
    if not isinstance(raw_hosts, list) or not raw_hosts:
        problems.add("hosts", "no hosts are configured",
                     "list the hosts, e.g. [{name: node0, address: 10.0.0.10, roles: [controller, compute]}]")
        raw_hosts = []
    hosts = [h for i, r in enumerate(raw_hosts) if (h := _parse_host(i, r, (ssh_port, ssh_user), problems))]
    _check_hosts(hosts, is_lab, problems)

    kv_host = next((h for h in hosts if Role.KV in h.roles), None)
    kv_store = _choice(raw.get("kvStore", "consul"), "kvStore", KvStore, problems)
    if overlay is OverlayMode.KV:
        if kv_host is None:
            problems.add("hosts", "overlay kv needs a host with the kv role to run the key/value store",
                         "add a host with roles [kv] (the seed's login host), or set overlay: swarm")
        elif kv_host.roles & {Role.CONTROLLER, Role.COMPUTE}:
            problems.add(f"hosts[{kv_host.position}].roles",
                         f"in kv mode the store's host '{kv_host.name}' must stay outside the overlay: an engine "
                         "that restarts before its own store never joins the overlay",
                         "give the kv role to a host of its own (the seed's login host)")
        if is_lab and kv_store is KvStore.CONSUL:
            problems.add("kvStore", "lab hosts run Debian's docker.io 20.10, built without the Consul backend "
                         "(dockerd fails with 'discovery service not supported')",
                         "set kvStore: etcd for a kv-mode lab, or use real hosts with upstream Docker 20.10-22.x")
    elif overlay is OverlayMode.SWARM and kv_host is not None and kv_store is KvStore.ETCD:
        problems.add("kvStore", "etcd only serves kv mode's engines; in swarm mode the kv host runs Consul",
                     "set kvStore: consul, or remove the kv role from the stack")
    if kv_host is None:
        kv_store = None

    cluster_name = str(raw.get("clusterName", "fd20"))
    if not _CLUSTER_NAME.match(cluster_name):
        problems.add("clusterName", f"'{cluster_name}' is not a valid Slurm cluster name",
                     "use up to 40 lowercase letters, digits or '_', starting with a letter")
    controller_name = str(raw.get("controllerName", "slurmctld"))
    if not _HOST_NAME.match(controller_name):
        problems.add("controllerName", f"'{controller_name}' is not a valid host name",
                     "use lowercase letters, digits or '-'")
    prefix = str(raw.get("nodePrefix", "fd20_"))
    if not _SLURM_NAME.match(prefix):
        problems.add("nodePrefix", f"'{prefix}' cannot start a Slurm node name",
                     "start with a letter; use letters, digits, '_' or '-'")

    nodes: list[tuple[str, int, _RawHost, int]] = []
    next_index = 0
    for h in hosts:
        start = h.first_index if h.first_index is not None else next_index
        for slot in range(h.slurmds):
            nodes.append((f"{prefix}{start + slot}", start + slot, h, slot))
        next_index = start + h.slurmds
    seen_nodes: dict[str, str] = {}
    for name, _, h, _ in nodes:
        if name in seen_nodes:
            problems.add(f"hosts[{h.position}].firstIndex",
                         f"node '{name}' of host '{h.name}' is also a node of host '{seen_nodes[name]}'",
                         "set firstIndex so that the hosts' node numbers do not overlap")
        seen_nodes.setdefault(name, h.name)
        if name == controller_name:
            problems.add("controllerName", f"'{name}' is also a node name", "use another controller name")

    partitions = _parse_partitions(raw.get("partitions"), [(n, i) for n, i, _, _ in nodes], problems)
    covered = {n for p in partitions for n in p.nodes}
    idle_forever = [n for n, _, _, _ in nodes if n not in covered]
    if partitions and idle_forever:
        problems.add("partitions", f"node(s) {', '.join(idle_forever[:5])} are in no partition, so no job can run "
                     "there", "add them to a partition (e.g. one with nodes: all)")
    max_nodes = _as_int(raw.get("maxNodes", 1024), "maxNodes", problems, 1, 65533) or 1024
    if len(nodes) > max_nodes:
        problems.add("maxNodes", f"the stack declares {len(nodes)} nodes, more than maxNodes={max_nodes}",
                     f"raise maxNodes to at least {len(nodes)}")

    network_cfg = _mapping(raw.get("network"), "network", problems)
    _unknown_keys(network_cfg, ("name", "subnet"), "network", problems)
    network_name = str(network_cfg.get("name", "global"))
    if not _HOST_NAME.match(network_name):
        problems.add("network.name", f"'{network_name}' is not a valid network name", "use lowercase letters/digits")
    network_subnet = _as_subnet(network_cfg.get("subnet", "10.20.0.0/16"), "network.subnet", problems)

    lab: LabSettings | None = None
    if is_lab:
        lab_subnet = _as_subnet(lab_cfg.get("subnet", "172.30.0.0/24"), "lab.subnet", problems)
        if lab_subnet is not None:
            if lab_subnet.num_addresses < len(hosts) + 12:
                problems.add("lab.subnet", f"{lab_subnet} has room for fewer than {len(hosts)} lab hosts",
                             "use a larger subnet, e.g. a /24")
            if network_subnet is not None and lab_subnet.overlaps(network_subnet):
                problems.add("lab.subnet", f"{lab_subnet} overlaps network.subnet {network_subnet}",
                             "pick subnets that do not overlap")
            release = "bookworm" if overlay is OverlayMode.KV else "trixie"
            lab = LabSettings(lab_subnet, release)

    local_docker_host = str(raw.get("localDockerHost", "unix:///var/run/docker.sock"))
    if not re.match(r"^(unix|tcp|ssh|npipe)://", local_docker_host):
        problems.add("localDockerHost", f"'{local_docker_host}' is not a Docker host URL",
                     "use unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host")

    services = Services(
        accounting=_as_bool(raw.get("accounting", True), "accounting", problems),
        rest_api=_as_bool(raw.get("restApi", True), "restApi", problems),
        mpi=_as_bool(raw.get("mpi", True), "mpi", problems),
    )
    images_cfg = _mapping(raw.get("images"), "images", problems)
    _unknown_keys(images_cfg, ("buildOn", "platform", "slurmTag", "consul", "mariadbTag"), "images", problems)
    controller = next((h for h in hosts if Role.CONTROLLER in h.roles), None)
    default_build = "local" if is_lab else (controller.name if controller else "local")
    build_on = str(images_cfg.get("buildOn", default_build))
    runs_slurm = [h.name for h in hosts if h.roles & {Role.CONTROLLER, Role.COMPUTE}]
    if build_on != "local" and build_on not in runs_slurm:
        problems.add("images.buildOn", f"'{build_on}' is neither 'local' nor a host that runs Slurm"
                     f"{_suggest(build_on, runs_slurm)}", "set it to local or to the name of a controller/compute host")
    # lab hosts run on this machine's engine; real hosts are amd64 unless the stack says otherwise
    image_platform = str(images_cfg.get("platform", local_platform() if is_lab else "linux/amd64"))
    if image_platform not in PLATFORMS:
        problems.add("images.platform", f"'{image_platform}' is not a platform the images can be built for"
                     f"{_suggest(image_platform, PLATFORMS)}",
                     f"set it to the hosts' platform, one of {', '.join(PLATFORMS)}")
    slurm_tag = str(images_cfg.get("slurmTag", f"{PROJECT}/slurm:24.11{'-mpi' if services.mpi else ''}"))
    consul_image = str(images_cfg.get("consul", "hashicorp/consul:1.22"))
    mariadb_tag = str(images_cfg.get("mariadbTag", f"{PROJECT}/mariadb:11.8"))
    for key, ref in (("images.slurmTag", slurm_tag), ("images.consul", consul_image),
                     ("images.mariadbTag", mariadb_tag)):
        if not _IMAGE_REF.match(ref):
            problems.add(key, f"'{ref}' is not an image reference", "use repository:tag in lowercase")

    readiness_timeout = _as_int(raw.get("readinessTimeout", 300), "readinessTimeout", problems, 10, 7200) or 300
    drain_timeout = _as_int(raw.get("drainTimeout", 600), "drainTimeout", problems, 0, 7 * 86400)
    munge_key_version = _as_int(raw.get("mungeKeyVersion", 1), "mungeKeyVersion", problems, 1, 1_000_000) or 1
    docker_daemon = _mapping(raw.get("dockerDaemon"), "dockerDaemon", problems)
    for key in docker_daemon:
        if key in RESERVED_DAEMON_KEYS:
            problems.add(f"dockerDaemon.{key}", "this daemon.json key is not the stack's to set "
                         "(cluster-store keys come from overlay: kv; hosts clashes with the engine's -H flags)",
                         "remove it from dockerDaemon")

    if not ssh_key.present and not is_lab:
        problems.add("sshPrivateKey", "no SSH private key is set; remote commands and ssh:// Docker "
                     "connections need one", f"pulumi config set --secret {PROJECT}:sshPrivateKey "
                     "< ~/.ssh/id_ed25519  (the matching public key must be in each host's authorized_keys)")
    if ssh_key.present and is_lab:
        problems.add("sshPrivateKey", "lab stacks make their own SSH key for the lab hosts they create",
                     f"pulumi config rm {PROJECT}:sshPrivateKey")
    elif ssh_key.present and not ssh_key.secret:
        problems.add("sshPrivateKey", "the key is stored in plain text in the stack file",
                     f"pulumi config rm {PROJECT}:sshPrivateKey, then set it again with --secret")

    if problems.items:
        count = len(problems.items)
        raise ConfigError(f"stack '{stack}': the config has {count} problem{'s' if count > 1 else ''}:\n  - "
                          + "\n  - ".join(problems.items))

    assert overlay is not None and network_subnet is not None
    partitions_of: dict[str, tuple[str, ...]] = {
        name: tuple(p.name for p in partitions if name in p.nodes) for name, _, _, _ in nodes
    }
    model_hosts = []
    for h in hosts:
        address = h.address if h.address is not None else lab.host_address(h.position)  # type: ignore[union-attr]
        model_hosts.append(Host(
            name=h.name, address=address, ssh_port=h.ssh_port, ssh_user=h.ssh_user, roles=h.roles,
            advertise=h.advertise or address,
            node_names=tuple(n for n, _, owner, _ in nodes if owner is h),
        ))
    return Cluster(
        project=project,
        stack=stack,
        cluster_name=cluster_name,
        controller_name=controller_name,
        overlay=overlay,
        kv_store=kv_store,
        hosts=tuple(model_hosts),
        nodes=tuple(Node(n, idx, h.name, slot, partitions_of[n]) for n, idx, h, slot in nodes),
        partitions=partitions,
        network=NetworkSettings(network_name, network_subnet),
        local_docker_host=local_docker_host,
        lab=lab,
        images=ImageSettings(None if build_on == "local" else build_on, image_platform, slurm_tag, consul_image,
                             mariadb_tag, etcd_tag=f"{PROJECT}/etcd:3.5"),
        max_nodes=max_nodes,
        readiness_timeout=readiness_timeout,
        drain_timeout=drain_timeout if drain_timeout is not None else 600,
        munge_key_version=munge_key_version,
        services=services,
        docker_daemon=dict(docker_daemon),
    )
