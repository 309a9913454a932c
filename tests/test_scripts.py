"""The host scripts (scripts/): every rendered variant is valid sh that shellcheck passes with every
variable it reads set in its header; the files run as they are against stand-ins for docker,
Slurm and the engine's supervisor; the daemon.json merge keeps every other key."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from model.config import SecretState, parse_cluster
from render import engine_scripts as es
from render import kv_tls as kt
from render import operator_tools as ot
from render import people as pp
from render.node_lifecycle import leave_script, membership_script, rotation_drain_script, rotation_resume_script
from render.readiness import readiness_command, readiness_script
from render.scripts import SCRIPTS_DIR, render_script
from render.slurm_conf import install_slurm_conf_script
from tests.test_config import PEOPLE, SEED

KV_SEED = dict(copy.deepcopy(SEED), overlay="kv", kvStore="etcd")
REPO = SCRIPTS_DIR.parent


def cluster_of(raw):
    return parse_cluster(raw, project="multihost-slurm", stack="test", ssh_key=SecretState(True, True))


def rendered() -> list[tuple[str, str]]:
    swarm, kv = cluster_of(SEED), cluster_of(KV_SEED)
    manager, worker = swarm.host("node0"), swarm.host("node1")
    node = swarm.nodes[1]
    return [
        ("swarm init", es.swarm_init_script(swarm, manager)),
        ("swarm token", es.swarm_join_token_script(swarm, manager)),
        ("swarm join", es.swarm_join_script(swarm, worker, manager)),
        ("swarm leave manager", es.swarm_leave_script(swarm, manager, manager=True)),
        ("swarm leave worker", es.swarm_leave_script(swarm, worker, manager=False)),
        ("kv configure", es.engine_config_script(kv, kv.host("node1"))),
        ("engine settings", es.engine_config_script(cluster_of(dict(SEED, dockerDaemon={"debug": True})),
                                                    swarm.host("node1"))),
        ("restore", es.engine_restore_script(kv, kv.host("node1"))),
        ("node state", membership_script(swarm, node)),
        ("node leave", leave_script(swarm, node)),
        ("rotation drain", rotation_drain_script(swarm)),
        ("rotation resume", rotation_resume_script(swarm)),
        ("slurm.conf", install_slurm_conf_script(swarm, "vol", "sha256:abc")),
        ("readiness command", readiness_command(swarm)),
        ("readiness", readiness_script(swarm)),
        ("readiness without services", readiness_script(cluster_of(dict(SEED, accounting=False, restApi=False,
                                                                            mpi=False)))),
        *people_scripts(),
        *operator_tools(),
    ]


def operator_tools() -> list[tuple[str, str]]:
    scripts = []
    for raw in (SEED, dict(SEED, accounting=False)):
        cluster = cluster_of(raw)
        for tool, text in ot.tools(cluster).items():
            scripts += [(tool, text), (f"{tool} install", ot.install_tool_script(cluster, tool)),
                        (f"{tool} remove", ot.remove_tool_script(cluster, tool))]
    return scripts


def people_scripts() -> list[tuple[str, str]]:
    cluster = cluster_of(PEOPLE)
    login, node = cluster.host("login"), cluster.host("node1")
    alice = cluster.people.user("alice")
    keys = {u.name: list(u.ssh_keys) for u in cluster.people.users}
    return [
        ("identities", pp.identities_script(cluster, node, keys)),
        ("identities remove", pp.identities_remove_script(cluster, node)),
        ("home", pp.home_script(login, alice)),
        ("home remove", pp.home_remove_script(cluster, login, alice)),
        ("shared mark", pp.shared_mark_script(cluster, login, "/home")),
        ("shared unmark", pp.shared_unmark_script(cluster, login, "/home")),
        ("shared check", pp.shared_check_script(cluster, node, "/home", login, "token")),
        ("account", pp.account_script(cluster, cluster.people.accounts[0])),
        ("account remove", pp.account_remove_script(cluster, cluster.people.accounts[0])),
        ("association", pp.association_script(cluster, alice)),
        ("association remove", pp.association_remove_script(cluster, alice)),
    ]


def shellcheck() -> str:
    found = shutil.which("shellcheck")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("shellcheck is not installed (apt-get install shellcheck)")
        pytest.skip("shellcheck is not installed (CI=true makes this a failure)")
    return found


@pytest.mark.parametrize(("name", "script"), rendered(), ids=[n for n, _ in rendered()])
def test_rendered_scripts_are_checked_sh_with_every_variable_set(name: str, script: str) -> None:
    """shellcheck's check-unassigned-uppercase: a variable the script reads that its header does not
    set would fail here, not on a host."""
    assert subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True, check=False).returncode == 0
    result = subprocess.run([shellcheck(), "-s", "sh", "--enable=check-unassigned-uppercase", "-"], input=script,
                            text=True, capture_output=True, check=False)
    assert result.returncode == 0, result.stdout
    header = [line for line in script.splitlines() if not line.startswith("#!")]  # a tool's shebang
    assert header[1].startswith("WHERE=")  # every message names where it ran


IMAGE_SCRIPTS = ("images/labhost/lab-dockerd", "images/labhost/lab-entry", "images/labhost/lab-healthcheck",
                 "images/slurm/slurm-entrypoint", "images/slurm/slurm-healthcheck", "images/mariadb/mariadb-entrypoint",
                 "images/mariadb/mariadb-healthcheck", "images/consul/consul-entrypoint", "tests/testbed/engine.sh",
                 "tests/testbed/base-images.sh")


def test_the_script_files_pass_shellcheck() -> None:
    """The host scripts, and the images' and the testbed's own."""
    files = [*sorted(str(p.relative_to(REPO)) for p in SCRIPTS_DIR.glob("*.sh")), *IMAGE_SCRIPTS]
    result = subprocess.run([shellcheck(), "-x", *files], cwd=REPO, text=True, capture_output=True, check=False)
    assert result.returncode == 0, result.stdout


def test_a_rendered_script_carries_its_libraries_once_and_no_source_line() -> None:
    script = es.swarm_init_script(cluster_of(SEED), cluster_of(SEED).host("node0"))
    assert script.count("fail() {") == 1 and script.count("restart_engine() {") == 1
    assert '. "${SCRIPTS' not in script and "ADVERTISE=10.0.0.10" in script


def test_join_token_comes_on_stdin_only() -> None:
    cluster = cluster_of(SEED)
    script = es.swarm_join_script(cluster, cluster.host("node1"), cluster.host("node0"))
    assert "token=$(cat)" in script and '--token "$token"' in script
    assert "SWMTKN" not in script
    assert "MANAGER=10.0.0.10:2377" in script and "ADVERTISE=10.0.0.11" in script


def test_kv_store_urls_bracket_ipv6_addresses() -> None:
    assert es.kv_store_url(cluster_of(KV_SEED)) == "etcd://10.0.0.5:2379"
    assert es.kv_store_url(cluster_of(dict(KV_SEED, kvStore="consul"))) == "consul://10.0.0.5:8501/network"
    assert es.kv_store_url(cluster_of(dict(KV_SEED, kvStore="consul", kvTls=False))) == \
        "consul://10.0.0.5:8500/network"
    v6 = copy.deepcopy(KV_SEED)
    v6["hosts"][0]["address"] = "fd00::5"
    assert es.kv_store_url(cluster_of(v6)) == "etcd://[fd00::5]:2379"


def test_kv_settings_and_engine_settings() -> None:
    kv = cluster_of(KV_SEED)
    tls_dir = "/var/lib/multihost-slurm/test/kv-tls"
    assert es.engine_settings(kv, kv.host("node2")) == {
        "cluster-store": "etcd://10.0.0.5:2379", "cluster-advertise": "10.0.0.12:2376",
        "cluster-store-opts": {"kv.cacertfile": f"{tls_dir}/ca.pem", "kv.certfile": f"{tls_dir}/cert.pem",
                               "kv.keyfile": f"{tls_dir}/key.pem"}}
    plain = cluster_of(dict(KV_SEED, kvTls=False))
    assert es.engine_settings(plain, plain.host("node2")) == {
        "cluster-store": "etcd://10.0.0.5:2379", "cluster-advertise": "10.0.0.12:2376"}
    settings = cluster_of(dict(SEED, dockerDaemon={"log-level": "warn"}))
    assert es.engine_settings(settings, settings.host("node1")) == {"log-level": "warn"}
    assert not es.needs_engine_config(cluster_of(SEED))


# ---- the files, run as they are ---------------------------------------------------------------------

def stand_ins(tmp_path: Path, **tools: str) -> dict[str, str]:
    """An environment whose PATH starts with stand-ins (each a sh script body) logging to calls.log."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    for name, body in tools.items():
        (bindir / name).write_text(f'#!/bin/sh\necho "{name} $*" >> {tmp_path}/calls.log\n{body}\n')
        (bindir / name).chmod(0o755)
    return {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "SCRIPTS": str(SCRIPTS_DIR)}


def run_file(name: str, env: dict[str, str], stdin: str = "", **variables: object) -> subprocess.CompletedProcess:
    env = {**env, "WHERE": "host h", **{k: str(v) for k, v in variables.items()}}
    return subprocess.run(["sh", str(SCRIPTS_DIR / name)], input=stdin, env=env, text=True, capture_output=True,
                          timeout=60, check=False)


# The engine scripts act as root (as_root would call sudo otherwise); CI runs as root, so there
# they always run.
NEEDS_ROOT = pytest.mark.skipif(os.geteuid() != 0 and os.environ.get("CI") != "true",
                                reason="the engine scripts run as root here (CI=true runs them anyway)")


def engine_variables(tmp_path: Path) -> dict[str, object]:
    return {"STATE_DIR": tmp_path / "state" / "test", "STATE_ROOT": tmp_path / "state",
            "LAB_SUPERVISOR": tmp_path / "no-supervisor", "LAB_DOCKERD_LOG": tmp_path / "dockerd.log",
            "ENGINE_WAIT_SECONDS": 2}


@NEEDS_ROOT
@pytest.mark.parametrize(("swarm_state", "outcome"), [
    ("inactive false", "swarm initialised, advertising 10.0.0.10"),
    ("active true", "already a swarm manager; left as it is"),
    ("active false", "the engine is a worker of another swarm"),
])
def test_swarm_init_joins_nothing_it_should_not(tmp_path: Path, swarm_state: str, outcome: str) -> None:
    env = stand_ins(tmp_path, docker=f'case "$1" in info) echo "{swarm_state}" ;; network) exit 1 ;; esac')
    result = run_file("swarm-init.sh", env, ADVERTISE="10.0.0.10", **engine_variables(tmp_path))
    assert outcome in result.stdout + result.stderr
    calls = (tmp_path / "calls.log").read_text()
    initialised = "docker swarm init --advertise-addr 10.0.0.10" in calls
    assert initialised == (swarm_state == "inactive false")
    assert (tmp_path / "state" / "test" / "swarm-created").exists() == initialised


@NEEDS_ROOT
def test_swarm_leave_leaves_only_a_membership_this_stack_made(tmp_path: Path) -> None:
    env = stand_ins(tmp_path, docker="exit 0")
    result = run_file("swarm-leave.sh", env, MARKER="swarm-joined", **engine_variables(tmp_path))
    assert "not made by this stack; left as it is" in result.stdout
    assert not (tmp_path / "calls.log").exists() or "swarm leave" not in (tmp_path / "calls.log").read_text()
    (tmp_path / "state" / "test").mkdir(parents=True)
    (tmp_path / "state" / "test" / "swarm-joined").touch()
    result = run_file("swarm-leave.sh", env, MARKER="swarm-joined", **engine_variables(tmp_path))
    assert "left the swarm" in result.stdout and "docker swarm leave" in (tmp_path / "calls.log").read_text()
    assert not (tmp_path / "state").exists()  # the notes and their parent go


@NEEDS_ROOT
def test_engine_config_merges_restarts_and_restore_puts_the_file_back(tmp_path: Path) -> None:
    daemon_json = tmp_path / "daemon.json"
    daemon_json.write_text('{"log-driver": "json-file"}\n')
    original = daemon_json.read_bytes()
    supervisor = tmp_path / "supervisor"
    supervisor.write_text(f"#!/bin/sh\necho \"supervisor $*\" >> {tmp_path}/calls.log\n")
    supervisor.chmod(0o755)
    env = stand_ins(tmp_path, docker='case "$1" in version) echo 26.1.5 ;; network) exit 1 ;; esac',
                    dockerd="exit 0")
    variables = {**engine_variables(tmp_path), "LAB_SUPERVISOR": supervisor, "DAEMON_JSON": daemon_json,
                 "WANTED_JSON": json.dumps({"log-level": "warn"}), "WANTED_KEYS": "log-level",
                 "MERGE_DAEMON_JSON": (SCRIPTS_DIR / "merge-daemon-json.py").read_text(),
                 "CLUSTER_STORE": "", "STORE_BACKEND": "", "GOSSIP_PORT": 7946}
    result = run_file("engine-config.sh", env, **variables)
    assert result.returncode == 0, result.stderr
    assert json.loads(daemon_json.read_text()) == {"log-driver": "json-file", "log-level": "warn"}
    calls = (tmp_path / "calls.log").read_text()
    assert calls.index("dockerd --validate") < calls.index("supervisor restart")
    again = run_file("engine-config.sh", env, **variables)
    assert "engine settings already in place; nothing to do" in again.stdout
    restored = run_file("engine-restore.sh", env, **{k: v for k, v in variables.items()
                                                    if k in ("STATE_DIR", "STATE_ROOT", "LAB_SUPERVISOR",
                                                             "LAB_DOCKERD_LOG", "ENGINE_WAIT_SECONDS",
                                                             "DAEMON_JSON")})
    assert restored.returncode == 0, restored.stderr
    assert daemon_json.read_bytes() == original and not (tmp_path / "state").exists()


def test_a_leaving_node_is_drained_its_jobs_waited_for_then_forgotten(tmp_path: Path) -> None:
    squeue = tmp_path / "squeue.calls"
    env = stand_ins(tmp_path, docker=(
        'case "$1 $3" in "inspect "*) echo true ;; "exec squeue") n=$(cat ' + str(squeue) + ' 2>/dev/null || echo 0); '
        'echo $((n + 1)) > ' + str(squeue) + '; [ "$n" -ge 1 ] || echo 42 ;; "exec sinfo") echo idle ;; esac'),
        sleep="exit 0")
    result = run_file("node-leave.sh", env, CONTROLLER="slurmctld", NODE="fd20_1", DRAIN_SECONDS=600)
    assert result.returncode == 0, result.stderr
    calls = [line for line in (tmp_path / "calls.log").read_text().splitlines() if line.startswith("docker exec")]
    drain = next(i for i, c in enumerate(calls) if "state=drain" in c)
    waits = [i for i, c in enumerate(calls) if "squeue" in c]
    forget = next(i for i, c in enumerate(calls) if "delete nodename=fd20_1" in c)
    assert drain < waits[0] < waits[-1] < forget and len(waits) == 2
    assert "fd20_1 drained and removed from slurmctld" in result.stdout


def test_a_drain_past_its_timeout_puts_the_node_back_and_fails(tmp_path: Path) -> None:
    env = stand_ins(tmp_path, docker='case "$1 $3" in "inspect "*) echo true ;; "exec squeue") echo 42 ;; '
                                     '"exec sinfo") echo idle ;; esac', sleep="exit 0")
    result = run_file("node-leave.sh", env, CONTROLLER="slurmctld", NODE="fd20_1", DRAIN_SECONDS=0)
    assert result.returncode == 1
    assert "jobs 42  still run on fd20_1 after 0 s (drainTimeout); the nodes are back in service" in result.stderr
    assert "state=resume" in (tmp_path / "calls.log").read_text()


def test_with_slurmctld_not_running_there_is_nothing_to_drain(tmp_path: Path) -> None:
    env = stand_ins(tmp_path, docker='[ "$1" = inspect ] && echo false')
    result = run_file("rotation-drain.sh", env, CONTROLLER="slurmctld", DRAIN_SECONDS=600,
                      ROTATION_REASON="munge key rotation")
    assert (result.returncode, result.stdout.strip()) == (0, "host h: slurmctld is not running: no node to drain")


# ---- the users' scripts ---------------------------------------------------------------------------

@NEEDS_ROOT
def test_identity_files_are_replaced_whole_and_keys_of_leavers_go(tmp_path: Path) -> None:
    cluster = cluster_of(PEOPLE)
    people = cluster.people
    directory = tmp_path / "identities"
    keys = {u.name: list(u.ssh_keys) for u in people.users}
    env = stand_ins(tmp_path)
    variables = {"IDENTITY_DIR": directory, "PASSWD": pp.passwd_file(people), "GROUP": pp.group_file(people),
                 "AUTHORIZED_KEYS": pp.authorized_keys(keys)}
    result = run_file("identities-install.sh", env, **variables)
    assert result.returncode == 0, result.stderr
    assert (directory / "passwd").read_text() == ("alice:*:2001:3000::/home/alice:/bin/bash\n"
                                                  "bob:*:2002:2002::/home/bob:/bin/sh\n")
    assert (directory / "group").read_text() == "physics:*:3000:bob\nbob:*:2002:\n"
    assert (directory / "ssh" / "alice").read_text() == people.user("alice").ssh_keys[0] + "\n"
    assert {p.name for p in (directory / "ssh").iterdir()} == {"alice", "bob"}
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in [directory / "passwd", *(directory / "ssh").iterdir()])
    assert (directory / "ssh").stat().st_mode & 0o777 == 0o755
    inode = (directory / "ssh").stat().st_ino
    without_bob = {"alice": keys["alice"]}
    result = run_file("identities-install.sh", env, **{**variables, "AUTHORIZED_KEYS": pp.authorized_keys(without_bob),
                                                        "PASSWD": "alice:*:2001:3000::/home/alice:/bin/bash\n"})
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (directory / "ssh").iterdir()] == ["alice"]
    assert (directory / "ssh").stat().st_ino == inode  # the directory the containers mount stays
    assert "1 users, 2 groups" in result.stdout


@NEEDS_ROOT
def test_a_path_shared_by_two_hosts_passes_and_a_local_one_fails(tmp_path: Path) -> None:
    shared, local = tmp_path / "shared", tmp_path / "local"
    shared.mkdir()
    local.mkdir()
    env = stand_ins(tmp_path)
    mark = run_file("shared-mark.sh", env, SHARED_PATH=shared, MARKER=".marker-test")
    assert mark.returncode == 0, mark.stderr
    token = mark.stdout.strip()
    check = {"MARKER": ".marker-test", "TOKEN": token, "WRITER": "login", "WAIT_SECONDS": 1}
    same = run_file("shared-check.sh", env, SHARED_PATH=shared, **check)
    assert same.returncode == 0 and f"{shared} is shared with host login" in same.stdout
    other = run_file("shared-check.sh", env, SHARED_PATH=local, **check)
    assert other.returncode == 1
    assert f"host h: {local} here is not the file system host login has at {local}" in other.stderr
    assert "Fix: mount the site's shared file system" in other.stderr
    missing = run_file("shared-check.sh", env, SHARED_PATH=tmp_path / "nowhere", **check)
    assert "is not there. Fix: mount" in missing.stderr
    assert run_file("shared-unmark.sh", env, SHARED_PATH=shared, MARKER=".marker-test").returncode == 0
    assert list(shared.iterdir()) == []


@NEEDS_ROOT
def test_a_home_is_made_once_and_kept_unless_the_stack_deletes_homes(tmp_path: Path) -> None:
    home = tmp_path / "home" / "alice"
    env = stand_ins(tmp_path)
    variables = {"HOME_DIR": home, "USER_NAME": "alice", "USER_ID": 2001, "GROUP_ID": 3000}
    assert run_file("home-create.sh", env, **variables).returncode == 0
    assert (home.stat().st_uid, home.stat().st_gid, home.stat().st_mode & 0o777) == (2001, 3000, 0o700)
    (home / "results.txt").write_text("data")
    again = run_file("home-create.sh", env, **variables)
    assert "is there already: left as it is" in again.stdout and (home / "results.txt").exists()
    kept = run_file("home-remove.sh", env, HOME_DIR=home, USER_NAME="alice", DELETE_HOMES="false")
    assert "kept" in kept.stdout and (home / "results.txt").exists()
    gone = run_file("home-remove.sh", env, HOME_DIR=home, USER_NAME="alice", DELETE_HOMES="true")
    assert gone.returncode == 0 and not home.exists()


def test_a_leaving_user_is_held_their_jobs_waited_for_then_removed(tmp_path: Path) -> None:
    squeue = tmp_path / "squeue.calls"
    env = stand_ins(tmp_path, docker=(
        'case "$*" in "inspect "*) echo true ;; *"sacctmgr -nP show assoc"*) echo alice ;; '
        '*squeue*) n=$(cat ' + str(squeue) + ' 2>/dev/null || echo 0); echo $((n + 1)) > ' + str(squeue)
        + '; [ "$n" -ge 1 ] || echo 42 ;; esac'), sleep="exit 0")
    variables = {"CONTROLLER": "slurmctld", "CLUSTER": "fd20", "USER_NAME": "alice", "USER_ID": 2001}
    result = run_file("user-remove.sh", env, DRAIN_SECONDS=600, **variables)
    assert result.returncode == 0, result.stderr
    calls = [c for c in (tmp_path / "calls.log").read_text().splitlines() if c.startswith("docker exec")]
    hold = next(i for i, c in enumerate(calls) if "set maxsubmitjobs=0" in c)
    waits = [i for i, c in enumerate(calls) if "squeue -h -u 2001" in c]
    remove = next(i for i, c in enumerate(calls) if "remove user where name=alice cluster=fd20" in c)
    assert hold < waits[0] < waits[-1] < remove and len(waits) == 2
    squeue.unlink()
    (tmp_path / "calls.log").unlink()
    late = run_file("user-remove.sh", env, DRAIN_SECONDS=0, **variables)
    assert late.returncode == 1 and "still run or wait after 0 s (drainTimeout); alice keeps" in late.stderr
    calls = (tmp_path / "calls.log").read_text()
    assert "set maxsubmitjobs=-1" in calls and "remove user" not in calls


def test_associations_are_not_added_while_slurmctld_is_down(tmp_path: Path) -> None:
    env = stand_ins(tmp_path, docker='[ "$1" = inspect ] && echo false')
    result = run_file("user-add.sh", env, CONTROLLER="slurmctld", CLUSTER="fd20", USER_NAME="alice",
                      ACCOUNT="general", DRAIN_SECONDS=600)
    assert result.returncode == 1 and "slurmctld (slurmctld) is not running" in result.stderr


def test_a_script_past_its_deadline_is_stopped_on_the_host() -> None:
    """scripts/lib.sh start_deadline: the host stops a remote script that runs too long, and says so."""
    import time

    script = render_script("in-container.sh", where="host h", deadline=2, CONTAINER="c")
    slow = script.replace('docker exec -i "$CONTAINER" sh -s', "echo started; sleep 60; echo never")
    started = time.monotonic()
    result = subprocess.run(["setsid", "sh", "-c", slow], capture_output=True, text=True, timeout=30, check=False)
    assert time.monotonic() - started < 10
    assert result.returncode != 0 and result.stdout == "started\n"
    assert "host h: still running after 2 s, the script's deadline: stopped" in result.stderr
    quick = script.replace('docker exec -i "$CONTAINER" sh -s', "echo done")
    result = subprocess.run(["setsid", "sh", "-c", quick], capture_output=True, text=True, timeout=30, check=False)
    assert (result.returncode, result.stdout) == (0, "done\n")


# ---- the daemon.json merge --------------------------------------------------------------------------

def run_merge(path: Path, wanted: dict[str, object] | None = None) -> str:
    wanted = wanted or {"cluster-store": "etcd://10.0.0.5:2379", "cluster-advertise": "eth1:2376"}
    out = path.with_suffix(".next")
    result = subprocess.run(["python3", str(SCRIPTS_DIR / "merge-daemon-json.py"), str(path), str(out),
                             json.dumps(wanted)], capture_output=True, text=True, check=True).stdout.strip()
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


# ---- kvTls: the engines' certificate files ----------------------------------------------------------

def test_kv_tls_files_arrive_whole_and_root_only_and_go_with_the_stack(tmp_path: Path) -> None:
    cluster = cluster_of(dict(KV_SEED, kvStore="consul"))
    host = cluster.host("node1")
    install, remove = kt.engine_tls_install_script(cluster, host), kt.engine_tls_remove_script(cluster, host)
    assert "CERTIFICATE" not in install and "PRIVATE KEY" not in install  # the files come on stdin only
    assert "TLS_DIR=/var/lib/multihost-slurm/test/kv-tls" in install and install.count("TLS_DIR=") == 1
    assert "TLS_DIR=/var/lib/multihost-slurm/test/kv-tls" in remove
    state_root = tmp_path / "var-lib"
    directory = state_root / "test" / "kv-tls"
    variables = {"TLS_DIR": directory, "CA_FILE": "ca.pem", "CERT_FILE": "cert.pem", "KEY_FILE": "key.pem"}
    blocks = [f"-----BEGIN {kind}-----\n{kind.lower()}\n-----END {kind}-----\n"
              for kind in ("CERTIFICATE", "CERTIFICATE", "EC PRIVATE KEY")]
    env = stand_ins(tmp_path)
    cut = run_file("kv-tls-install.sh", env, stdin="".join(blocks[:2]), **variables)
    assert cut.returncode != 0 and "did not arrive whole on stdin" in cut.stderr
    assert not (directory / "ca.pem").exists()
    result = run_file("kv-tls-install.sh", env, stdin="".join(blocks), **variables)
    assert result.returncode == 0, result.stderr
    assert [(directory / f).read_text() for f in ("ca.pem", "cert.pem", "key.pem")] == blocks
    assert oct(directory.stat().st_mode & 0o777) == "0o700"
    assert {oct(p.stat().st_mode & 0o777) for p in directory.iterdir()} == {"0o600"}
    gone = run_file("kv-tls-remove.sh", env, TLS_DIR=directory, STATE_DIR=directory.parent, STATE_ROOT=state_root)
    assert gone.returncode == 0, gone.stderr
    assert not state_root.exists()


# ---- the operator's backup and restore ---------------------------------------------------------

# docker as the tools see it on a controller host: every container runs and is healthy; a dump and
# the state volume's archive are small texts; what the restore writes into the volume is kept
TOOLS_DOCKER = """case "$1" in
  inspect) case "$*" in *Health*) echo healthy ;; *Running*) echo "${RUNNING:-true}" ;; *) echo slurm:img ;; esac ;;
  exec) case "$*" in
    *mariadb-dump*) echo '-- the dump' ;;
    *"show nodes"*) echo 'NodeName=n1 Arch=x NodeAddr=10.0.0.1 NodeHostName=n1'
                    echo 'NodeName=n2 NodeAddr=10.0.0.2 X=y' ;;
    *"getent hosts n1"*) echo '10.0.0.9 n1' ;;
    *"getent hosts n2"*) echo '10.0.0.2 n2' ;;
    *" -i "*) cat > "$(mktemp "$TOOLS_OUT/exec-XXXXXX")" ;;
  esac ;;
  run) case "$*" in *-cf*) echo 'the state' ;; *) cat > "$TOOLS_OUT/state-written" ;; esac ;;
esac"""
TOOL_VARIABLES = {"CONTROLLER": "slurmctld", "STATE_VOLUME": "vol-state", "MARIADB": "mariadb",
                  "SLURMDBD": "slurmdbd", "DB_NAME": "slurm_acct_db", "WAIT_SECONDS": 2, "STOP_SECONDS": 30}


def tool_env(tmp_path: Path) -> dict[str, str]:
    return {**stand_ins(tmp_path, docker=TOOLS_DOCKER), "TOOLS_OUT": str(tmp_path)}


def run_tool(name: str, env: dict[str, str], stdin: bytes, **variables: object) -> subprocess.CompletedProcess:
    env = {**env, "WHERE": "host h", **{k: str(v) for k, v in {**TOOL_VARIABLES, **variables}.items()}}
    return subprocess.run(["sh", str(SCRIPTS_DIR / name)], input=stdin, env=env, capture_output=True, timeout=60,
                          check=False)


def backup_members(archive: bytes) -> dict[str, bytes]:
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        return {m.name.removeprefix("./"): tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_a_backup_is_taken_while_slurmctld_is_stopped_having_saved_its_state(tmp_path: Path) -> None:
    result = run_tool("slurm-backup.sh", tool_env(tmp_path), b"")
    assert result.returncode == 0, result.stderr
    assert backup_members(result.stdout) == {"accounting.sql": b"-- the dump\n", "state.tar": b"the state\n"}
    calls = [line.split()[:2] for line in (tmp_path / "calls.log").read_text().splitlines()]
    steps = [c for c in calls if c[1] in ("stop", "start", "exec", "run")]
    assert steps == [["docker", "stop"], ["docker", "exec"], ["docker", "run"], ["docker", "start"]]
    assert "docker stop -t 30 slurmctld" in (tmp_path / "calls.log").read_text()


def test_a_backup_without_accounting_holds_only_the_state(tmp_path: Path) -> None:
    result = run_tool("slurm-backup.sh", tool_env(tmp_path), b"", MARIADB="")
    assert result.returncode == 0, result.stderr
    assert set(backup_members(result.stdout)) == {"state.tar"}


def test_no_backup_of_a_stopped_controller_and_it_is_left_as_it_was(tmp_path: Path) -> None:
    result = run_tool("slurm-backup.sh", tool_env(tmp_path), b"", RUNNING="false")
    assert result.returncode == 1 and result.stdout == b""
    assert b"host h: slurmctld (slurmctld) is not running" in result.stderr
    calls = (tmp_path / "calls.log").read_text()
    assert "docker stop" not in calls and "docker start" not in calls


def test_a_restore_stops_the_daemons_replaces_database_and_state_then_starts_them(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    backup = run_tool("slurm-backup.sh", tool_env(tmp_path / "b"), b"").stdout
    result = run_tool("slurm-restore.sh", tool_env(tmp_path), backup)
    assert result.returncode == 0, result.stderr
    calls = [line.split()[:3] for line in (tmp_path / "calls.log").read_text().splitlines()]
    steps = [" ".join(c[1:]) for c in calls if c[1] in ("stop", "start", "exec", "run")]
    assert steps[:7] == ["stop slurmctld", "stop slurmdbd", "exec -i", "exec -i", "start slurmdbd", "run --rm",
                         "start slurmctld"]
    # the state's node addresses, updated where a node's container has another now
    updates = [line for line in (tmp_path / "calls.log").read_text().splitlines() if "scontrol update" in line]
    assert updates == ["docker exec slurmctld scontrol update nodename=n1 nodeaddr=10.0.0.9"]
    assert "node n1: at 10.0.0.9 now (the backup had 10.0.0.1)" in result.stdout.decode()
    assert (tmp_path / "state-written").read_text() == "the state\n"
    loaded = sorted(p.read_text() for p in tmp_path.glob("exec-*"))
    assert loaded == ["-- the dump\n", "DROP DATABASE IF EXISTS `slurm_acct_db`;\n"]


@pytest.mark.parametrize(("stdin", "variables", "problem"), [
    (b"not an archive", {}, b"stdin is not a tar archive"),
    (None, {}, b"the archive holds no state.tar"),
    ("state only", {}, b"the archive holds no accounting.sql, and this cluster keeps accounting"),
])
def test_a_restore_refuses_what_is_not_a_backup_and_touches_nothing(tmp_path: Path, stdin, variables,
                                                                     problem: bytes) -> None:
    if stdin is None:  # an archive, but not a backup
        stdin = subprocess.run(["tar", "-cf", "-", "-C", str(SCRIPTS_DIR), "lib.sh"], capture_output=True,
                               check=True).stdout
    elif stdin == "state only":
        (tmp_path / "b").mkdir()
        stdin = run_tool("slurm-backup.sh", tool_env(tmp_path / "b"), b"", MARIADB="").stdout
    result = run_tool("slurm-restore.sh", tool_env(tmp_path), stdin, **variables)
    assert result.returncode == 1 and problem in result.stderr, result.stderr
    calls = (tmp_path / "calls.log").read_text() if (tmp_path / "calls.log").exists() else ""
    assert not any(f"docker {verb} " in calls for verb in ("stop", "run", "exec")), calls
