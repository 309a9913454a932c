"""Stack config -> model: the seed's defaults, and one clear error for every kind of bad input."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from model.cluster import KvStore, OverlayMode, Role
from model.config import ConfigError, SecretState, parse_cluster

KEY = SecretState(present=True, secret=True)
NO_KEY = SecretState(present=False, secret=False)

SEED: dict[str, Any] = {
    "hosts": [
        {"name": "login", "address": "10.0.0.5", "roles": ["kv"]},
        {"name": "node0", "address": "10.0.0.10", "roles": ["controller", "compute"]},
        {"name": "node1", "address": "10.0.0.11", "roles": ["compute"]},
        {"name": "node2", "address": "10.0.0.12", "roles": ["compute"]},
    ],
}
ALICE_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOHS9Bg2KLId3H08gIB5+41NHwEArwWJhmmhqwGKhpes alice@laptop"
BOB_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM+4YY/gWKK3/OgAzCgD+5IlXj+WpDQsPKdFlLVHfil8 bob@desk"
# the seed's hosts with users: a login container on the login host, homes on a shared /home
PEOPLE: dict[str, Any] = {
    "hosts": [{**SEED["hosts"][0], "roles": ["kv", "login"]}, *SEED["hosts"][1:]],
    "groups": [{"name": "physics", "gid": 3000}],
    "users": [{"name": "alice", "uid": 2001, "gid": 3000, "sshKeys": [ALICE_KEY]},
              {"name": "bob", "uid": 2002, "groups": ["physics"], "sshKeys": [BOB_KEY], "shell": "/bin/sh"}],
    "sharedFilesystems": [{"path": "/home"}],
}
LAB: dict[str, Any] = {"lab": {}, "hosts": [{k: v for k, v in h.items() if k != "address"} for h in SEED["hosts"]]}


def parse(raw: dict[str, Any], key: SecretState = KEY):
    return parse_cluster(raw, project="multihost-slurm", stack="test", ssh_key=key)


def problems_of(raw: dict[str, Any], key: SecretState = KEY) -> str:
    with pytest.raises(ConfigError) as caught:
        parse(raw, key)
    return str(caught.value)


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(base)
    raw.update(changes)
    return raw


def test_seed_defaults() -> None:
    cluster = parse(SEED)
    assert cluster.overlay is OverlayMode.SWARM
    assert cluster.store is not None and cluster.store.kind is KvStore.CONSUL
    assert cluster.cluster_name == "fd20"
    assert [n.name for n in cluster.nodes] == ["fd20_0", "fd20_1", "fd20_2"]
    assert [(n.name, n.host) for n in cluster.nodes] == [("fd20_0", "node0"), ("fd20_1", "node1"), ("fd20_2", "node2")]
    assert {p.name: p.nodes for p in cluster.partitions} == {
        "all": ("fd20_0", "fd20_1", "fd20_2"), "even": ("fd20_0", "fd20_2"), "odd": ("fd20_1",)}
    assert [p.name for p in cluster.partitions if p.default] == ["all"]
    assert cluster.controller.name == "node0"
    assert cluster.store.host.name == "login"
    assert [h.name for h in cluster.overlay_hosts] == ["node0", "node1", "node2"]


def test_node_features_name_their_partitions() -> None:
    nodes = {n.name: n.partitions for n in parse(SEED).nodes}
    assert nodes == {"fd20_0": ("all", "even"), "fd20_1": ("all", "odd"), "fd20_2": ("all", "even")}


def test_several_slurmds_per_host_and_pinned_indices() -> None:
    raw = with_(SEED)
    raw["hosts"][1]["slurmds"] = 2
    raw["hosts"][3]["firstIndex"] = 10
    cluster = parse(raw)
    assert [(n.name, n.host, n.slot) for n in cluster.nodes] == [
        ("fd20_0", "node0", 0), ("fd20_1", "node0", 1), ("fd20_2", "node1", 0), ("fd20_10", "node2", 0)]


def test_custom_partitions_and_prefix() -> None:
    raw = with_(SEED, nodePrefix="c", partitions=[{"name": "debug", "nodes": ["c0"]},
                                                  {"name": "batch", "nodes": "all", "default": True}])
    cluster = parse(raw)
    assert {p.name: (p.nodes, p.default) for p in cluster.partitions} == {
        "debug": (("c0",), False), "batch": (("c0", "c1", "c2"), True)}


def test_first_partition_is_default_when_none_is_marked() -> None:
    cluster = parse(with_(SEED, partitions=[{"name": "a", "nodes": "all"}, {"name": "b", "nodes": "odd"}]))
    assert [p.default for p in cluster.partitions] == [True, False]


def test_lab_hosts_are_reached_on_loopback_ports_and_reach_each_other_on_the_lab_subnet() -> None:
    cluster = parse(LAB, NO_KEY)
    assert cluster.lab is not None and cluster.lab.debian_release == "trixie"
    assert [h.join_address for h in cluster.hosts] == ["172.30.0.10", "172.30.0.11", "172.30.0.12", "172.30.0.13"]
    assert {h.address for h in cluster.hosts} == {"127.0.0.1"}
    assert [h.ssh_port for h in cluster.hosts] == [12200, 12210, 12220, 12230]
    first = cluster.hosts[0]
    assert first.forwarded == ((22, 12200), (2222, 12201), (6820, 12202), (8501, 12203), (5000, 12204))
    assert first.port(6820) == 12202 and first.port(6817) == 6817  # only what the lab publishes
    assert cluster.images.build_on is None
    moved = parse(with_(LAB, lab={"portBase": 20000}, kvTls=False, login={"port": 2200}), NO_KEY).hosts[1]
    assert moved.forwarded == ((22, 20010), (2200, 20011), (6820, 20012), (8500, 20013), (5000, 20014))
    physical = parse(SEED)
    assert all(h.port(22) == 22 and h.port(6820) == 6820 for h in physical.hosts)


@pytest.mark.parametrize("port_base", [32740, 42200, 65500])
def test_lab_ports_stay_below_the_kernels_ephemeral_ports(port_base: int) -> None:
    # an outgoing connection may hold any port from 32768 up (Linux from 32768, macOS and Windows
    # from 49152): a lab host publishing one would fail to start
    last = port_base + 39
    assert problems_of(with_(LAB, lab={"portBase": port_base}), NO_KEY).endswith(
        f"multihost-slurm:lab.portBase: 4 lab hosts take ports {port_base}..{last}, beyond 32767: above it, "
        "kernels pick the local ports of outgoing connections, and a lab host could not publish a port one of "
        "them holds. Fix: set lab.portBase to 32728 or lower")
    assert parse(with_(LAB, lab={"portBase": 32728}), NO_KEY).hosts[-1].port(5000) == 32762


def test_kv_lab_runs_docker_20_10_hosts() -> None:
    cluster = parse(with_(LAB, overlay="kv", kvStore="etcd"), NO_KEY)
    assert cluster.lab is not None and cluster.lab.debian_release == "bookworm"
    assert cluster.store is not None and cluster.store.kind is KvStore.ETCD


def test_the_seeds_kv_lab_runs_bullseyes_engines_with_the_consul_backend() -> None:
    cluster = parse(with_(LAB, overlay="kv"), NO_KEY)
    assert cluster.lab is not None and cluster.lab.debian_release == "bullseye"
    assert cluster.store is not None and cluster.store.kind is KvStore.CONSUL
    assert (cluster.images.consul_image, cluster.images.consul_built) == ("hashicorp/consul:1.22", False)


def test_consul_is_built_on_request() -> None:
    cluster = parse(with_(LAB, overlay="kv", images={"buildConsul": True}), NO_KEY)
    assert (cluster.images.consul_image, cluster.images.consul_built) == ("multihost-slurm/consul:1.8", True)


def test_swarm_without_kv_host_has_no_store() -> None:
    raw = with_(SEED)
    raw["hosts"] = raw["hosts"][1:]
    cluster = parse(raw)
    assert cluster.store is None


def test_physical_images_build_on_the_controller_by_default() -> None:
    assert parse(SEED).images.build_on == "node0"


def test_dns_name_with_advertise_is_accepted() -> None:
    raw = with_(SEED)
    raw["hosts"][2].update(address="node1.example.org", advertise="eth1")
    host = parse(raw).host("node1")
    assert (host.address, host.advertise) == ("node1.example.org", "eth1")


def test_the_kv_host_may_run_slurm_in_swarm_mode() -> None:
    raw = with_(SEED)
    raw["hosts"][0]["roles"] = ["kv", "login"]  # the seed's login host, with a login container
    cluster = parse(raw)
    assert cluster.store is not None and cluster.store.host.name == "login"
    assert [h.name for h in cluster.overlay_hosts] == ["login", "node0", "node1", "node2"]
    assert [h.name for h in cluster.login_hosts] == ["login"]


def _host_change(index: int, **changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(SEED)
    raw["hosts"][index].update(changes)
    return raw


BAD_INPUTS = [
    ("duplicate host names", _host_change(2, name="node0"), "hosts[2].name", "give every host its own name"),
    ("duplicate addresses", _host_change(2, address="10.0.0.10"), "hosts[2].address", "its own address"),
    ("unknown role", _host_change(2, roles=["worker"]), "hosts[2].roles[0]", "'worker' is not one of"),
    ("no controller", _host_change(1, roles=["compute"]), "hosts:", "no host has the controller role"),
    ("two controllers", _host_change(2, roles=["controller", "compute"]), "hosts:", "more than one controller"),
    ("no compute host", {"hosts": [{"name": "a", "address": "10.0.0.1", "roles": ["controller"]}]},
     "hosts:", "no host has the compute role"),
    ("partition names an unknown node", with_(SEED, partitions=[{"name": "p", "nodes": ["fd20_9"]}]),
     "partitions[0].nodes", "'fd20_9' is not a node"),
    ("partition with a bad selector", with_(SEED, partitions=[{"name": "p", "nodes": "evens"}]),
     "partitions[0].nodes", "neither all, even, odd"),
    ("kv mode without kv host", {**with_(SEED, overlay="kv", kvStore="etcd"), "hosts": SEED["hosts"][1:]},
     "hosts:", "overlay kv needs a host with the kv role"),
    ("kv store inside the overlay", with_(_host_change(0, roles=["kv", "compute"]), overlay="kv"),
     "hosts[0].roles", "must stay outside the overlay"),
    ("invalid address", _host_change(1, address="10.0.0.300"), "hosts[1].address", "neither an IP address"),
    ("invalid port", _host_change(1, sshPort=70000), "hosts[1].sshPort", "out of range"),
    ("port not a number", with_(SEED, sshPort="ssh"), "sshPort:", "not a whole number"),
    ("physical host without address", _host_change(1, address=None), "hosts[1].address", "has no address"),
    ("unknown overlay", with_(SEED, overlay="swarmm"), "overlay:", "did you mean 'swarm'"),
    ("unknown kv store", with_(SEED, kvStore="zookeeper"), "kvStore:", "one of consul, etcd"),
    ("unknown top-level key", with_(SEED, hostz=[]), "hostz:", "did you mean 'hosts'"),
    ("unknown host key", _host_change(1, adress="10.0.0.1"), "hosts[1].adress", "did you mean 'address'"),
    ("no hosts", {"hosts": []}, "hosts:", "no hosts are configured"),
    ("consul both pulled and built", with_(SEED, images={"consul": "hashicorp/consul:1.21", "buildConsul": True}),
     "images.buildConsul:", "remove one of images.consul and images.buildConsul"),
    ("consul built for etcd", with_(SEED, overlay="kv", kvStore="etcd", images={"buildConsul": True}),
     "images.buildConsul:", "no Consul runs in this stack"),
    ("consul built without kv host", {**with_(SEED, images={"buildConsul": True}), "hosts": SEED["hosts"][1:]},
     "images.buildConsul:", "give a host the kv role"),
    ("consul build not a flag", with_(SEED, images={"buildConsul": "yes please"}), "images.buildConsul:",
     "true or false"),
    ("etcd in swarm mode", with_(SEED, kvStore="etcd"), "kvStore:", "etcd only serves kv mode"),
    ("lab host with an address", {**LAB, "hosts": SEED["hosts"]}, "hosts[0].address", "lab hosts get their address"),
    ("bad cluster name", with_(SEED, clusterName="Big Cluster"), "clusterName:", "not a valid Slurm cluster name"),
    ("bad subnet", with_(SEED, network={"subnet": "10.20.0.1/16"}), "network.subnet:", "not an IPv4 subnet"),
    ("too many nodes", with_(SEED, maxNodes=2), "maxNodes:", "raise maxNodes to at least 3"),
    ("overlapping node numbers", _host_change(2, firstIndex=0), "hosts[2].firstIndex", "do not overlap"),
    ("node in no partition", with_(SEED, partitions=[{"name": "p", "nodes": "even"}]), "partitions:",
     "fd20_1 are in no partition"),
    ("two default partitions", with_(SEED, partitions=[{"name": "a", "default": True}, {"name": "b", "default": True}]),
     "partitions:", "more than one default"),
    ("build on an unknown host", with_(SEED, images={"buildOn": "node9"}), "images.buildOn:", "neither 'local' nor"),
    ("build real hosts' images locally", with_(SEED, images={"buildOn": "local"}), "images.buildOn:",
     "through TLS it does not trust"),
    ("compute host with no slurmd", _host_change(2, slurmds=0), "hosts[2].slurmds", "at least one slurmd"),
    ("dns address without advertise", _host_change(2, address="node1.example.org"), "hosts[2].advertise",
     "set advertise"),
]


BAD_INPUTS += [
    # names that collide
    ("two kv hosts", _host_change(1, roles=["kv", "controller", "compute"]), "hosts:",
     "more than one host has the kv role"),
    ("host named like the local engine's provider", _host_change(2, name="local"), "hosts[2].name",
     "names one of the stack's own resources"),
    *((f"controller named {name}", with_(SEED, controllerName=name), "controllerName",
       "the name of another container or host") for name in ("mariadb", "slurmdbd", "slurmrestd", "consul", "etcd",
                                                             "localhost")),
    ("partition named default", with_(SEED, partitions=[{"name": "default", "nodes": "all"}]), "partitions[0].name",
     "Slurm reads a partition named DEFAULT"),
    ("partition named DEFAULT", with_(SEED, partitions=[{"name": "DEFAULT", "nodes": "all"}]), "partitions[0].name",
     "Slurm reads a partition named DEFAULT"),
    ("overlay named ingress", with_(SEED, network={"name": "ingress"}), "network.name", "keeps for itself"),
    ("overlay named bridge", with_(SEED, network={"name": "bridge"}), "network.name", "keeps for itself"),
    # values passed to shells and daemons
    ("shell in localDockerHost", with_(SEED, localDockerHost="unix:///var/run/docker.sock; rm -rf ~"),
     "localDockerHost:", "not a Docker host URL"),
    ("command substitution in localDockerHost", with_(SEED, localDockerHost="tcp://$(reboot):2375"),
     "localDockerHost:", "not a Docker host URL"),
    ("unknown daemon.json key", with_(SEED, dockerDaemon={"log-levle": "warn"}), "dockerDaemon.log-levle",
     "did you mean 'log-level'"),
    ("daemon.json value of the wrong kind", with_(SEED, dockerDaemon={"debug": "yes"}), "dockerDaemon.debug",
     "is not true or false"),
    ("daemon.json number as text", with_(SEED, dockerDaemon={"mtu": "1450"}), "dockerDaemon.mtu",
     "not a whole number"),
    ("daemon.json log level", with_(SEED, dockerDaemon={"log-level": "verbose"}), "dockerDaemon.log-level",
     "not a log level"),
    ("daemon.json as a list", with_(SEED, dockerDaemon=["debug"]), "dockerDaemon:", "expected a mapping"),
    ("interface that is a mistyped IP", _host_change(2, advertise="10.0.0.256"), "hosts[2].advertise",
     "neither an IP address nor an interface name"),
    ("DNS name for Consul's host", _host_change(0, address="login.example.org"), "hosts[0].advertise",
     "Consul on 'login' advertises an IP address"),
    ("two hosts advertising one address", _host_change(3, advertise="10.0.0.11"), "hosts[3].advertise",
     "is also what hosts[2] advertises"),
    # values that were silently coerced or ignored
    ("partition default yes", with_(SEED, partitions=[{"name": "a", "nodes": "all", "default": "yes"}]),
     "partitions[0].default", "'yes' is not true or false"),
    ("default partition without nodes", with_(SEED, partitions=[
        {"name": "empty", "nodes": [], "default": True}, {"name": "all", "nodes": "all"}]), "partitions:",
     "the default partition 'empty' has no node"),
    ("node prefix null", with_(SEED, nodePrefix=None), "nodePrefix:", "null (no value) is not"),
    ("node prefix too long", with_(SEED, nodePrefix="n" * 60), "nodePrefix:", "use up to 40 letters"),
    ("overlay subnet too small", with_(SEED, network={"subnet": "10.20.0.0/29"}), "network.subnet:",
     "use a /28 or larger"),
    ("sshUser on a lab stack", with_(LAB, sshUser="admin"), "sshUser:", "lab hosts take SSH as root on port 22"),
    ("sshPort on a lab stack", with_(LAB, sshPort=2222), "sshPort:", "lab hosts take SSH as root on port 22"),
    ("sshPort on a lab host", {**LAB, "hosts": [dict(LAB["hosts"][0]), {**LAB["hosts"][1], "sshPort": 2222},
                                                *LAB["hosts"][2:]]}, "hosts[1].sshPort", "lab hosts take SSH"),
    # unclear errors made clear
    ("hosts as a string", with_(SEED, hosts="node0"), "hosts:", "expected a list, got a string"),
    ("hosts as a mapping", with_(SEED, hosts={"name": "node0"}), "hosts:", "expected a list, got a mapping"),
    ("a host as a string", with_(SEED, hosts=["node0"]), "hosts[0]:", "expected a mapping, got a string"),
    ("roles as one role", _host_change(2, roles="compute"), "hosts[2].roles", "write roles: [compute]"),
    ("a boolean for a number", with_(SEED, maxNodes=True), "maxNodes:", "true is not a whole number"),
    ("a fraction for a number", with_(SEED, readinessTimeout=1.5), "readinessTimeout:", "not a whole number"),
    ("a number for a name", with_(SEED, clusterName=12), "clusterName:", "'12' is not a valid Slurm cluster name"),
    ("lab subnet with no room", with_(LAB, lab={"subnet": "172.30.0.0/29"}), "lab.subnet:", "use a /28 or larger"),
    ("unknown lab key", with_(LAB, lab={"net": "172.30.0.0/24"}), "lab.net", "unknown key"),
    ("unknown images key", with_(SEED, images={"slurmtag": "x:1"}), "images.slurmtag", "did you mean 'slurmTag'"),
    ("unknown platform", with_(SEED, images={"platform": "linux/x86"}), "images.platform:", "one of linux/amd64"),
    ("a host without roles", _host_change(2, roles=[]), "hosts[2].roles", "at least one"),
    ("a host without a name", {"hosts": [{"address": "10.0.0.1", "roles": ["controller", "compute"]}]},
     "hosts[0].name", "is missing"),
    ("duplicate partitions", with_(SEED, partitions=[{"name": "a"}, {"name": "a"}]), "partitions[1].name",
     "defined twice"),
]




def _people(**changes: Any) -> dict[str, Any]:
    return with_(PEOPLE, **changes)


def _user(index: int, **changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(PEOPLE)
    raw["users"][index].update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del raw["users"][index][key]
    return raw


BAD_INPUTS += [
    # users and groups: names and IDs of their own, none of the images'
    ("two users of one name", _user(1, name="alice"), "users[1].name", "'alice' is also the name of users[0]"),
    ("two users of one uid", _user(1, uid=2001), "users[1].uid", "2001 is also the uid of users[0]"),
    ("a system uid", _user(0, uid=999), "users[0].uid", "999 is out of range"),
    ("root's uid", _user(0, uid=0), "users[0].uid", "0 is out of range"),
    ("nobody's uid", _user(0, uid=65534), "users[0].uid", "65534 is out of range"),
    *((f"a user named {name}", _user(0, name=name), "users[0].name", "is an account of the images")
      for name in ("root", "slurm", "munge", "slurmrest", "nobody", "sshd")),
    ("a group named like the image's", _people(groups=[{"name": "users", "gid": 3000}]), "groups[0].name",
     "'users' is a group of the images"),
    ("two groups of one gid", _people(groups=[{"name": "physics", "gid": 3000}, {"name": "chem", "gid": 3000}]),
     "groups[1].gid", "3000 is also the gid of groups[0]"),
    ("a group named like a user", _people(groups=[{"name": "physics", "gid": 3000}, {"name": "bob", "gid": 3001}]),
     "users[1].name", "'bob' is also the name of groups[1]"),
    ("a gid no group has", _user(0, gid=3999), "users[0].gid", "3999 is the gid of no group in groups"),
    ("a user's own group on a declared gid", _user(1, uid=3000), "users[1].gid",
     "gets a group of their own with gid 3000, which is the gid of groups[0]"),
    ("an undeclared further group", _user(1, groups=["physic"]), "users[1].groups[0]", "did you mean 'physics'"),
    ("a user name in capitals", _user(0, name="Alice"), "users[0].name", "not a valid user or group name"),
    ("a user name that starts with a digit", _user(0, name="1alice"), "users[0].name", "not a valid user"),
    ("a shell the image has not", _user(0, shell="/bin/zsh"), "users[0].shell", "use one of /bin/bash, /bin/sh"),
    ("users as a mapping", _people(users={"alice": {"uid": 2001}}), "users:", "expected a list, got a mapping"),
    ("a user without uid", _user(0, uid=None), "users[0].uid", "is missing"),
    # SSH keys: public, well formed, a user's own
    ("a private key for a public one", _user(0, sshKeys=["-----BEGIN OPENSSH PRIVATE KEY----- b3Blbn"]),
     "users[0].sshKeys[0]", "this is a private key"),
    ("a key of no known type", _user(0, sshKeys=["ssh-foo AAAA alice"]), "users[0].sshKeys[0]",
     "'ssh-foo' is not an SSH key type"),
    ("a key with options", _user(0, sshKeys=['from="10.0.0.1" ' + ALICE_KEY]), "users[0].sshKeys[0]",
     "options such as from= are not taken"),
    ("a damaged key", _user(0, sshKeys=[ALICE_KEY.replace("AAAAIOHS", "AAAAIOXX")[:60]]), "users[0].sshKeys[0]",
     "the ssh-ed25519 key's data is damaged"),
    ("a key whose type and data disagree", _user(0, sshKeys=["ssh-rsa " + ALICE_KEY.split()[1]]),
     "users[0].sshKeys[0]", "the ssh-rsa key's data is damaged"),
    ("a key as a string", _user(0, sshKeys=ALICE_KEY), "users[0].sshKeys", "expected a list, got a string"),
    ("one key for two users", _user(1, sshKeys=[ALICE_KEY]), "users[1].sshKeys[0]", "this key also logs in alice"),
    ("a user without a key on real hosts", _user(0, sshKeys=None), "users[0].sshKeys",
     "'alice' has no SSH public key"),
    ("users and no login host", {**PEOPLE, "hosts": SEED["hosts"]}, "users:", "no host has the login role"),
    # homes and shared file systems
    ("homes on no shared file system", _people(sharedFilesystems=[]), "users[0].home",
     "alice's home /home/alice (the default) is on no shared file system"),
    ("a home outside the shared paths", _user(0, home="/data/alice"), "users[0].home", "on no shared file system"),
    ("two users with one home", _user(1, home="/home/alice"), "users[1].home", "is also the home of alice"),
    ("a relative home", _user(0, home="home/alice"), "users[0].home", "not an absolute path"),
    ("a home with ..", _user(0, home="/home/../etc"), "users[0].home", "has . or .. in it"),
    *((f"sharing {path}", _people(sharedFilesystems=[{"path": "/home"}, {"path": path}]),
       "sharedFilesystems[1].path", "would cover the containers' own") for path in ("/etc", "/usr/local", "/var/lib/x",
                                                                                    "/tmp")),
    ("sharing /", _people(sharedFilesystems=[{"path": "/"}]), "sharedFilesystems[0].path", "not an absolute path"),
    ("shared paths one inside the other", _people(sharedFilesystems=[{"path": "/home"}, {"path": "/home/apps"}]),
     "sharedFilesystems[1].path", "are one inside the other"),
    ("a shared path twice", _people(sharedFilesystems=[{"path": "/home"}, {"path": "/home"}]),
     "sharedFilesystems[1].path", "are one inside the other"),
    ("shared paths of one resource name", _people(sharedFilesystems=[{"path": "/home"}, {"path": "/a-b"},
                                                                     {"path": "/a/b"}]),
     "sharedFilesystems[2].path", "get one resource name"),
    ("a shared path with spaces", _people(sharedFilesystems=[{"path": "/my home"}]), "sharedFilesystems[0].path",
     "not an absolute path"),
    # accounts
    ("accounts without accounting", _people(accounting=False, accounts=[{"name": "physics"}]), "accounts:",
     "need accounting"),
    ("a user's account without accounting", with_(_user(0, account="general"), accounting=False), "users[0].account",
     "need accounting"),
    ("an undeclared account", with_(_user(0, account="physic"), accounts=[{"name": "physics"}]), "users[0].account",
     "did you mean 'physics'"),
    ("an account named root", _people(accounts=[{"name": "root"}]), "accounts[0].name", "root is Slurm's own"),
    ("an account twice", _people(accounts=[{"name": "a"}, {"name": "a"}]), "accounts[1].name", "declared twice"),
    ("an account description with quotes", _people(accounts=[{"name": "a", "description": 'x"; rm'}]),
     "accounts[0].description", "not a plain description"),
    # the login node
    ("a login port slurmctld takes", _people(login={"port": 6817}), "login.port", "6817 is taken by slurmctld"),
    ("a login port swarm takes", _people(login={"port": 2377}), "login.port", "2377 is taken by swarm mode"),
    ("the host's own ssh port for logins", _people(login={"port": 22}), "login.port",
     "22 is the port of the own sshd of host 'login'"),
    ("a login host named like the controller", {**PEOPLE, "controllerName": "login"}, "hosts[0].name",
     "the login container of 'login' takes the host's name"),
    ("a login host named like a node", {**PEOPLE, "nodePrefix": "node", "hosts": [
        {"name": "node1", "address": "10.0.0.5", "roles": ["kv", "login"]}, *SEED["hosts"][1:2],
        {**SEED["hosts"][2], "name": "n1"}, {**SEED["hosts"][3], "name": "n2"}]}, "hosts[0].name",
     "the login container of 'node1' takes the host's name"),
    ("a login container on kv mode's store host", {**PEOPLE, "overlay": "kv", "kvStore": "etcd"}, "hosts[0].roles",
     "must stay outside the overlay"),
    ("an unknown user key", _user(0, sshkeys=[ALICE_KEY]), "users[0].sshkeys", "did you mean 'sshKeys'"),
    ("deleteHomes as text", _people(deleteHomes="yes"), "deleteHomes:", "'yes' is not true or false"),
]

@pytest.mark.parametrize(("raw", "key", "says"), [case[1:] for case in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_names_the_key_and_the_fix(raw: dict[str, Any], key: str, says: str) -> None:
    message = problems_of(raw)
    line = next((ln for ln in message.splitlines() if f"multihost-slurm:{key}" in ln), None)
    assert line is not None, f"no problem names {key}:\n{message}"
    assert says in line
    assert "Fix: " in line


def test_missing_ssh_key_on_real_hosts() -> None:
    message = problems_of(SEED, NO_KEY)
    assert "multihost-slurm:sshPrivateKey: no SSH private key is set" in message
    assert "pulumi config set --secret multihost-slurm:sshPrivateKey" in message


def test_plain_text_ssh_key_is_refused() -> None:
    assert "stored in plain text" in problems_of(SEED, SecretState(present=True, secret=False))


def test_lab_makes_its_own_key() -> None:
    assert "lab stacks make their own SSH key" in problems_of(LAB, KEY)


def test_every_problem_is_reported_at_once() -> None:
    """Every value of the wrong kind at once; once every value has its kind, every problem of the
    config as a whole at once (model/validators.py)."""
    raw = _host_change(2, name="node 0", roles=["worker"])
    raw["overlay"] = "vxlan"
    message = problems_of(raw, NO_KEY)
    assert message.startswith("stack 'test': the config has 4 problems:")
    for key in ("hosts[2].name", "hosts[2].roles[0]", "overlay", "sshPrivateKey"):
        assert f"multihost-slurm:{key}:" in message
    raw = _host_change(2, name="node0", address="10.0.0.10")
    raw["partitions"] = [{"name": "default", "nodes": "all"}]
    message = problems_of(raw)
    for key in ("hosts[2].name", "hosts[2].address", "partitions[0].name"):
        assert f"multihost-slurm:{key}:" in message


def test_roles_are_a_set() -> None:
    assert parse(SEED).host("node0").roles == frozenset({Role.CONTROLLER, Role.COMPUTE})


def test_reserved_daemon_keys_are_refused() -> None:
    message = problems_of(with_(SEED, dockerDaemon={"hosts": ["tcp://0.0.0.0:2375"], "debug": True}))
    assert "multihost-slurm:dockerDaemon.hosts: this daemon.json key is not the stack's to set" in message
    assert "dockerDaemon.debug" not in message


SCALAR_KEYS = ("overlay", "kvStore", "clusterName", "controllerName", "nodePrefix", "maxNodes", "sshUser", "sshPort",
               "localDockerHost", "readinessTimeout", "drainTimeout", "mungeKeyVersion", "accounting", "restApi", "mpi")
WRONG_KINDS = (["a", "list"], {"a": "mapping"}, None, "$(reboot)", 3.5)


@pytest.mark.parametrize("key", SCALAR_KEYS)
def test_every_scalar_key_refuses_values_of_the_wrong_kind(key: str) -> None:
    """A list, a mapping, nothing, shell, a fraction: each refused under the key, with a fix."""
    for wrong in WRONG_KINDS:
        message = problems_of(with_(SEED, **{key: wrong}))
        line = next((ln for ln in message.splitlines() if f"multihost-slurm:{key}:" in ln), None)
        assert line is not None and "Fix: " in line, f"{key}={wrong!r}:\n{message}"


def test_a_stack_wide_ssh_user_is_reported_once() -> None:
    message = problems_of(with_(SEED, sshUser="Bad User"))
    assert message.count("sshUser") == 1 and "multihost-slurm:sshUser: 'Bad User' is not a valid user name" in message


def test_config_text_is_read_as_what_it_spells() -> None:
    """`pulumi config set` hands every scalar over as text."""
    cluster = parse(with_(SEED, maxNodes="8", accounting="false", sshPort="2222"))
    assert (cluster.max_nodes, cluster.services.accounting, cluster.host("node1").ssh_port) == (8, False, 2222)


def test_a_private_key_that_is_not_one_is_refused() -> None:
    message = problems_of(SEED, SecretState(present=True, secret=True, looks_like_a_private_key=False))
    assert "multihost-slurm:sshPrivateKey: the value is not a private key" in message


def test_ipv6_addresses_are_bracketed_in_urls() -> None:
    from render.ssh import docker_host_url

    raw = _host_change(2, address="fd00::11")
    host = parse(raw).host("node1")
    assert docker_host_url(host) == "ssh://root@[fd00::11]"


def test_pulumi_yaml_declares_the_scalar_keys_as_the_schema_does() -> None:
    """Pulumi.yaml's `config:` (what the CLI checks before the program runs) and the schema agree:
    the same keys, types, defaults and descriptions; and the project's name is the one the code uses."""
    import yaml

    from model.constants import PROJECT
    from model.schema import StackSpec

    project = yaml.safe_load((Path(__file__).parent.parent / "Pulumi.yaml").read_text())
    assert project["name"] == PROJECT
    fields = {f.alias or n: f for n, f in StackSpec.model_fields.items()}
    scalars = {key: f for key, f in fields.items() if isinstance(f.default, (str, int, bool)) and f.default != ""}
    assert set(project["config"]) == set(scalars)
    kinds = {bool: "boolean", int: "integer", str: "string"}
    for key, declared in project["config"].items():
        default = scalars[key].default
        assert declared["default"] == getattr(default, "value", default), key
        assert declared["type"] == kinds[type(getattr(default, "value", default))], key
        assert declared["description"] == scalars[key].description, key


def test_the_readme_configuration_table_names_every_key() -> None:
    import re

    from model.schema import TOP_LEVEL_KEYS

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\nPer host:", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", section, re.M))
    assert documented == set(TOP_LEVEL_KEYS)
