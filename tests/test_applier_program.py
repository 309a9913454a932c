"""The whole program under the applier with every provider faked: what a second `up`, a new host, a
removed host or a replaced lab host does, decided by the real providers' rules against the state
their Read would write (applier/fakes.py)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from applier import Applier, ApplyError
from applier.fakes import fake_providers
from render.durations import go_duration, parse_go_duration
from tests.test_config import LAB
from tests.test_program_graph import KV_LAB, PHYSICAL


@pytest.fixture
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    monkeypatch.setenv("HOME", str(tmp_path))  # the program writes the stack's SSH key file there
    yield []


def applier_for(config: dict[str, Any], tmp_path: Path, journal: list[tuple[str, str]]) -> Applier:
    return Applier(config, stack="unit", state_path=tmp_path / "state.json", providers=fake_providers(journal),
                   log=lambda _: None, shuffle_seed=7)


def touched(result) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(c.op, c.name) for c in result.changes if c.op not in ("create", "same")}


def test_every_duration_given_to_the_docker_provider_is_in_gos_form(program) -> None:
    """The provider's Read writes durations with Go's Duration.String(); any other spelling is a
    change, and a replaced container, on every later up (render/durations.py)."""
    for config in (PHYSICAL, LAB, KV_LAB):
        for container in program(config).of_type("docker:index/container:Container"):
            check = container.inputs.get("healthcheck") or {}
            for key in ("interval", "timeout", "startPeriod"):
                if key in check:
                    assert check[key] == go_duration(parse_go_duration(check[key])), (container.name, key)


@pytest.mark.parametrize("config", [LAB, KV_LAB, PHYSICAL], ids=["swarm-lab", "kv-lab", "physical"])
def test_a_second_up_against_the_read_back_state_changes_nothing(journal, tmp_path: Path, config) -> None:
    first = applier_for(config, tmp_path, journal).up()
    assert first.count("create") == len(journal) > 40
    second = applier_for(config, tmp_path, journal).up()
    assert second.changed == 0, touched(second)


def test_adding_a_host_creates_only_its_resources(journal, tmp_path: Path) -> None:
    applier_for(LAB, tmp_path, journal).up()
    bigger = copy.deepcopy(LAB)
    bigger["hosts"].append({"name": "node3", "roles": ["compute"]})
    result = applier_for(bigger, tmp_path, journal).up()
    assert result.names("create") == {"node3-lab-docker-volume", "node3-lab-host", "node3-swarm-join", "node3-docker",
                                      "node3-registry-trust", "slurm-image-on-node3", "node3-engine-api",
                                      "multihost-slurm-unit-fd20_3-spool", "fd20_3-container",
                                      "fd20_3-membership", "node3-identities"}
    # the readiness check is made anew (its old self deleted at the end), the catalog gets the node
    assert touched(result) == {("replace", "readiness-check"), ("delete", "readiness-check"),
                               ("update", "consul-catalog")}


def test_a_removed_host_is_deleted_dependents_first(journal, tmp_path: Path) -> None:
    applier_for(LAB, tmp_path, journal).up()
    smaller = copy.deepcopy(LAB)
    smaller["hosts"] = smaller["hosts"][:-1]
    journal.clear()
    applier_for(smaller, tmp_path, journal).up()
    deleted = [name for op, name in journal if op == "delete"]
    assert deleted.index("fd20_2-membership") < deleted.index("fd20_2-container") \
        < deleted.index("multihost-slurm-unit-fd20_2-spool") < deleted.index("node2-lab-host")
    assert deleted.index("node2-swarm-join") < deleted.index("node2-lab-host")


def test_a_replaced_lab_host_takes_everything_on_it_with_it(journal, tmp_path: Path) -> None:
    """The lab host is replaced delete-first; whatever carries its identity (components/machines.py)
    is deleted before it, on the old host, dependents first, and made again on the new one; nothing
    on another host is touched."""
    applier_for(LAB, tmp_path, journal).up()
    journal.clear()
    result = applier_for(LAB, tmp_path, journal).up(replace=["node2-lab-host"])
    on_node2 = {"fd20_2-container", "multihost-slurm-unit-fd20_2-spool", "node2-swarm-join", "slurm-image-on-node2",
                "node2-identities", "node2-registry-trust", "node2-engine-api"}
    assert result.names("replace") == {"node2-lab-host", *on_node2, "readiness-check"}
    deleted = [name for op, name in journal if op == "delete"]
    assert deleted.index("fd20_2-container") < deleted.index("multihost-slurm-unit-fd20_2-spool") \
        < deleted.index("node2-lab-host")
    assert deleted.index("node2-swarm-join") < deleted.index("node2-lab-host")
    created = [name for op, name in journal if op == "create"]
    assert created.index("node2-lab-host") < created.index("node2-swarm-join") < created.index("fd20_2-container")


def test_a_replaced_controller_host_takes_the_network_and_every_container_on_it(journal, tmp_path: Path) -> None:
    """The controller's engine owns the swarm and the overlay: every worker joins again, every container
    (on the network) is made again."""
    applier_for(LAB, tmp_path, journal).up()
    result = applier_for(LAB, tmp_path, journal).up(replace=["node0-lab-host"])
    replaced = result.names("replace")
    assert {"overlay-network", "node0-swarm-init", "swarm-join-token", "node1-swarm-join", "node2-swarm-join",
            "slurmctld-container", "fd20_0-container", "fd20_1-container", "fd20_2-container",
            "mariadb-container", "slurmdbd-container", "slurmrestd-container", "slurm-conf"} <= replaced
    assert not {"node1-lab-host", "node2-lab-host", "slurm-image-on-node1", "consul-container"} & replaced
    # a new registry: the images are pushed to it again
    assert {"registry-container", "slurm-image", "mariadb-image"} <= replaced


def test_the_images_are_built_for_the_stacks_platform(program) -> None:
    """pulumi-docker builds for the machine running Pulumi unless told (PD provider.go:212-236)."""
    run = program(dict(PHYSICAL, images={"platform": "linux/arm64"}))
    assert {image.inputs["build"]["platform"] for image in run.of_type("docker:index/image:Image")} == {"linux/arm64"}


def test_destroy_keeps_what_kept_resources_need(journal, tmp_path: Path) -> None:
    applier = applier_for(LAB, tmp_path, journal)
    applier.up()
    journal.clear()
    applier.destroy(keep=lambda r: r.name.endswith("-lab-host"))
    deleted = {name for op, name in journal if op == "delete"}
    assert "fd20_0-container" in deleted and "node0-swarm-init" in deleted
    assert not deleted & {"node0-lab-host", "lab-network", "labhost-image", "node0-lab-docker-volume"}
    journal.clear()
    applier.destroy()
    assert {name for _, name in journal} >= {"node0-lab-host", "lab-network"}
    assert applier.snapshot.resources == []


def test_an_unknown_resource_type_stops_the_applier(journal, tmp_path: Path) -> None:
    providers = fake_providers(journal)
    del providers["docker:index/network:Network"]
    applier = Applier(LAB, stack="unit", state_path=tmp_path / "s.json", providers=providers, log=lambda _: None)
    with pytest.raises(ApplyError, match="resource type docker:index/network:Network"):
        applier.up()
    assert not [name for op, name in journal if "network" in name]
