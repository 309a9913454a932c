"""The test applier's own logic, with every resource faked: what it creates, leaves, replaces and
deletes, in which order, and that it refuses what it does not implement."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.applier import Applier, ApplyError, Unsupported
from tests.applier import applier as applier_module
from tests.applier.docker_connections import DockerConnections
from tests.applier.docker_handlers import DockerContainer
from tests.applier.state import ResourceRecord
from tests.fakes import faked_resources
from tests.test_config import LAB


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[list[tuple[str, str]]]:
    with faked_resources(str(tmp_path)) as ops:
        yield ops


def applier_for(config: dict[str, Any], tmp_path: Path) -> Applier:
    return Applier(config, stack="unit", state_path=tmp_path / "state.json", log=lambda _: None)


def test_second_up_changes_nothing(journal, tmp_path: Path) -> None:
    first = applier_for(LAB, tmp_path).up()
    assert first.count("create") == len(journal) > 40
    second = applier_for(LAB, tmp_path).up()
    assert second.changed == 0 and second.count("same") == first.count("create")


def test_adding_a_host_creates_only_its_resources(journal, tmp_path: Path) -> None:
    applier_for(LAB, tmp_path).up()
    bigger = copy.deepcopy(LAB)
    bigger["hosts"].append({"name": "node3", "roles": ["compute"]})
    journal.clear()
    result = applier_for(bigger, tmp_path).up()
    created = sorted(c.name for c in result.changes if c.op == "create")
    assert created == sorted(["node3-lab-docker-volume", "node3-lab-host", "node3-swarm-join", "node3-docker",
                              "slurm-image-to-node3", "multihost-slurm-unit-fd20_3-spool", "fd20_3-container",
                              "fd20_3-membership"])
    changed = {(c.op, c.name) for c in result.changes if c.op not in ("create", "same")}
    assert changed == {("replace", "readiness-check"), ("update", "consul-catalog")}


def test_removed_host_is_deleted_dependents_first(journal, tmp_path: Path) -> None:
    applier_for(LAB, tmp_path).up()
    smaller = copy.deepcopy(LAB)
    smaller["hosts"] = smaller["hosts"][:-1]
    journal.clear()
    applier_for(smaller, tmp_path).up()
    deleted = [name for op, name in journal if op == "delete"]
    assert set(deleted) >= {"fd20_2-container", "node2-swarm-join", "node2-docker", "node2-lab-host"}
    assert deleted.index("fd20_2-container") < deleted.index("node2-docker") < deleted.index("node2-lab-host")
    assert deleted.index("node2-swarm-join") < deleted.index("node2-lab-host")


def test_destroy_keeps_what_kept_resources_need(journal, tmp_path: Path) -> None:
    applier = applier_for(LAB, tmp_path)
    applier.up()
    journal.clear()
    applier.destroy(keep=lambda r: r.name.endswith("-lab-host"))
    deleted = {name for op, name in journal if op == "delete"}
    assert "fd20_0-container" in deleted and "node0-swarm-init" in deleted
    assert not deleted & {"node0-lab-host", "lab-network", "labhost-image", "node0-lab-docker-volume"}
    journal.clear()
    applier.destroy()
    assert {name for _, name in journal} >= {"node0-lab-host", "lab-network"}
    assert applier.state.records == {}


def test_unimplemented_input_stops_the_applier() -> None:
    record = ResourceRecord(urn="u", type=DockerContainer.type, name="c", custom=True,
                            inputs={"name": "c", "image": "x", "privileged": True})
    with pytest.raises(Unsupported, match=r"input\(s\) \['privileged'\] are not implemented"):
        DockerContainer().check(record)


def test_unknown_resource_type_stops_the_applier(journal, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delitem(applier_module.HANDLERS, "docker:index/network:Network")
    with pytest.raises(ApplyError, match="resource type docker:index/network:Network"):
        applier_for(LAB, tmp_path).up()


def test_a_new_lab_host_gets_everything_on_it_again(journal, tmp_path: Path) -> None:
    """replace_with and the provider: what lived on a replaced lab host is made again, nothing else."""
    applier_for(LAB, tmp_path).up()
    result = applier_for(LAB, tmp_path).up(replace=["node1-lab-host"])
    replaced = {c.name for c in result.changes if c.op == "replace"}
    assert {"node1-lab-host", "node1-docker", "node1-swarm-join", "slurm-image-to-node1", "fd20_1-container",
            "multihost-slurm-unit-fd20_1-spool", "readiness-check"} <= replaced
    assert not {name for name in replaced if "node2" in name or "fd20_2" in name or "node0" in name}


def test_an_unreachable_ssh_host_fails_the_same_way_when_dialled_again() -> None:
    """The first dial fails (nothing listens); the second must fail as clearly, not on the leftover
    record of the first attempt's dead ssh process."""
    connections = DockerConnections()
    unreachable = {"host": "ssh://root@127.0.0.1:1", "sshOpts": ["-o", "BatchMode=yes", "-o", "ConnectTimeout=5"]}
    try:
        for _ in range(2):
            with pytest.raises(ApplyError, match=r"ssh to ssh://root@127\.0\.0\.1:1 failed: .*refused"):
                connections.client(unreachable)
    finally:
        connections.close()
