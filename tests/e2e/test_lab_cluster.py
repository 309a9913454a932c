"""The seed's cluster on three lab hosts, in both overlay modes, applied for real.

swarm: three hosts with trixie's docker.io 26 joined in a swarm; kv: bookworm's docker.io 20.10
pointed at etcd on a login host (the seed's layout, with etcd for Consul, which cannot run here).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import phase
from tests.e2e.lab import (
    LabStack,
    dump,
    expected_daemon_json_digest,
    made_on_testbed,
    node_states,
    sinfo_partitions,
)

pytestmark = pytest.mark.e2e

SEED_NODES = ["fd20_0", "fd20_1", "fd20_2"]
SEED_PARTITIONS = {"all": SEED_NODES, "even": ["fd20_0", "fd20_2"], "odd": ["fd20_1"]}
NODE_HOSTS = {"fd20_0": "node0", "fd20_1": "node1", "fd20_2": "node2"}
SLURM_HOSTS = ["node0", "node1", "node2"]

MODES: dict[str, dict[str, Any]] = {
    "swarm": {
        "lab": {"subnet": "172.29.1.0/24"},
        "hosts": [{"name": "node0", "roles": ["controller", "compute"]},
                  {"name": "node1", "roles": ["compute"]}, {"name": "node2", "roles": ["compute"]}],
    },
    "kv": {
        "lab": {"subnet": "172.29.2.0/24"},
        "overlay": "kv",
        "kvStore": "etcd",
        "hosts": [{"name": "login", "roles": ["kv"]}, {"name": "node0", "roles": ["controller", "compute"]},
                  {"name": "node1", "roles": ["compute"]}, {"name": "node2", "roles": ["compute"]}],
    },
}
ENGINE_MAJOR = {"swarm": "26.", "kv": "20.10."}


@pytest.fixture(scope="module", params=list(MODES))
def lab(request: pytest.FixtureRequest, testbed: str, e2e_home: Path,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabStack]:
    mode = request.param
    stack = LabStack(f"e2e-{mode}", {**MODES[mode], "localDockerHost": testbed},
                     tmp_path_factory.mktemp(f"state-{mode}"))
    stack.mode = mode  # type: ignore[attr-defined]
    started = time.monotonic()
    try:
        stack.up()
        phase(f"{mode}: pulumi up of 3 lab hosts to a ready cluster", started)
        yield stack
    except Exception:
        print("\n".join(stack.log))
        raise
    finally:
        if stack.applier.state.records:
            stack.destroy()
        stack.applier.close()


def test_readiness_passed(lab: LabStack) -> None:
    assert lab.outputs["readiness"] == "ready: 3 node(s) idle; srun answered from fd20_0 fd20_1 fd20_2"


def test_every_node_idle(lab: LabStack) -> None:
    assert node_states(lab) == dict.fromkeys(SEED_NODES, "idle")


def test_partitions_hold_the_seed_members(lab: LabStack) -> None:
    assert sinfo_partitions(lab) == SEED_PARTITIONS
    assert lab.slurm("sinfo -h -o '%P'").split()[0] == "all*"


def test_outputs_match_sinfo(lab: LabStack) -> None:
    assert lab.outputs["nodes"] == sorted(node_states(lab))
    assert lab.outputs["partitions"] == sinfo_partitions(lab)
    assert lab.outputs["overlayMode"] == lab.mode  # type: ignore[attr-defined]


def test_srun_answers_from_three_nodes_on_three_engines(lab: LabStack) -> None:
    answers = lab.slurm("srun -N3 hostname").split()
    assert sorted(answers) == SEED_NODES
    engines = {lab.ssh(NODE_HOSTS[node], "docker info --format '{{.ID}}'").strip() for node in answers}
    assert len(engines) == 3
    for node, host in NODE_HOSTS.items():
        assert node in lab.containers_on(host)


def test_even_and_odd_run_where_the_seed_ran_them(lab: LabStack) -> None:
    assert sorted(lab.slurm("srun -p even -N2 hostname").split()) == ["fd20_0", "fd20_2"]
    assert lab.slurm("srun -p odd -N1 hostname").split() == ["fd20_1"]


def test_engines_and_overlay(lab: LabStack) -> None:
    for host in SLURM_HOSTS:
        assert lab.engine_version(host).startswith(ENGINE_MAJOR[lab.mode])  # type: ignore[attr-defined]
    if lab.mode == "kv":  # type: ignore[attr-defined]
        # the seed's check: the overlay is listed by every engine
        for host in SLURM_HOSTS:
            listed = lab.ssh(host, "docker network ls --filter driver=overlay --format '{{.Name}} {{.Scope}}'")
            assert listed.split() == ["global", "global"], host
    else:
        assert [lab.swarm_state(h) for h in SLURM_HOSTS] == ["active"] * 3


def test_second_apply_changes_nothing(lab: LabStack) -> None:
    started = time.monotonic()
    result = lab.up()
    phase(f"{lab.mode}: second pulumi up of the unchanged program", started)  # type: ignore[attr-defined]
    assert result.changed == 0, dump([c.__dict__ for c in result.changes if c.op != "same"])
    assert result.count("same") > 20


def test_teardown_leaves_every_host_as_it_was(lab: LabStack, testbed: str) -> None:
    started = time.monotonic()
    lab.destroy(keep_hosts=True)
    for host in lab.outputs["hosts"]:
        assert lab.daemon_json_digest(host) == expected_daemon_json_digest(), host
        assert lab.swarm_state(host) == "inactive", host
        assert lab.engine_objects(host) == {"containers": [], "volumes": [], "networks": []}, host
        assert lab.ssh(host, "ls /var/lib/multihost-slurm 2>/dev/null || true").split() == [], host
    lab.destroy()
    phase(f"{lab.mode}: pulumi destroy", started)  # type: ignore[attr-defined]
    assert made_on_testbed(testbed, lab.stack) == {"containers": [], "volumes": [], "networks": []}
    assert lab.applier.state.records == {}
