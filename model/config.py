"""Stack config -> validated `Cluster`, or one `ConfigError` that lists every problem.

`parse_cluster` is pure: it takes the stack's config values as plain Python data (the loader in
`model.stack_config` reads them from Pulumi), checks them against the declared schema
(`model/schema.py`) and the named cross-field validators (`model/validators.py`), and either
returns the typed model or raises before any resource is registered. Each problem reads
`multihost-slurm:<key>: <problem>. Fix: <fix>`.
"""

from __future__ import annotations

import platform
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from model.cluster import (
    Account,
    Cluster,
    Group,
    Host,
    ImageSettings,
    KvStore,
    LabSettings,
    NetworkSettings,
    Node,
    OverlayMode,
    Partition,
    People,
    Role,
    Services,
    Store,
    User,
    kv_api_port,
)
from model.constants import (
    CONSUL_BUILT_IMAGE,
    DEFAULT_ACCOUNT,
    IMAGE_REPOSITORY,
    LAB_LOOPBACK,
    LAB_PORT_SLOTS,
    LAB_RELEASE_KV_CONSUL,
    LAB_RELEASE_KV_ETCD,
    LAB_RELEASE_SWARM,
    PROJECT,
    REGISTRY_PORT,
    SLURMRESTD_PORT,
    SSH_PORT,
)
from model.daemon_json import DaemonJsonProblems
from model.schema import ConfigProblem, StackSpec, suggest
from model.validators import VALIDATORS, Problem, home_of, partition_members, plan_nodes, primary_group


class ConfigError(Exception):
    """The stack config is unusable. The message lists every problem with its fix."""


@dataclass(frozen=True)
class SecretState:
    """What the loader saw of a secret key, without its value."""

    present: bool
    secret: bool
    looks_like_a_private_key: bool = True


def local_platform() -> str:
    """The platform of the machine running Pulumi (a lab's hosts run on its engine)."""
    machine = platform.machine().lower()
    return "linux/" + {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
                       "armv7l": "arm/v7"}.get(machine, machine)


# ---- problems from the schema ---------------------------------------------------------------------

def _key(loc: tuple[Any, ...]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema model whose fields a location's last key is one of."""
    model: Any = StackSpec
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        if field is None:
            return None
        model = _model_in(field.annotation)
        if model is None:
            return None
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


EXAMPLES = {
    "hosts": "list the hosts, e.g. [{name: node0, address: 10.0.0.10, roles: [controller, compute]}]",
    "partitions": "list the partitions, e.g. [{name: all, nodes: all, default: true}]",
}


def _schema_problems(error: ValidationError) -> Iterator[Problem]:
    for item in error.errors():
        loc, kind = tuple(item["loc"]), item["type"]
        key = _key(loc)
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, DaemonJsonProblems):
            for sub, problem in cause.problems:
                yield Problem(f"{key}.{sub}", problem.problem, problem.fix)
        elif isinstance(cause, ConfigProblem):
            yield Problem(key, cause.problem, cause.fix)
        elif kind == "extra_forbidden":
            model = _model_at(loc)
            known = [f.alias or n for n, f in model.model_fields.items()] if model else []
            if model is StackSpec:
                known.append("sshPrivateKey")
            yield Problem(key, f"unknown key{suggest(str(loc[-1]), known)}",
                          f"remove it or use one of: {', '.join(known)}")
        elif kind == "missing":
            yield Problem(key, "is missing", EXAMPLES.get(key, f"set {loc[-1]}"))
        elif kind == "too_short":
            yield Problem(key, f"no {loc[-1]} are configured" if loc[-1] == "hosts" else "is empty",
                          EXAMPLES.get(key, f"give {loc[-1]} at least one entry"))
        elif kind in ("list_type", "tuple_type"):
            yield Problem(key, f"expected a list, got {_kind_of(item['input'])}",
                          EXAMPLES.get(key, f"write {loc[-1]} as a list, e.g. [a, b]"))
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            parent = str(next((p for p in reversed(loc) if isinstance(p, str)), "it"))
            yield Problem(key, f"expected a mapping, got {_kind_of(item['input'])}",
                          EXAMPLES.get(parent, f"write {parent} as a mapping of its keys (see README.md)"))
        else:
            yield Problem(key, item["msg"], "see the configuration table in README.md")


def _kind_of(value: Any) -> str:
    return {str: "a string", dict: "a mapping", list: "a list", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), "nothing" if value is None else type(value).__name__)


def _secret_problems(ssh_key: SecretState, lab: bool) -> Iterator[Problem]:
    set_key = f"pulumi config set --secret {PROJECT}:sshPrivateKey < ~/.ssh/id_ed25519"
    if not ssh_key.present and not lab:
        yield Problem("sshPrivateKey", "no SSH private key is set; remote commands and ssh:// Docker connections "
                      "need one", f"{set_key}  (the matching public key must be in each host's authorized_keys)")
    if ssh_key.present and lab:
        yield Problem("sshPrivateKey", "lab stacks make their own SSH key for the lab hosts they create",
                      f"pulumi config rm {PROJECT}:sshPrivateKey")
    elif ssh_key.present and not ssh_key.secret:
        yield Problem("sshPrivateKey", "the key is stored in plain text in the stack file",
                      f"pulumi config rm {PROJECT}:sshPrivateKey, then set it again with --secret")
    elif ssh_key.present and not ssh_key.looks_like_a_private_key:
        yield Problem("sshPrivateKey", "the value is not a private key in OpenSSH or PEM form (the file begins "
                      "with -----BEGIN ... PRIVATE KEY-----)",
                      f"set the private key file, not the public one: {set_key}")


def parse_cluster(raw: Mapping[str, Any], *, project: str, stack: str, ssh_key: SecretState) -> Cluster:
    """Validate the stack config and build the model; raise ConfigError listing every problem."""
    problems: list[Problem] = []
    spec: StackSpec | None = None
    try:  # the SSH key is read apart, as a secret (model/stack_config.py)
        spec = StackSpec.model_validate({k: v for k, v in raw.items() if k != "sshPrivateKey"})
    except ValidationError as error:
        problems += _schema_problems(error)
    problems += _secret_problems(ssh_key, lab=raw.get("lab") is not None)
    if spec is not None:
        nodes = plan_nodes(spec)
        for validator in VALIDATORS:
            problems += validator(spec, nodes)
    if problems:
        count = len(problems)
        lines = [f"{PROJECT}:{p.key}: {p.problem}. Fix: {p.fix}" for p in problems]
        raise ConfigError(f"stack '{stack}': the config has {count} problem{'s' if count > 1 else ''}:\n  - "
                          + "\n  - ".join(lines))
    assert spec is not None
    return _build(spec, project=project, stack=stack)


# ---- the model ------------------------------------------------------------------------------------

def lab_release(spec: StackSpec) -> str:
    """The lab hosts' Debian release: the one whose docker.io runs the stack's overlay."""
    if spec.overlay is OverlayMode.SWARM:
        return LAB_RELEASE_SWARM
    return LAB_RELEASE_KV_CONSUL if spec.kv_store is KvStore.CONSUL else LAB_RELEASE_KV_ETCD


def lab_forwarded_ports(spec: StackSpec, lab: LabSettings, position: int) -> tuple[tuple[int, int], ...]:
    """What a lab host publishes on this machine's loopback address, the same on every lab host (so
    that giving a host a role replaces nothing): its sshd, and the ports the stack may publish on it."""
    inside = {"ssh": SSH_PORT, "login": spec.login.port, "rest": SLURMRESTD_PORT,
              "kv": kv_api_port(spec.kv_store, spec.kv_tls), "registry": REGISTRY_PORT}
    return tuple((inside[slot], lab.forwarded_port(position, slot)) for slot in LAB_PORT_SLOTS)


def _build(spec: StackSpec, *, project: str, stack: str) -> Cluster:
    nodes = plan_nodes(spec)
    members = partition_members(spec, nodes)
    default = next((p.name for p in spec.partitions if p.default), spec.partitions[0].name)
    partitions = tuple(Partition(p.name, members[p.name], p.name == default) for p in spec.partitions)
    is_lab = spec.lab is not None
    lab = LabSettings(spec.lab.subnet, lab_release(spec), spec.lab.port_base) if spec.lab is not None else None
    hosts = []
    for position, h in enumerate(spec.hosts):
        forwarded = lab_forwarded_ports(spec, lab, position) if lab is not None else ()
        address = LAB_LOOPBACK if lab is not None else h.address
        assert address is not None
        hosts.append(Host(
            name=h.name, address=address,
            ssh_port=dict(forwarded).get(SSH_PORT) or h.ssh_port or spec.ssh_port,
            ssh_user=h.ssh_user or spec.ssh_user,
            roles=frozenset(h.roles),
            advertise=lab.host_address(position) if lab is not None else h.advertise or address,
            node_names=tuple(n.name for n in nodes if n.host == position),
            forwarded=forwarded,
        ))
    kv_host = next((h for h in hosts if h.has(Role.KV)), None)
    controller = next(h for h in spec.hosts if Role.CONTROLLER in h.roles)
    build_on = spec.images.build_on or ("local" if is_lab else controller.name)
    services = Services(accounting=spec.accounting, rest_api=spec.rest_api, mpi=spec.mpi)
    return Cluster(
        project=project,
        stack=stack,
        cluster_name=spec.cluster_name,
        controller_name=spec.controller_name,
        overlay=spec.overlay,
        store=Store(spec.kv_store, kv_host, spec.kv_tls) if kv_host is not None else None,
        hosts=tuple(hosts),
        nodes=tuple(Node(n.name, spec.hosts[n.host].name, n.slot,
                         tuple(p.name for p in partitions if n.name in p.nodes)) for n in nodes),
        partitions=partitions,
        network=NetworkSettings(spec.network.name, spec.network.subnet),
        local_docker_host=spec.local_docker_host,
        lab=lab,
        images=ImageSettings(
            build_on=None if build_on == "local" else build_on,
            # lab hosts run on this machine's engine; real hosts are amd64 unless the stack says otherwise
            platform=spec.images.platform or (local_platform() if is_lab else "linux/amd64"),
            slurm_tag=spec.images.slurm_tag or f"{IMAGE_REPOSITORY}/slurm:24.11{'-mpi' if spec.mpi else ''}",
            consul_image=CONSUL_BUILT_IMAGE if spec.images.build_consul else spec.images.consul,
            consul_built=spec.images.build_consul, mariadb_tag=spec.images.mariadb_tag,
            etcd_tag=f"{IMAGE_REPOSITORY}/etcd:3.5", registry_tag=f"{IMAGE_REPOSITORY}/registry:2.8"),
        max_nodes=spec.max_nodes,
        readiness_timeout=spec.readiness_timeout,
        drain_timeout=spec.drain_timeout,
        munge_key_version=spec.munge_key_version,
        services=services,
        people=_people(spec),
        retain_data=spec.retain_data if spec.retain_data is not None else not is_lab,
        docker_daemon=dict(spec.docker_daemon),
    )


def _people(spec: StackSpec) -> People:
    accounts = tuple(Account(a.name, a.description) for a in spec.accounts) or (Account(DEFAULT_ACCOUNT, ""),)
    groups = [Group(g.name, g.gid, tuple(u.name for u in spec.users if g.name in u.groups)) for g in spec.groups]
    for user in spec.users:
        own, gid = primary_group(user)
        if own is not None:
            groups.append(Group(own, gid, ()))
    return People(
        users=tuple(User(name=u.name, uid=u.uid, gid=primary_group(u)[1], shell=u.shell, home=home_of(u),
                         ssh_keys=tuple(u.ssh_keys),
                         account=(u.account or accounts[0].name) if spec.accounting else None)
                    for u in spec.users),
        groups=tuple(groups),
        accounts=accounts if spec.accounting and spec.users else (),
        shared_paths=tuple(f.path for f in spec.shared_filesystems),
        login_port=spec.login.port,
        delete_homes=spec.delete_homes,
    )



