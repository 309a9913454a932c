"""slurm.conf: partitions become NodeSets of features; no node is named, so membership changes leave it alone."""

from __future__ import annotations

import copy
import subprocess

from model.config import SecretState, parse_cluster
from render.slurm_conf import install_slurm_conf_script, render_slurm_conf
from tests.test_config import SEED
from tests.test_scripts import stand_ins


def cluster_of(raw):
    return parse_cluster(raw, project="multihost-slurm", stack="test", ssh_key=SecretState(True, True))


def lines(conf: str) -> list[str]:
    return [ln for ln in conf.splitlines() if ln and not ln.startswith("#")]


def test_seed_partitions_as_nodesets() -> None:
    conf = lines(render_slurm_conf(cluster_of(SEED)))
    assert "ClusterName=fd20" in conf
    assert "SlurmctldHost=slurmctld" in conf
    assert "SlurmctldParameters=enable_configless" in conf
    assert [ln for ln in conf if ln.startswith(("NodeSet=", "PartitionName="))] == [
        "NodeSet=all_nodes Feature=all",
        "NodeSet=even_nodes Feature=even",
        "NodeSet=odd_nodes Feature=odd",
        "PartitionName=all Nodes=all_nodes Default=YES MaxTime=INFINITE State=UP",
        "PartitionName=even Nodes=even_nodes MaxTime=INFINITE State=UP",
        "PartitionName=odd Nodes=odd_nodes MaxTime=INFINITE State=UP",
    ]


def test_no_key_is_given_twice_and_no_node_is_named() -> None:
    conf = lines(render_slurm_conf(cluster_of(SEED)))
    keys = [ln.split("=", 1)[0] for ln in conf if not ln.startswith(("NodeSet=", "PartitionName="))]
    assert len(keys) == len(set(keys))
    assert not any("fd20_" in ln for ln in conf)


def test_adding_a_host_leaves_slurm_conf_unchanged() -> None:
    bigger = copy.deepcopy(SEED)
    bigger["hosts"].append({"name": "node3", "address": "10.0.0.13", "roles": ["compute"]})
    assert render_slurm_conf(cluster_of(bigger)) == render_slurm_conf(cluster_of(SEED))


def test_cluster_settings_reach_the_file() -> None:
    raw = dict(SEED, clusterName="lab", controllerName="ctl", maxNodes=64,
               partitions=[{"name": "batch", "nodes": "all"}])
    conf = lines(render_slurm_conf(cluster_of(raw)))
    assert {"ClusterName=lab", "SlurmctldHost=ctl", "MaxNodeCount=64"} <= set(conf)
    assert "PartitionName=batch Nodes=batch_nodes Default=YES MaxTime=INFINITE State=UP" in conf


def test_install_script_writes_the_volume_then_reconfigures_a_running_controller(tmp_path) -> None:
    script = install_slurm_conf_script(cluster_of(SEED), "etc-vol", "sha256:abc")
    env = stand_ins(tmp_path, docker='[ "$1" = inspect ] && echo true; exit 0')
    result = subprocess.run(["sh", "-c", script], input="ClusterName=fd20\n", env=env, text=True, capture_output=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls[0].startswith("docker run --rm -i --network none -v etc-vol:/etc/slurm -e DIR=/etc/slurm "
                               "--entrypoint sh sha256:abc -c ")
    assert calls[-1] == "docker exec slurmctld scontrol reconfigure"
    assert result.stdout.strip() == "host node0: slurm.conf updated; slurmctld reconfigured"
