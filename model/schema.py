"""The stack config, declared: every key's type, range, choices and default (pydantic 2).

Pydantic checks each value where it stands, refusing unknown keys; `model/validators.py` then checks
the config as a whole (names that collide, a store its mode needs, ...), and `model/config.py` builds
the typed model from both. A value of the wrong kind fails with a `ConfigProblem` that says what is
wrong and how to fix it; nothing is coerced silently (`"yes"` is not a boolean, `true` is not a number).
Config values set with `pulumi config set` arrive as text: "8", "false" are read as the number and
the boolean they spell.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator
from pydantic.alias_generators import to_camel

from model.cluster import KvStore, OverlayMode, Role
from model.constants import (
    CONSUL_IMAGE,
    DEFAULT_ACCOUNT,
    IMAGE_REPOSITORY,
    LAB_PORT_BASE,
    LAB_PORT_LIMIT,
    LAB_PORTS_PER_HOST,
    LOGIN_PORT,
    LOGIN_SHELLS,
    PEOPLE_ID_MAX,
    PEOPLE_ID_MIN,
    SSH_PORT,
)

PLATFORMS = ("linux/amd64", "linux/arm64", "linux/arm/v7", "linux/ppc64le", "linux/s390x", "linux/riscv64")
NODE_SELECTORS = ("all", "even", "odd")
# Docker's own networks (and swarm's): an overlay of that name would clash with them
RESERVED_NETWORKS = ("ingress", "bridge", "host", "none", "docker_gwbridge")


class ConfigProblem(ValueError):
    """One problem with one value: what is wrong, and how to fix it."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}. Fix: {fix}")
        self.problem, self.fix = problem, fix


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if value is None:
        return "null (no value)"
    return f"a {type(value).__name__}" if isinstance(value, (dict, list)) else f"'{value}'"


# ---- scalar types ---------------------------------------------------------------------------------

def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigProblem(f"{_describe(value)} is not true or false", "set it to true or false")


Flag = Annotated[bool, PlainValidator(_flag)]


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def whole(low: int, high: int) -> Any:
    """A whole number from `low` to `high`; digits in text are that number, a boolean is not one."""

    def check(value: Any) -> int:
        number = _whole_number(value)
        if number is None:
            raise ConfigProblem(f"{_describe(value)} is not a whole number", f"set a number from {low} to {high}")
        if not low <= number <= high:
            raise ConfigProblem(f"{number} is out of range", f"set a number from {low} to {high}")
        return number

    return Annotated[int, PlainValidator(check), Field(json_schema_extra={"minimum": low, "maximum": high})]


def text(pattern: str, what: str, fix: str) -> Any:
    """A string matching `pattern`; anything else is not `what`."""
    compiled = re.compile(pattern)

    def check(value: Any) -> str:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise ConfigProblem(f"{_describe(value)} is not {what}", fix)
        return value

    return Annotated[str, PlainValidator(check)]


def choice(kind: type) -> Any:
    """One of an enum's values, with a "did you mean" for a near miss."""
    names = [m.value for m in kind]

    def check(value: Any) -> Any:
        if isinstance(value, str) and value in names:
            return kind(value)
        near = suggest(str(value), names) if isinstance(value, str) else ""
        raise ConfigProblem(f"{_describe(value)} is not one of {', '.join(names)}{near}",
                            f"set it to one of {', '.join(names)}")

    return Annotated[kind, PlainValidator(check)]


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DNS_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*")


def is_dns_name(value: str) -> bool:
    """A DNS name, and not a mistyped IPv4 address (all digits and dots)."""
    return bool(_DNS_NAME.fullmatch(value)) and not re.fullmatch(r"[\d.]+", value)


def _address(value: Any) -> str:
    if isinstance(value, str) and (is_ip_address(value.strip()) or is_dns_name(value.strip())):
        return value.strip()
    raise ConfigProblem(f"{_describe(value)} is neither an IP address nor a DNS name",
                        "give the address SSH reaches the host at, e.g. 10.0.0.11 or node1.example.org")


def _advertise(value: Any) -> str:
    if isinstance(value, str) and (is_ip_address(value) or (re.fullmatch(r"[A-Za-z0-9_.@-]{1,15}", value)
                                                     and not re.fullmatch(r"[\d.]+", value))):
        return value
    raise ConfigProblem(f"{_describe(value)} is neither an IP address nor an interface name",
                        "give the IP or network interface other hosts reach this one at, e.g. 10.0.0.11 or eth1")


def _subnet(value: Any) -> ipaddress.IPv4Network:
    why = "not text"
    if isinstance(value, str):
        try:
            return ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            why = str(exc)
    raise ConfigProblem(f"{_describe(value)} is not an IPv4 subnet ({why})", "use CIDR notation such as 10.20.0.0/16")


def _docker_host_url(value: Any) -> str:
    # a path, a host and port, or user@host[:port]: the engine this machine's Docker client uses
    if isinstance(value, str) and re.fullmatch(
            r"unix:///[A-Za-z0-9_./-]+|tcp://[A-Za-z0-9.-]+:\d{1,5}|ssh://([a-z_][a-z0-9_.-]*@)?[A-Za-z0-9.-]+(:\d{1,5})?",
            value):
        return value
    raise ConfigProblem(f"{_describe(value)} is not a Docker host URL",
                        "use unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host")


HostName = text(r"[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?", "a valid host name",
                "use 1-32 lowercase letters, digits or '-', starting and ending with a letter or digit")
ContainerName = text(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", "a valid host name",
                     "use lowercase letters, digits or '-', starting and ending with a letter or digit")
UserName = text(r"[a-z_][a-z0-9_.-]{0,31}", "a valid user name", "use the login name on that host")
ClusterName = text(r"[a-z][a-z0-9_]{0,39}", "a valid Slurm cluster name",
                   "use up to 40 lowercase letters, digits or '_', starting with a letter")
# a node's name is its container's hostname: prefix and number stay well under DNS's 63 characters
NodePrefix = text(r"[A-Za-z][A-Za-z0-9_-]{0,39}", "a valid start of a Slurm node name",
                  "start with a letter; use up to 40 letters, digits, '_' or '-'")
PartitionName = text(r"[A-Za-z][A-Za-z0-9_-]{0,39}", "a valid Slurm partition name",
                     "start with a letter; use letters, digits, '_' or '-'")
NetworkName = text(r"[a-z0-9][a-z0-9_.-]{0,62}", "a valid network name",
                   "use lowercase letters, digits, '_', '.' or '-'")
ImageRef = text(r"[a-z0-9][a-z0-9._/:@-]*", "an image reference", "use repository:tag in lowercase")
BuildOn = text(r"local|[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?", "local or a host name",
              "set it to local or to the name of a controller/compute host")
Address = Annotated[str, PlainValidator(_address)]
Advertise = Annotated[str, PlainValidator(_advertise)]
Subnet = Annotated[ipaddress.IPv4Network, PlainValidator(_subnet)]
DockerHostUrl = Annotated[str, PlainValidator(_docker_host_url)]


def _platform(value: Any) -> str:
    if isinstance(value, str) and value in PLATFORMS:
        return value
    raise ConfigProblem(f"{_describe(value)} is not a platform the images can be built for"
                        f"{suggest(str(value), PLATFORMS)}",
                        f"set it to the hosts' platform, one of {', '.join(PLATFORMS)}")


Platform = Annotated[str, PlainValidator(_platform)]

# ---- users ----------------------------------------------------------------------------------------

# adduser's NAME_REGEX: lowercase, starting with a letter; Slurm takes the same names
PersonName = text(r"[a-z][a-z0-9_-]{0,31}", "a valid user or group name",
                  "use up to 32 lowercase letters, digits, '_' or '-', starting with a letter")
AccountName = text(r"[a-z][a-z0-9_-]{0,39}", "a valid Slurm account name",
                   "use up to 40 lowercase letters, digits, '_' or '-', starting with a letter")
Description = text(r"[A-Za-z0-9 _.,:()/-]{0,100}", "a plain description",
                   "use up to 100 letters, digits, spaces and . , : ( ) / _ -")
PersonId = whole(PEOPLE_ID_MIN, PEOPLE_ID_MAX)
# each key type, and how many length-prefixed fields its public key has (RFC 4253 6.6, RFC 5656 3.1,
# RFC 8709 4, OpenSSH PROTOCOL.u2f): the type itself, then its numbers
SSH_KEY_TYPES = {"ssh-ed25519": 2, "ssh-rsa": 3, "ecdsa-sha2-nistp256": 3, "ecdsa-sha2-nistp384": 3,
                 "ecdsa-sha2-nistp521": 3, "sk-ssh-ed25519@openssh.com": 3, "sk-ecdsa-sha2-nistp256@openssh.com": 4}


def _ssh_wire_fields(blob: str) -> list[bytes] | None:
    """The length-prefixed fields of a public key in SSH's wire format; None unless the base64
    decodes and the fields use every byte."""
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return None
    fields, at = [], 0
    while at < len(raw):
        length = int.from_bytes(raw[at:at + 4], "big")
        if at + 4 + length > len(raw):
            return None
        fields.append(raw[at + 4:at + 4 + length])
        at += 4 + length
    return fields


def _ssh_public_key(value: Any) -> str:
    """One OpenSSH public key line: type, base64 key whose own type field agrees, optional comment."""
    fix = "give the line of the user's public key file (~/.ssh/id_ed25519.pub): ssh-ed25519 AAAA... comment"
    if not isinstance(value, str):
        raise ConfigProblem(f"{_describe(value)} is not an SSH public key", fix)
    if "PRIVATE KEY" in value:
        raise ConfigProblem("this is a private key, which must never leave its owner", fix)
    words = value.strip().split()
    if "\n" in value.strip() or len(words) < 2:
        raise ConfigProblem("an SSH public key is one line of type, key and comment", fix)
    kind, blob, comment = words[0], words[1], " ".join(words[2:])
    if kind not in SSH_KEY_TYPES:
        raise ConfigProblem(f"'{kind[:40]}' is not an SSH key type{suggest(kind, list(SSH_KEY_TYPES))} (options such "
                            "as from= are not taken)", fix)
    fields = _ssh_wire_fields(blob)
    if fields is None or len(fields) != SSH_KEY_TYPES[kind] or fields[0] != kind.encode() \
            or (kind == "ssh-ed25519" and len(fields[1]) != 32):
        raise ConfigProblem(f"the {kind} key's data is damaged (not the base64 of a {kind} key)", fix)
    if not re.fullmatch(r"[\x20-\x7e]*", comment):
        raise ConfigProblem("the key's comment has characters other than printable ASCII", fix)
    return f"{kind} {blob}{' ' + comment if comment else ''}"


SshPublicKey = Annotated[str, PlainValidator(_ssh_public_key)]
# file systems a container cannot take from its host at that path, and where job output has no place
SYSTEM_PATHS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/root", "/run",
                "/sbin", "/sys", "/tmp", "/usr", "/var")


def _absolute_path(value: Any) -> str:
    fix = "give an absolute path such as /home or /srv/apps"
    if not isinstance(value, str) or not re.fullmatch(r"(/[A-Za-z0-9._-]+)+", value):
        raise ConfigProblem(f"{_describe(value)} is not an absolute path of letters, digits, '.', '_' or '-'", fix)
    if any(part in (".", "..") for part in value.split("/")):
        raise ConfigProblem(f"'{value}' has . or .. in it", "write the path without . or ..")
    return value


AbsolutePath = Annotated[str, PlainValidator(_absolute_path)]


def _shell(value: Any) -> str:
    if isinstance(value, str) and value in LOGIN_SHELLS:
        return value
    raise ConfigProblem(f"{_describe(value)} is not a shell the Slurm image has",
                        f"use one of {', '.join(LOGIN_SHELLS)}")


Shell = Annotated[str, PlainValidator(_shell)]


def _node_selector(value: Any) -> str | tuple[str, ...]:
    if isinstance(value, str) and value in NODE_SELECTORS:
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigProblem(f"{_describe(value)} is neither all, even, odd nor a list of node names",
                        "use all, even, odd or a list such as [fd20_0, fd20_2]")


NodeSelector = Annotated[str | tuple[str, ...], PlainValidator(_node_selector)]


def _roles(value: Any) -> Any:
    if isinstance(value, str):
        raise ConfigProblem(f"roles is one role ({_describe(value)}), not a list", f"write roles: [{value}]")
    return value


# ---- the config's shape ---------------------------------------------------------------------------

class Spec(BaseModel):
    """Config keys in camelCase, unknown keys refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)


class HostSpec(Spec):
    name: HostName = Field(description="host name (lowercase, digits, `-`)")
    roles: Annotated[list[choice(Role)], BeforeValidator(_roles), Field(min_length=1)] = Field(
        description="any of `kv` (the key/value store; the seed's login host), `controller` (exactly one "
                    "host: slurmctld), `compute` (slurmd containers)")
    address: Address | None = Field(None, description="IP or DNS name SSH reaches the host at (required for "
                                                      "real hosts; lab hosts get one)")
    ssh_user: UserName | None = Field(None, description="the stack-wide `sshUser` for this host")
    ssh_port: whole(1, 65535) | None = Field(None, description="the stack-wide `sshPort` for this host")
    advertise: Advertise | None = Field(None, description="IP or interface the overlay advertises on (swarm "
                                                          "`--advertise-addr`, `cluster-advertise`); default: "
                                                          "`address`; required when `address` is a DNS name")
    slurmds: whole(0, 64) | None = Field(None, description="slurmd containers on this host (default 1 on "
                                                           "compute hosts)")
    first_index: whole(0, 999_999) | None = Field(
        None, description="number of this host's first node; pin it so that removing an earlier host renames "
                          "nothing (default: after the previous host's nodes)")


class PartitionSpec(Spec):
    name: PartitionName
    nodes: NodeSelector = "all"
    default: Flag = False


DEFAULT_PARTITIONS = (PartitionSpec(name="all", nodes="all", default=True), PartitionSpec(name="even", nodes="even"),
                      PartitionSpec(name="odd", nodes="odd"))


class NetworkSpec(Spec):
    name: NetworkName = "global"
    subnet: Subnet = ipaddress.IPv4Network("10.20.0.0/16")


class LabSpec(Spec):
    subnet: Subnet = ipaddress.IPv4Network("172.30.0.0/24")
    port_base: whole(1024, 65535) = Field(LAB_PORT_BASE, description="lab host i publishes its SSH port, the "
                                          "login port, the REST API's, the store's and the registry's on "
                                          f"127.0.0.1, from portBase + {LAB_PORTS_PER_HOST}*i on; all of them "
                                          f"at most {LAB_PORT_LIMIT}, below kernels' ephemeral ports")


class ImagesSpec(Spec):
    build_on: BuildOn | None = Field(None, description="where images are built: `local` or a host name")
    platform: Platform | None = None
    slurm_tag: ImageRef | None = None
    mariadb_tag: ImageRef = f"{IMAGE_REPOSITORY}/mariadb:11.8"
    consul: ImageRef = Field(CONSUL_IMAGE, description="the Consul image the kv host pulls")
    build_consul: Flag = Field(False, description="build Consul from images/consul (Debian bullseye's consul "
                               "1.8) instead of pulling `images.consul`: for hosts without a registry")


class GroupSpec(Spec):
    name: PersonName
    gid: PersonId


class UserSpec(Spec):
    name: PersonName
    uid: PersonId
    gid: PersonId | None = Field(None, description="primary group: a gid of `groups`; default: a group of the "
                                                   "user's own, named like the user, gid = uid")
    groups: list[PersonName] = Field(default_factory=list, description="further groups, by name, of `groups`")
    ssh_keys: list[SshPublicKey] = Field(default_factory=list, description="public keys that log the user in "
                                                                            "(a lab generates one where none is given)")
    shell: Shell = "/bin/bash"
    home: AbsolutePath | None = Field(None, description="default /home/<name>; on a shared file system")
    account: AccountName | None = Field(None, description=f"Slurm account; default: the first of `accounts` "
                                                          f"({DEFAULT_ACCOUNT} when none is declared)")


class AccountSpec(Spec):
    name: AccountName
    description: Description = ""


class SharedFilesystemSpec(Spec):
    path: AbsolutePath = Field(description="a path the site shares across the hosts (NFS, Lustre, ...), mounted "
                                           "at the same path in the login and slurmd containers")


class LoginSpec(Spec):
    port: whole(1, 65535) = Field(LOGIN_PORT, description="host port of the login containers' sshd")


def _known_daemon_keys(value: Any) -> dict[str, Any]:
    from model.daemon_json import check_daemon_json

    return check_daemon_json(value)


class StackSpec(Spec):
    """Every key of the stack config (README.md, "Configuration", says what each does)."""

    hosts: Annotated[list[HostSpec], Field(min_length=1)]
    overlay: choice(OverlayMode) = Field(OverlayMode.SWARM, description="`swarm` (Swarm mode, an attachable "
                                         "overlay) or `kv` (the seed's cluster-store overlay, Docker up to 22.x)")
    kv_store: choice(KvStore) = Field(KvStore.CONSUL, description="the store on the `kv` host: `consul` or "
                                      "`etcd` (`kv` mode only)")
    kv_tls: Flag = Field(True, description="the store's API over TLS, every client (engines, the catalog) with a "
                         "certificate from the stack's CA; false: plain HTTP that anyone reaching the port may use")
    cluster_name: ClusterName = Field("fd20", description="Slurm `ClusterName`")
    controller_name: ContainerName = Field("slurmctld", description="hostname and container name of slurmctld")
    node_prefix: NodePrefix = Field("fd20_", description="nodes are `<prefix><index>`")
    partitions: list[PartitionSpec] = Field(default_factory=lambda: list(DEFAULT_PARTITIONS))
    max_nodes: whole(1, 65533) = Field(1024, description="Slurm `MaxNodeCount` (nodes register dynamically)")
    ssh_user: UserName = Field("root", description="default SSH user of every host")
    ssh_port: whole(1, 65535) = Field(SSH_PORT, description="default SSH port of every host")
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    lab: LabSpec | None = None
    local_docker_host: DockerHostUrl = Field("unix:///var/run/docker.sock", description="this machine's Docker "
                                             "engine: lab hosts and local image builds")
    images: ImagesSpec = Field(default_factory=ImagesSpec)
    readiness_timeout: whole(10, 7200) = Field(300, description="seconds `pulumi up` waits for a ready cluster")
    drain_timeout: whole(0, 7 * 86400) = Field(600, description="seconds the jobs of a leaving (or, in a key "
                                               "rotation, every) node get to finish")
    munge_key_version: whole(1, 1_000_000) = Field(1, description="change it to rotate the munge key")
    docker_daemon: Annotated[dict[str, Any], PlainValidator(_known_daemon_keys)] = Field(default_factory=dict)
    accounting: Flag = Field(True, description="slurmdbd and MariaDB on the controller host")
    rest_api: Flag = Field(True, description="slurmrestd with JWT authentication on the controller host")
    mpi: Flag = Field(True, description="OpenMPI 5 with PMIx and mpi-hello in the Slurm image")
    users: list[UserSpec] = Field(default_factory=list)
    groups: list[GroupSpec] = Field(default_factory=list)
    accounts: list[AccountSpec] = Field(default_factory=list)
    login: LoginSpec = Field(default_factory=LoginSpec)
    shared_filesystems: list[SharedFilesystemSpec] = Field(default_factory=list)
    delete_homes: Flag = Field(False, description="delete a user's home when the user is removed or the stack "
                                                  "destroyed (default: homes are kept)")
    retain_data: Flag | None = Field(None, description="keep the accounting database's and slurmctld's state "
                                     "volumes when their containers go (pulumi destroy included): Pulumi's "
                                     "retainOnDelete; default: true for real hosts, false for a lab")


TOP_LEVEL_KEYS = (*(field.alias or name for name, field in StackSpec.model_fields.items()), "sshPrivateKey")
