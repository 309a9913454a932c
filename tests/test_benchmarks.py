"""The benchmarks' own arithmetic: phases, the critical path, the blast radius summary."""

from __future__ import annotations

from applier import Change
from applier.state import Resource
from benchmarks.blast_radius import measure
from benchmarks.image_traffic import Traffic, paper_model
from benchmarks.time_to_ready import critical_path, phase_of


def change(name: str, kind: str, seconds: float, at: float = 0.0) -> Change:
    return Change("create", kind, name, seconds, at)


def test_phases_of_resources() -> None:
    assert phase_of(change("node1-lab-host", "docker:index/container:Container", 1)) == "lab hosts"
    assert phase_of(change("node1-swarm-join", "command:remote:Command", 1)) == "engine configuration"
    assert phase_of(change("registry-image-to-node1", "command:local:Command", 1)) == "images"
    assert phase_of(change("slurm-image-on-node1", "docker:index/remoteImage:RemoteImage", 1)) == "images"
    assert phase_of(change("registry-container", "docker:index/container:Container", 1)) == "images"
    assert phase_of(change("node1-registry-trust", "command:remote:Command", 1)) == "images"
    assert phase_of(change("node1-engine-api", "command:remote:Command", 1)) == "engine configuration"
    assert phase_of(change("slurm-image", "docker:index/image:Image", 1)) == "images"
    assert phase_of(change("overlay-network", "docker:index/network:Network", 1)) == "network"
    assert phase_of(change("fd20_1-container", "docker:index/container:Container", 1)) == "containers"
    assert phase_of(change("readiness-check", "command:remote:Command", 1)) == "readiness"
    assert phase_of(change("node1-docker", "pulumi:providers:docker", 0)) is None


def test_critical_path_follows_the_longest_chain() -> None:
    def record(name: str, *deps: str) -> Resource:
        return Resource(urn=name, type="t", name=name, custom=True, dependencies=list(deps))

    records = {r.urn: r for r in (record("host"), record("image"), record("ship", "host", "image"),
                                   record("join", "host"), record("node", "ship", "join"), record("ready", "node"))}
    changes = [change("host", "t", 2), change("image", "t", 30), change("ship", "t", 10), change("join", "t", 1),
               change("node", "t", 5), change("ready", "t", 3)]
    assert critical_path(changes, records) == [("image", 30), ("ship", 10), ("node", 5), ("ready", 3)]


def test_blast_radius_of_one_more_host_or_user(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # the program writes the stack's SSH key file there
    added, removed, user_added, user_removed = measure(3)
    assert added.existing_changed == ["readiness-check"] and added.existing_containers_touched == 0
    assert added.by_op_and_type[("create", "docker:index/container:Container")] == 1
    assert removed.by_op_and_type[("delete", "docker:index/container:Container")] == 1
    for user in (user_added, user_removed):
        assert user.existing_changed == ["host0-identities", "host1-identities", "host2-identities"]
        assert user.existing_containers_touched == 0
    assert user_added.by_op_and_type[("create", "command:remote:Command")] == 2  # the home, the association


def test_the_paper_model_scales_the_measured_figures() -> None:
    """100 hosts: the old design sends the Slurm archive 100 times and MariaDB's once from the machine
    running Pulumi; the new one sends the measured push once, and the registry host serves 99 pulls."""
    row = Traffic(hosts=4, seconds=90.0, sent=800_000_000, received={"host0": 900_000_000, "host1": 300_000_000,
                                                                     "host2": 310_000_000, "host3": 290_000_000},
                  registry_bytes=780_000_000, archive_bytes={"slurm": 500_000_000, "mariadb": 520_000_000})
    old, new = paper_model([row])[2:]
    assert "| 50.5 GB | 6.7 min |" in old  # 100 x 0.5 GB + 0.52 GB at 125 MB/s
    assert "| 0.80 GB | 6 s | 30.7 GB | 4.1 min |" in new  # 99 x the largest compute host's 0.31 GB
