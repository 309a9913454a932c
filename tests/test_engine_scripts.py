"""Engine scripts: valid sh, secrets never in the text, the daemon.json merge keeps every other key."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path

import pytest

from model.config import SecretState, parse_cluster
from render import engine_scripts as es
from tests.test_config import SEED

KV_SEED = dict(copy.deepcopy(SEED), overlay="kv", kvStore="etcd")


def cluster_of(raw):
    return parse_cluster(raw, project="multihost-slurm", stack="test", ssh_key=SecretState(True, True))


def all_scripts() -> list[tuple[str, str]]:
    swarm, kv = cluster_of(SEED), cluster_of(KV_SEED)
    manager, worker = swarm.host("node0"), swarm.host("node1")
    return [
        ("swarm init", es.swarm_init_script(swarm, manager)),
        ("swarm token", es.swarm_join_token_script(manager)),
        ("swarm join", es.swarm_join_script(swarm, worker, manager)),
        ("swarm leave manager", es.swarm_leave_script(swarm, manager, manager=True)),
        ("swarm leave worker", es.swarm_leave_script(swarm, worker, manager=False)),
        ("kv configure", es.engine_config_script(kv, kv.host("node1"))),
        ("engine settings", es.engine_config_script(cluster_of(dict(SEED, dockerDaemon={"debug": True})),
                                                    swarm.host("node1"))),
        ("restore", es.engine_restore_script(kv, kv.host("node1"))),
    ]


@pytest.mark.parametrize(("name", "script"), all_scripts(), ids=[n for n, _ in all_scripts()])
def test_scripts_are_valid_posix_sh_naming_their_host(name: str, script: str) -> None:
    result = subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "set -eu" in script
    assert "host node" in script  # every failure names the host


def test_join_token_comes_on_stdin_only() -> None:
    cluster = cluster_of(SEED)
    script = es.swarm_join_script(cluster, cluster.host("node1"), cluster.host("node0"))
    assert 'token=$(cat)' in script
    assert '--token "$token"' in script
    assert "SWMTKN" not in script
    assert "10.0.0.10:2377" in script and "--advertise-addr 10.0.0.11" in script


def test_leave_only_what_this_stack_joined() -> None:
    cluster = cluster_of(SEED)
    script = es.swarm_leave_script(cluster, cluster.host("node1"), manager=False)
    assert "if [ -e /var/lib/multihost-slurm/test/swarm-joined ]" in script
    assert "not made by this stack; left as it is" in script


def test_kv_store_urls() -> None:
    assert es.kv_store_url(cluster_of(KV_SEED)) == "etcd://10.0.0.5:2379"
    assert es.kv_store_url(cluster_of(dict(KV_SEED, kvStore="consul"))) == "consul://10.0.0.5:8500/network"


def test_kv_script_refuses_docker_23_and_keeps_the_original() -> None:
    cluster = cluster_of(KV_SEED)
    script = es.engine_config_script(cluster, cluster.host("node2"))
    assert '[ "$major" -lt 23 ]' in script and "set overlay: swarm" in script
    assert "cp -p /etc/docker/daemon.json /var/lib/multihost-slurm/test/daemon.json.orig" in script
    assert es.engine_settings(cluster, cluster.host("node2")) == {
        "cluster-store": "etcd://10.0.0.5:2379", "cluster-advertise": "10.0.0.12:2376"}
    assert "discovery service not supported" in script
    assert "the previous daemon.json is restored" in script
    restore = es.engine_restore_script(cluster, cluster.host("node2"))
    assert "cp -p /var/lib/multihost-slurm/test/daemon.json.orig /etc/docker/daemon.json" in restore


def test_engine_settings_are_validated_before_any_restart_on_docker_23() -> None:
    cluster = cluster_of(dict(SEED, dockerDaemon={"log-level": "warn"}))
    script = es.engine_config_script(cluster, cluster.host("node1"))
    validate = script.index("dockerd --validate --config-file /var/lib/multihost-slurm/test/daemon.json.next")
    assert validate < script.index("if ! restart_engine")
    assert '[ "$major" -lt 23 ]' not in script  # no cluster-store: any engine will do
    assert es.engine_settings(cluster, cluster.host("node1")) == {"log-level": "warn"}
    assert not es.needs_engine_config(cluster_of(SEED))


def run_merge(path: Path, wanted: dict[str, object] | None = None) -> str:
    code = re.search(r"python3 -c '(.*?)' /etc/docker", es.engine_config_script(
        cluster_of(KV_SEED), cluster_of(KV_SEED).host("node1")), re.S)
    assert code is not None
    wanted = wanted or {"cluster-store": "etcd://10.0.0.5:2379", "cluster-advertise": "eth1:2376"}
    out = path.with_suffix(".next")
    result = subprocess.run(["python3", "-c", code.group(1), str(path), str(out), json.dumps(wanted)],
                            capture_output=True, text=True, check=True).stdout.strip()
    out.replace(path)
    return result


def test_merge_keeps_every_other_key(tmp_path: Path) -> None:
    conf = tmp_path / "daemon.json"
    conf.write_text('{"log-driver": "json-file", "log-opts": {"max-size": "10m"}, "cluster-store": "consul://x"}')
    conf.chmod(0o600)
    assert run_merge(conf) == "changed"
    assert json.loads(conf.read_text()) == {
        "log-driver": "json-file", "log-opts": {"max-size": "10m"},
        "cluster-store": "etcd://10.0.0.5:2379", "cluster-advertise": "eth1:2376"}
    assert conf.stat().st_mode & 0o777 == 0o600
    assert run_merge(conf) == "unchanged"


def test_merge_creates_a_missing_file(tmp_path: Path) -> None:
    conf = tmp_path / "daemon.json"
    assert run_merge(conf, {"log-level": "warn"}) == "changed"
    assert json.loads(conf.read_text()) == {"log-level": "warn"}


def test_merge_refuses_invalid_json(tmp_path: Path) -> None:
    conf = tmp_path / "daemon.json"
    conf.write_text("{not json")
    with pytest.raises(subprocess.CalledProcessError) as caught:
        run_merge(conf)
    assert "is not valid JSON" in caught.value.stderr
    assert conf.read_text() == "{not json"
