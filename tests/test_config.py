"""Stack config -> model: the seed's defaults, and one clear error for every kind of bad input."""

from __future__ import annotations

import copy
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
    assert cluster.kv_store is KvStore.CONSUL
    assert cluster.cluster_name == "fd20"
    assert [n.name for n in cluster.nodes] == ["fd20_0", "fd20_1", "fd20_2"]
    assert [(n.name, n.host) for n in cluster.nodes] == [("fd20_0", "node0"), ("fd20_1", "node1"), ("fd20_2", "node2")]
    assert {p.name: p.nodes for p in cluster.partitions} == {
        "all": ("fd20_0", "fd20_1", "fd20_2"), "even": ("fd20_0", "fd20_2"), "odd": ("fd20_1",)}
    assert [p.name for p in cluster.partitions if p.default] == ["all"]
    assert cluster.controller.name == "node0"
    assert cluster.kv_host is not None and cluster.kv_host.name == "login"
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


def test_lab_hosts_get_addresses_from_the_lab_subnet() -> None:
    cluster = parse(LAB, NO_KEY)
    assert cluster.lab is not None and cluster.lab.debian_release == "trixie"
    assert [h.address for h in cluster.hosts] == ["172.30.0.10", "172.30.0.11", "172.30.0.12", "172.30.0.13"]
    assert cluster.images.build_on is None


def test_kv_lab_runs_docker_20_10_hosts() -> None:
    cluster = parse(with_(LAB, overlay="kv", kvStore="etcd"), NO_KEY)
    assert cluster.lab is not None and cluster.lab.debian_release == "bookworm"
    assert cluster.kv_store is KvStore.ETCD


def test_swarm_without_kv_host_has_no_store() -> None:
    raw = with_(SEED)
    raw["hosts"] = raw["hosts"][1:]
    cluster = parse(raw)
    assert cluster.kv_host is None and cluster.kv_store is None


def test_physical_images_build_on_the_controller_by_default() -> None:
    assert parse(SEED).images.build_on == "node0"


def test_dns_name_with_advertise_is_accepted() -> None:
    raw = with_(SEED)
    raw["hosts"][2].update(address="node1.example.org", advertise="eth1")
    host = parse(raw).host("node1")
    assert (host.address, host.advertise) == ("node1.example.org", "eth1")


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
    ("consul in a kv lab", with_(LAB, overlay="kv"), "kvStore:", "set kvStore: etcd"),
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
    ("compute host with no slurmd", _host_change(2, slurmds=0), "hosts[2].slurmds", "at least one slurmd"),
    ("dns address without advertise", _host_change(2, address="node1.example.org"), "hosts[2].advertise",
     "set advertise"),
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
    raw = _host_change(2, name="node0", roles=["worker"])
    raw["overlay"] = "vxlan"
    message = problems_of(raw, NO_KEY)
    assert message.startswith("stack 'test': the config has 4 problems:")
    for key in ("hosts[2].name", "hosts[2].roles[0]", "overlay", "sshPrivateKey"):
        assert f"multihost-slurm:{key}:" in message


def test_roles_are_a_set() -> None:
    assert parse(SEED).host("node0").roles == frozenset({Role.CONTROLLER, Role.COMPUTE})


def test_reserved_daemon_keys_are_refused() -> None:
    message = problems_of(with_(SEED, dockerDaemon={"hosts": ["tcp://0.0.0.0:2375"], "debug": True}))
    assert "multihost-slurm:dockerDaemon.hosts: this daemon.json key is not the stack's to set" in message
    assert "dockerDaemon.debug" not in message
