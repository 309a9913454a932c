"""The stack config's cross-field rules, each a named validator.

They run once every value has its type (model/schema.py), over the whole config and the nodes it
declares, and each yields a `Problem` per thing it finds wrong: the key, what is wrong, how to fix
it. `model/config.py` runs them all, so that one error lists every problem.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from model.cluster import KvStore, OverlayMode, Role
from model.constants import SERVICE_CONTAINERS, SSH_PORT
from model.schema import RESERVED_NETWORKS, HostSpec, StackSpec, is_dns_name, is_ip_address, suggest

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
    return bool({Role.CONTROLLER, Role.COMPUTE} & set(host.roles))


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
        if is_lab(spec) and spec.kv_store is KvStore.CONSUL:
            yield Problem("kvStore", "lab hosts run Debian's docker.io 20.10, built without the Consul backend "
                          "(dockerd fails with 'discovery service not supported')",
                          "set kvStore: etcd for a kv-mode lab, or use real hosts with upstream Docker 20.10-22.x")
    else:
        if kv is not None and spec.kv_store is KvStore.ETCD:
            yield Problem("kvStore", "etcd only serves kv mode's engines; in swarm mode the kv host runs Consul",
                          "set kvStore: consul, or remove the kv role from the stack")
        if kv is not None and runs_slurm(kv[1]):
            yield Problem(f"hosts[{kv[0]}].roles", f"the kv host '{kv[1].name}' runs Slurm too: its engine would "
                          "be reached by two Docker providers of one name", "give the kv role to a host of its own")


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
    # on the overlay: every slurmd, slurmctld, slurmdbd, MariaDB and slurmrestd, and one address per
    # engine for its endpoint; besides the network, broadcast and gateway addresses
    needed = len(nodes) + 4 + len([h for h in spec.hosts if runs_slurm(h)]) + 3
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


def _prefix_for(addresses: int) -> int:
    return 32 - math.ceil(math.log2(max(addresses, 2)))


def images_are_built_where_they_can_be(spec: StackSpec, nodes: list[PlannedNode]) -> Iterator[Problem]:
    build_on = spec.images.build_on
    slurm_hosts = [h.name for h in spec.hosts if runs_slurm(h)]
    if build_on is not None and build_on != "local" and build_on not in slurm_hosts:
        yield Problem("images.buildOn", f"'{build_on}' is neither 'local' nor a host that runs Slurm"
                      f"{suggest(build_on, slurm_hosts)}",
                      "set it to local or to the name of a controller/compute host")


VALIDATORS: tuple[Validator, ...] = (
    hosts_have_their_own_names, hosts_have_their_own_addresses, lab_and_real_hosts_are_reached_as_they_can_be,
    dns_names_come_with_an_advertise_address, one_controller_and_compute_hosts, compute_hosts_run_slurmds,
    the_overlay_mode_has_its_store, names_do_not_collide, node_numbers_do_not_overlap, partitions_are_usable,
    subnets_have_room, images_are_built_where_they_can_be,
)
