"""The stack config's cross-field rules, each a named validator.

They run once every value has its type (model/schema.py), over the whole config and the nodes it
declares, and each yields a `Problem` per thing it finds wrong: the key, what is wrong, how to fix
it. `model/config.py` runs them all, so that one error lists every problem.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from model.cluster import SLURM_ROLES, KvStore, OverlayMode, Role
from model.constants import (
    CONSUL_HTTP_PORT,
    CONSUL_HTTPS_PORT,
    DEFAULT_ACCOUNT,
    ENGINE_ADVERTISE_PORT,
    ETCD_CLIENT_PORT,
    ETCD_PEER_PORT,
    GOSSIP_PORT,
    IMAGE_ACCOUNT_NAMES,
    LAB_PORT_LIMIT,
    LAB_PORTS_PER_HOST,
    SERVICE_CONTAINERS,
    SLURMCTLD_PORT,
    SLURMD_PORT,
    SLURMDBD_PORT,
    SLURMRESTD_PORT,
    SSH_PORT,
    SWARM_PORT,
    VXLAN_PORT,
)
from model.schema import (
    RESERVED_NETWORKS,
    SYSTEM_PATHS,
    HostSpec,
    StackSpec,
    UserSpec,
    is_dns_name,
    is_ip_address,
    suggest,
)

# host names that would give two resources one name (the local engine's provider is "local-docker")
RESERVED_HOST_NAMES = ("local",)


@dataclass(frozen=True)
class Problem:
    key: str
    problem: str
    fix: str


@dataclass(frozen=True)
class PlannedNode:
    name: str
    index: int
    host: int  # position of its host in `hosts`
    slot: int


def plan_nodes(spec: StackSpec) -> list[PlannedNode]:
    """The nodes the hosts declare: numbered over the compute hosts in order, from a host's
    `firstIndex` where it pins one."""
    nodes, next_index = [], 0
    for position, host in enumerate(spec.hosts):
        start = host.first_index if host.first_index is not None else next_index
        for slot in range(slurmds_of(host)):
            nodes.append(PlannedNode(f"{spec.node_prefix}{start + slot}", start + slot, position, slot))
        next_index = start + slurmds_of(host)
    return nodes


def slurmds_of(host: HostSpec) -> int:
    if host.slurmds is not None:
        return host.slurmds if Role.COMPUTE in host.roles else 0
    return 1 if Role.COMPUTE in host.roles else 0


def runs_slurm(host: HostSpec) -> bool:
    return bool(SLURM_ROLES & set(host.roles))


def is_lab(spec: StackSpec) -> bool:
    return spec.lab is not None


Validator = Callable[[StackSpec, list[PlannedNode]], Iterator[Problem]]


def hosts_have_their_own_names(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for i, host in enumerate(spec.hosts):
        if host.name in seen:
            yield Problem(f"hosts[{i}].name", f"'{host.name}' is also the name of hosts[{seen[host.name]}]",
                          "give every host its own name")
        seen.setdefault(host.name, i)
        if host.name in RESERVED_HOST_NAMES:
            yield Problem(f"hosts[{i}].name", f"'{host.name}' names one of the stack's own resources "
                          f"({host.name}-docker, this machine's engine)", "give the host another name")


def hosts_have_their_own_addresses(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    advertised: dict[str, int] = {}
    for i, host in enumerate(spec.hosts):
        if host.address is not None:
            if host.address in seen:
                yield Problem(f"hosts[{i}].address",
                              f"'{host.address}' is also the address of hosts[{seen[host.address]}]",
                              "give every host its own address (several slurmds on one host: use slurmds)")
            seen.setdefault(host.address, i)
        advertise = host.advertise or host.address
        if advertise is not None and is_ip_address(advertise):
            # two addresses alike are reported above; an advertise address that meets another host's is here
            explicit = host.advertise is not None or (advertise in advertised
                                                      and spec.hosts[advertised[advertise]].advertise is not None)
            if advertise in advertised and explicit:
                yield Problem(f"hosts[{i}].advertise", f"'{advertise}' is also what hosts[{advertised[advertise]}] "
                              "advertises", "give every host its own advertise address")
            advertised.setdefault(advertise, i)


def lab_and_real_hosts_are_reached_as_they_can_be(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    """Lab hosts are made by the program and take root on 22 at an address of the lab's subnet; real
    hosts need their address."""
    lab_access = {"sshUser": "root", "sshPort": SSH_PORT}
    if is_lab(spec):
        for key, value in (("sshUser", spec.ssh_user), ("sshPort", spec.ssh_port)):
            if value != lab_access[key]:
                yield Problem(key, f"lab hosts take SSH as root on port {SSH_PORT}, which the program sets up",
                              f"remove {key} from this lab stack")
    for i, host in enumerate(spec.hosts):
        if is_lab(spec):
            if host.address is not None:
                yield Problem(f"hosts[{i}].address", "lab hosts get their address from lab.subnet",
                              "remove address from lab hosts (or remove lab to use real hosts)")
            for key, value in (("sshUser", host.ssh_user), ("sshPort", host.ssh_port)):
                if value not in (None, lab_access[key]):
                    yield Problem(f"hosts[{i}].{key}", f"lab hosts take SSH as root on port {SSH_PORT}",
                                  f"remove {key} from this lab host")
        elif host.address is None:
            yield Problem(f"hosts[{i}].address", f"host '{host.name}' has no address",
                          "give the address SSH reaches it at, or add a lab section to run it as a lab host")


def dns_names_come_with_an_advertise_address(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    """The overlay advertises an IP or an interface, and Consul an IP: a DNS name is neither."""
    for i, host in enumerate(spec.hosts):
        if host.address is None or not is_dns_name(host.address) or is_ip_address(host.address):
            continue
        if host.advertise is None and runs_slurm(host):
            yield Problem(f"hosts[{i}].advertise", f"address '{host.address}' is a DNS name, which the overlay "
                          "cannot advertise", "set advertise to this host's IP or interface (e.g. eth1)")
        if Role.KV in host.roles and spec.kv_store is KvStore.CONSUL and not is_ip_address(host.advertise or ""):
            yield Problem(f"hosts[{i}].advertise", f"Consul on '{host.name}' advertises an IP address, and "
                          f"'{host.address}' is a DNS name", "set advertise to the IP the other hosts reach it at")


def one_controller_and_compute_hosts(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    controllers = [h.name for h in spec.hosts if Role.CONTROLLER in h.roles]
    if not controllers:
        yield Problem("hosts", "no host has the controller role", "give exactly one host the controller role")
    elif len(controllers) > 1:
        yield Problem("hosts", f"more than one controller ({', '.join(controllers)})",
                      "give exactly one host the controller role")
    if not any(Role.COMPUTE in h.roles for h in spec.hosts):
        yield Problem("hosts", "no host has the compute role", "give at least one host the compute role")
    if len([h for h in spec.hosts if Role.KV in h.roles]) > 1:
        yield Problem("hosts", "more than one host has the kv role", "give the kv role to one host")


def compute_hosts_run_slurmds(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    for i, host in enumerate(spec.hosts):
        if Role.COMPUTE in host.roles and host.slurmds == 0:
            yield Problem(f"hosts[{i}].slurmds", "a compute host needs at least one slurmd container",
                          "set slurmds to 1 or more, or remove the compute role")
        if Role.COMPUTE not in host.roles and host.slurmds:
            yield Problem(f"hosts[{i}].slurmds", f"host '{host.name}' runs no slurmd without the compute role",
                          "add the compute role or remove slurmds")
        if len(set(host.roles)) != len(host.roles):
            yield Problem(f"hosts[{i}].roles", "a role is listed twice", "list each role once")


def the_overlay_mode_has_its_store(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    kv = next(((i, h) for i, h in enumerate(spec.hosts) if Role.KV in h.roles), None)
    if spec.overlay is OverlayMode.KV:
        if kv is None:
            yield Problem("hosts", "overlay kv needs a host with the kv role to run the key/value store",
                          "add a host with roles [kv] (the seed's login host), or set overlay: swarm")
        elif runs_slurm(kv[1]):
            yield Problem(f"hosts[{kv[0]}].roles", f"in kv mode the store's host '{kv[1].name}' must stay outside "
                          "the overlay: an engine that restarts before its own store never joins the overlay",
                          "give the kv role to a host of its own (the seed's login host)")
    elif kv is not None and spec.kv_store is KvStore.ETCD:
        yield Problem("kvStore", "etcd only serves kv mode's engines; in swarm mode the kv host runs Consul",
                      "set kvStore: consul, or remove the kv role from the stack")


def names_do_not_collide(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    """Containers share one overlay, where their names are their hostnames; Slurm and Docker keep
    some names for themselves."""
    node_names = {n.name for n in nodes}
    taken = (*SERVICE_CONTAINERS, "localhost")
    if spec.controller_name in taken:
        yield Problem("controllerName", f"'{spec.controller_name}' is the name of another container or host on "
                      "the overlay", f"use another controller name than {', '.join(taken)}")
    if spec.controller_name in node_names:
        yield Problem("controllerName", f"'{spec.controller_name}' is also a node name", "use another controller name")
    # a login container takes its host's name
    for i, host in enumerate(spec.hosts):
        if Role.LOGIN not in host.roles:
            continue
        if host.name in (*taken, spec.controller_name) or host.name in node_names:
            yield Problem(f"hosts[{i}].name", f"the login container of '{host.name}' takes the host's name, which "
                          "is also the name of another container on the overlay", "give the host another name")
    if spec.network.name in RESERVED_NETWORKS:
        yield Problem("network.name", f"'{spec.network.name}' is a network Docker (or swarm mode) keeps for itself",
                      "name the overlay otherwise, e.g. global")


def node_numbers_do_not_overlap(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for node in nodes:
        host = spec.hosts[node.host].name
        if node.name in seen:
            yield Problem(f"hosts[{node.host}].firstIndex", f"node '{node.name}' of host '{host}' is also a node of "
                          f"host '{seen[node.name]}'", "set firstIndex so that the hosts' node numbers do not overlap")
        seen.setdefault(node.name, host)
    if len(nodes) > spec.max_nodes:
        yield Problem("maxNodes", f"the stack declares {len(nodes)} nodes, more than maxNodes={spec.max_nodes}",
                      f"raise maxNodes to at least {len(nodes)}")


def partition_members(spec: StackSpec, nodes: list[PlannedNode]) -> dict[str, tuple[str, ...]]:
    """Each partition's nodes: a selector (all, even, odd by node number) or a list of names."""
    members = {}
    for partition in spec.partitions:
        if isinstance(partition.nodes, tuple):
            members[partition.name] = tuple(n.name for n in nodes if n.name in partition.nodes)
        else:
            parity = {"all": None, "even": 0, "odd": 1}[partition.nodes]
            members[partition.name] = tuple(n.name for n in nodes if parity is None or n.index % 2 == parity)
    return members


def partitions_are_usable(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    names = [n.name for n in nodes]
    members = partition_members(spec, nodes)
    seen: set[str] = set()
    for i, partition in enumerate(spec.partitions):
        if partition.name.lower() == "default":
            yield Problem(f"partitions[{i}].name", "Slurm reads a partition named DEFAULT as the defaults of every "
                          "partition", "give the partition another name")
        if partition.name in seen:
            yield Problem(f"partitions[{i}].name", f"partition '{partition.name}' is defined twice",
                          "rename or remove one")
        seen.add(partition.name)
        if isinstance(partition.nodes, tuple):
            for name in partition.nodes:
                if name not in names:
                    yield Problem(f"partitions[{i}].nodes", f"'{name}' is not a node of this stack "
                                  f"({', '.join(names[:6])}{'...' if len(names) > 6 else ''}){suggest(name, names)}",
                                  "name nodes of this stack, or use a selector: all, even, odd")
    defaults = [p for p in spec.partitions if p.default]
    if len(defaults) > 1:
        yield Problem("partitions", f"more than one default partition ({', '.join(p.name for p in defaults)})",
                      "mark exactly one partition default: true")
    default = defaults[0] if defaults else (spec.partitions[0] if spec.partitions else None)
    if default is not None and not members[default.name] and nodes:
        yield Problem("partitions", f"the default partition '{default.name}' has no node, so a job that names no "
                      "partition cannot run", "give it nodes, or make another partition the default")
    covered = {n for m in members.values() for n in m}
    idle = [n for n in names if n not in covered]
    if spec.partitions and idle:
        yield Problem("partitions", f"node(s) {', '.join(idle[:5])} are in no partition, so no job can run there",
                      "add them to a partition (e.g. one with nodes: all)")
    if not spec.partitions:
        yield Problem("partitions", "no partition is declared", "declare one, e.g. [{name: all, nodes: all}]")


def subnets_have_room(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    # on the overlay: every slurmd and login container, slurmctld, slurmdbd, MariaDB and slurmrestd,
    # and one address per engine for its endpoint; besides the network, broadcast and gateway addresses
    logins = len([h for h in spec.hosts if Role.LOGIN in h.roles])
    needed = len(nodes) + logins + 4 + len([h for h in spec.hosts if runs_slurm(h)]) + 3
    if spec.network.subnet.num_addresses < needed:
        yield Problem("network.subnet", f"{spec.network.subnet} has room for {spec.network.subnet.num_addresses - 3} "
                      f"addresses, and the overlay needs {needed - 3}",
                      f"use a /{_prefix_for(needed)} or larger")
    if spec.lab is not None:
        # lab hosts take .10 and up
        lab_needed = len(spec.hosts) + 11
        if spec.lab.subnet.num_addresses < lab_needed:
            yield Problem("lab.subnet", f"{spec.lab.subnet} has room for fewer than {len(spec.hosts)} lab hosts "
                          "(they take .10 and up)", f"use a /{_prefix_for(lab_needed)} or larger")
        if spec.lab.subnet.overlaps(spec.network.subnet):
            yield Problem("lab.subnet", f"{spec.lab.subnet} overlaps network.subnet {spec.network.subnet}",
                          "pick subnets that do not overlap")


def lab_ports_fit(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    if spec.lab is None:
        return
    last = spec.lab.port_base + len(spec.hosts) * LAB_PORTS_PER_HOST - 1
    if last > LAB_PORT_LIMIT:
        yield Problem("lab.portBase", f"{len(spec.hosts)} lab hosts take ports {spec.lab.port_base}..{last}, beyond "
                      f"{LAB_PORT_LIMIT}: above it, kernels pick the local ports of outgoing connections, and a "
                      "lab host could not publish a port one of them holds",
                      f"set lab.portBase to {LAB_PORT_LIMIT + 1 - len(spec.hosts) * LAB_PORTS_PER_HOST} or lower")


def _prefix_for(addresses: int) -> int:
    return 32 - math.ceil(math.log2(max(addresses, 2)))


def images_are_built_where_they_can_be(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    build_on = spec.images.build_on
    slurm_hosts = [h.name for h in spec.hosts if runs_slurm(h)]
    if build_on is not None and build_on != "local" and build_on not in slurm_hosts:
        yield Problem("images.buildOn", f"'{build_on}' is neither 'local' nor a host that runs Slurm"
                      f"{suggest(build_on, slurm_hosts)}",
                      "set it to the name of a controller/compute host" if spec.lab is None
                      else "set it to local or to the name of a controller/compute host")
    if build_on == "local" and spec.lab is None:
        controller = next((h.name for h in spec.hosts if Role.CONTROLLER in h.roles), "the controller")
        yield Problem("images.buildOn", "'local' builds on the engine of the machine running Pulumi, which would "
                      f"then push to the stack's registry on '{controller}' through TLS it does not trust",
                      f"build on a host: remove images.buildOn (it defaults to '{controller}') or name a "
                      "controller/compute host")


def consul_is_pulled_or_built(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    images = spec.images
    if images.build_consul and "consul" in images.model_fields_set:
        yield Problem("images.buildConsul", f"Consul is built from images/consul, yet images.consul names "
                      f"'{images.consul}' to pull", "remove one of images.consul and images.buildConsul")
    if images.build_consul and (spec.kv_store is not KvStore.CONSUL or not any(Role.KV in h.roles for h in spec.hosts)):
        yield Problem("images.buildConsul", "no Consul runs in this stack (it needs a host with the kv role and "
                      "kvStore: consul)", "remove images.buildConsul, or give a host the kv role with kvStore: consul")


# ---- users, login and shared file systems ----------------------------------------------------------

def primary_group(user: UserSpec) -> tuple[str | None, int]:
    """The user's primary group: a gid of `groups` (name None), or a group of their own."""
    return (None, user.gid) if user.gid is not None else (user.name, user.uid)


def home_of(user: UserSpec) -> str:
    return user.home or f"/home/{user.name}"


def users_and_groups_have_their_own_names_and_ids(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    """Each user, group and ID once; none taken from the images' own accounts; every group a user
    names declared."""
    names: dict[str, str] = {}  # user and group names share one namespace (a user's own group)
    for i, group in enumerate(spec.groups):
        key = f"groups[{i}]"
        if group.name in IMAGE_ACCOUNT_NAMES:
            yield Problem(f"{key}.name", f"'{group.name}' is a group of the images", "give the group another name")
        elif group.name in names:
            yield Problem(f"{key}.name", f"'{group.name}' is also {names[group.name]}", "give every group its own name")
        names.setdefault(group.name, f"the name of {key}")
    gids: dict[int, int] = {}
    for i, group in enumerate(spec.groups):
        gids.setdefault(group.gid, i)
    for i, group in enumerate(spec.groups):
        if gids[group.gid] != i:
            yield Problem(f"groups[{i}].gid", f"{group.gid} is also the gid of groups[{gids[group.gid]}]",
                          "give every group its own gid")
    declared = {g.name for g in spec.groups}
    uids: dict[int, int] = {}
    for i, user in enumerate(spec.users):
        key = f"users[{i}]"
        if user.name in IMAGE_ACCOUNT_NAMES:
            yield Problem(f"{key}.name", f"'{user.name}' is an account of the images", "give the user another name")
        elif user.name in names:
            yield Problem(f"{key}.name", f"'{user.name}' is also {names[user.name]}",
                          "give every user a name of their own (a user without gid gets a group of that name)")
        names.setdefault(user.name, f"the name of {key}")
        if user.uid in uids:
            yield Problem(f"{key}.uid", f"{user.uid} is also the uid of users[{uids[user.uid]}]",
                          "give every user their own uid")
        uids.setdefault(user.uid, i)
        if user.gid is None and user.uid in gids:
            yield Problem(f"{key}.gid", f"without gid, '{user.name}' gets a group of their own with gid {user.uid}, "
                          f"which is the gid of groups[{gids[user.uid]}]",
                          f"set gid: {user.uid} to make that group theirs, or give them another uid")
        if user.gid is not None and user.gid not in gids:
            yield Problem(f"{key}.gid", f"{user.gid} is the gid of no group in groups",
                          f"declare it in groups ({{name: ..., gid: {user.gid}}}) or leave gid out")
        for j, group in enumerate(user.groups):
            if group not in declared:
                yield Problem(f"{key}.groups[{j}]",
                              f"'{group}' is not a group of groups{suggest(group, sorted(declared))}",
                              "declare it in groups, or remove it from the user's groups")


def users_can_log_in(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    """Users log in to a login container with keys; a lab generates a key for a user without one."""
    if spec.users and not any(Role.LOGIN in h.roles for h in spec.hosts):
        yield Problem("users", "no host has the login role, so no user can log in",
                      "add login to the roles of a host (e.g. roles: [controller, compute, login])")
    owner: dict[str, str] = {}
    for i, user in enumerate(spec.users):
        if not user.ssh_keys and not is_lab(spec):
            yield Problem(f"users[{i}].sshKeys", f"'{user.name}' has no SSH public key, and logs in only with one",
                          "add the line of their ~/.ssh/id_ed25519.pub (a lab generates one)")
        for j, key in enumerate(user.ssh_keys):
            blob = key.split()[1]
            if blob in owner:
                yield Problem(f"users[{i}].sshKeys[{j}]", f"this key also logs in {owner[blob]}",
                              "give every user keys of their own")
            owner.setdefault(blob, user.name)


def homes_are_on_shared_file_systems(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    """A job runs in its owner's home on any node: the home must be the same on every host."""
    shared = [f.path for f in spec.shared_filesystems]
    homes: dict[str, str] = {}
    for i, user in enumerate(spec.users):
        home = home_of(user)
        if not any(home.startswith(f"{path}/") for path in shared):
            where = f"home {home}" if user.home else f"home {home} (the default)"
            parent = home.rsplit("/", 1)[0] or "/"
            yield Problem(f"users[{i}].home", f"{user.name}'s {where} is on no shared file system, so jobs on "
                          "other hosts would not see it", f"add sharedFilesystems: [{{path: {parent}}}] (a path "
                          "the site shares across the hosts), or set home under one")
        if home in homes:
            yield Problem(f"users[{i}].home", f"{home} is also the home of {homes[home]}",
                          "give every user their own home")
        homes.setdefault(home, user.name)


def shared_paths_can_be_mounted(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    """A shared path is mounted over the container's own: not over the system's directories, and not
    one inside another."""
    paths = [f.path for f in spec.shared_filesystems]
    for i, path in enumerate(paths):
        key = f"sharedFilesystems[{i}].path"
        system = next((p for p in SYSTEM_PATHS if path == p or path.startswith(f"{p}/")), None)
        if system is not None:
            yield Problem(key, f"{path} would cover the containers' own {system}",
                          "share a path outside the system's directories, such as /home, /srv or /scratch")
        for j, other in enumerate(paths[:i]):
            if path == other or path.startswith(f"{other}/") or other.startswith(f"{path}/"):
                yield Problem(key, f"{path} and sharedFilesystems[{j}] ({other}) are one inside the other",
                              "list each shared file system once, by its mount point")
            elif shared_path_slug(path) == shared_path_slug(other):
                yield Problem(key, f"{path} and {other} get one resource name ({shared_path_slug(path)})",
                              "rename one of the paths")
    if paths and not any({Role.LOGIN, Role.COMPUTE} & set(h.roles) for h in spec.hosts):
        yield Problem("sharedFilesystems", "no host mounts them (login and compute hosts do)",
                      "add a host with the login or compute role")


def shared_path_slug(path: str) -> str:
    """A shared path in resource names: /srv/apps -> srv-apps."""
    return path.strip("/").replace("/", "-").replace(".", "-").lower()


def accounts_are_declared(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    """Slurm associations come with accounting: every user in a declared account."""
    if not spec.accounting:
        if spec.accounts:
            yield Problem("accounts", "accounts are Slurm associations, which need accounting",
                          "set accounting: true, or remove accounts")
        for i, user in enumerate(spec.users):
            if user.account is not None:
                yield Problem(f"users[{i}].account", "accounts are Slurm associations, which need accounting",
                              "set accounting: true, or remove the user's account")
        return
    names = [a.name for a in spec.accounts] or [DEFAULT_ACCOUNT]
    for i, account in enumerate(spec.accounts):
        if account.name == "root":
            yield Problem(f"accounts[{i}].name", "root is Slurm's own account", "give the account another name")
        if names.index(account.name) != i:
            yield Problem(f"accounts[{i}].name", f"'{account.name}' is declared twice", "rename or remove one")
    for i, user in enumerate(spec.users):
        if user.account is not None and user.account not in names:
            yield Problem(f"users[{i}].account", f"'{user.account}' is not an account of accounts"
                          f"{suggest(user.account, names)}", "declare it in accounts, or use one that is")


def published_ports(spec: StackSpec) -> dict[int, str]:
    """Ports the stack's engines and containers take on a host, and what takes them."""
    ports = {SLURMCTLD_PORT: "slurmctld", SLURMD_PORT: "slurmd", SLURMDBD_PORT: "slurmdbd",
             SLURMRESTD_PORT: "slurmrestd", CONSUL_HTTP_PORT: "Consul", CONSUL_HTTPS_PORT: "Consul",
             ETCD_CLIENT_PORT: "etcd", ETCD_PEER_PORT: "etcd",
             ENGINE_ADVERTISE_PORT: "the engine", SWARM_PORT: "swarm mode", GOSSIP_PORT: "the overlay",
             VXLAN_PORT: "the overlay"}
    for host in spec.hosts:
        for slot in range(1, slurmds_of(host)):
            ports[SLURMRESTD_PORT + slot] = "a further slurmd"
    return ports


def the_login_port_is_free(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    port = spec.login.port
    taken = published_ports(spec)
    if port in taken:
        yield Problem("login.port", f"{port} is taken by {taken[port]}", "pick a free port, e.g. 2222")
    for host in spec.hosts:
        ssh_port = SSH_PORT if is_lab(spec) else (host.ssh_port or spec.ssh_port)
        if Role.LOGIN in host.roles and port == ssh_port:
            yield Problem("login.port", f"{port} is the port of the own sshd of host '{host.name}'",
                          "pick another port, e.g. 2222, so that the host's sshd keeps its own")


VALIDATORS: tuple[Validator, ...] = (
    hosts_have_their_own_names, hosts_have_their_own_addresses, lab_and_real_hosts_are_reached_as_they_can_be,
    dns_names_come_with_an_advertise_address, one_controller_and_compute_hosts, compute_hosts_run_slurmds,
    the_overlay_mode_has_its_store, names_do_not_collide, node_numbers_do_not_overlap, partitions_are_usable,
    subnets_have_room, lab_ports_fit, images_are_built_where_they_can_be, consul_is_pulled_or_built,
    users_and_groups_have_their_own_names_and_ids,
    users_can_log_in, homes_are_on_shared_file_systems, shared_paths_can_be_mounted, accounts_are_declared,
    the_login_port_is_free,
)
