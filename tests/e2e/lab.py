"""A lab stack on the testbed, applied by the test applier, and what tests ask of its hosts."""

from __future__ import annotations

import copy
import hashlib
import json
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import requests

from applier import Applier, ApplyResult, real_providers
from applier.program import REPO
from applier.state import Resource
from model.cluster import Cluster
from model.config import SecretState, parse_cluster
from model.constants import LAB_SHARED_ROOT, LABEL_PREFIX, PROJECT
from render.kv_tls import client_tls_files

LAB_DAEMON_JSON = REPO / "images" / "labhost" / "daemon.json"


# Two users whose keys the lab generates, in a group, with homes on the lab's shared /home; node0
# runs the login container.
PEOPLE: dict[str, Any] = {
    "groups": [{"name": "physics", "gid": 3000}],
    "users": [{"name": "alice", "uid": 2001, "groups": ["physics"]}, {"name": "bob", "uid": 2002}],
    "sharedFilesystems": [{"path": "/home"}],
}
# kv mode's labs turn the services off: slurmctld, the slurmds and the login container only
KV_SERVICES_OFF: dict[str, Any] = {"overlay": "kv", "accounting": False, "restApi": False, "mpi": False}
SEED_HOSTS: list[dict[str, Any]] = [
    {"name": "login", "roles": ["kv"]}, {"name": "node0", "roles": ["controller", "compute", "login"]},
    {"name": "node1", "roles": ["compute"]}, {"name": "node2", "roles": ["compute"]}]
MODES: dict[str, dict[str, Any]] = {
    # trixie's docker.io 26 in a swarm, Consul (built here: no registry) on node0 for the catalog
    "swarm": {
        "lab": {"subnet": "172.29.1.0/24", "portBase": 12300},
        "images": {"buildConsul": True},
        "hosts": [{"name": "node0", "roles": ["controller", "compute", "login", "kv"]},
                  {"name": "node1", "roles": ["compute"]}, {"name": "node2", "roles": ["compute"]}],
        **PEOPLE,
    },
    # the seed's own layout: Consul on the login host, bullseye's docker.io 20.10.5 on consul://login:8500
    "consul": {
        "lab": {"subnet": "172.29.3.0/24", "portBase": 12400},
        "images": {"buildConsul": True},
        **KV_SERVICES_OFF,
        "hosts": SEED_HOSTS,
        **PEOPLE,
    },
    # engines without Consul's backend (bookworm's docker.io 20.10.24) on etcd instead; images built on
    # a host, not here: node1 builds and pushes to the registry on node0, login builds etcd
    "etcd": {
        "lab": {"subnet": "172.29.2.0/24", "portBase": 12500},
        "kvStore": "etcd",
        "images": {"buildOn": "node1"},
        **KV_SERVICES_OFF,
        "hosts": SEED_HOSTS,
        **PEOPLE,
    },
}


def is_lab_host(resource: Resource) -> bool:
    """A lab host container: kept by a partial destroy so that tests can look at the hosts."""
    return resource.type == "docker:index/container:Container" and resource.name.endswith("-lab-host")


@dataclass
class LabStack:
    stack: str
    mode: str  # which lab of MODES
    docker_host: str  # the testbed engine the lab hosts run on
    state_dir: Path
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.config: dict[str, Any] = self.baseline()
        self.applier = Applier(self.config, stack=self.stack, state_path=self.state_dir / f"{self.stack}.json",
                               providers=real_providers(), log=self.log.append)
        self.outputs: dict[str, Any] = {}

    def baseline(self) -> dict[str, Any]:
        """The stack config of this lab as its mode declares it."""
        return {**copy.deepcopy(MODES[self.mode]), "localDockerHost": self.docker_host}

    @property
    def overlay(self) -> str:
        return str(self.config.get("overlay", "swarm"))

    @property
    def consul_url(self) -> str | None:
        return self.outputs.get("consulUrl")

    def hosts_with(self, *extra: dict[str, Any], without: str = "", **changed: dict[str, Any]) -> list:
        """The mode's hosts, less `without`, with `changed[name]` merged in, plus `extra` hosts."""
        hosts = [dict(h, **changed.get(h["name"], {})) for h in MODES[self.mode]["hosts"] if h["name"] != without]
        return [*hosts, *extra]

    def converge(self, **changes: Any) -> ApplyResult:
        """`up` with the baseline config and `changes`: from any earlier state, the lab a test asks for."""
        self.config.clear()
        self.config.update(self.baseline())
        return self.up(**changes)

    def up(self, replace: tuple[str, ...] = (), refresh: bool = False, **changes: Any) -> ApplyResult:
        """Apply the program, with `changes` to the stack config first (a key set to None is removed);
        `replace`: resources to replace anyway (`pulumi up --replace`); `refresh`: `--refresh`."""
        for key, value in changes.items():
            if value is None:
                self.config.pop(key, None)
            else:
                self.config[key] = value
        self.applier.config = dict(self.config)
        result = self.applier.up(replace=replace, refresh=refresh)
        self.outputs = result.outputs
        return result

    def destroy(self, keep_hosts: bool = False) -> ApplyResult:
        return self.applier.destroy(keep=is_lab_host if keep_hosts else lambda _: False)

    def destroy_all_but(self, name: str) -> ApplyResult:
        """`pulumi destroy --exclude <name> --exclude-dependents`'s opposite: every resource but the
        lab hosts, `name`, and what they need."""
        return self.applier.destroy(keep=lambda r: is_lab_host(r) or r.name == name)

    # ---- the hosts -----------------------------------------------------------------------------

    def model(self) -> Cluster:
        """The stack's model as the program sees it."""
        return parse_cluster(self.config, project=PROJECT, stack=self.stack,
                             ssh_key=SecretState(present=False, secret=False))

    def address(self, host: str) -> str:
        """The lab host's address on the lab bridge, where the other lab hosts reach it."""
        return self.model().host(host).join_address

    def ssh_address(self, host: str) -> str:
        """Where this machine reaches the lab host's sshd: address:port on the loopback."""
        reached = self.model().host(host)
        return f"{reached.address}:{reached.ssh_port}"

    def run(self, host: str, command: str) -> subprocess.CompletedProcess[str]:
        attempt = 1
        while True:
            result = subprocess.run(self._ssh(host, command), capture_output=True, text=True, timeout=300,
                                    check=False)
            if RUNC_EXEC_RACE not in result.stderr or attempt == EXEC_ATTEMPTS:
                return result
            # runc never started the command: say so, with what the engine says, and run it again
            print(f"on {host}: runc failed to start `{command}` (attempt {attempt} of {EXEC_ATTEMPTS}); "
                  f"{self._exec_context(host, command)}")
            time.sleep(2 * attempt)
            attempt += 1

    def _ssh(self, host: str, command: str) -> list[str]:
        return ["ssh", "-i", self.outputs["sshIdentityFile"], "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                "-p", self.ssh_address(host).rsplit(":", 1)[1], f"root@{self.ssh_address(host).rsplit(':', 1)[0]}",
                command]

    def _exec_context(self, host: str, command: str) -> str:
        """The target container's state and the engine's last log lines, for a failed `docker exec`."""
        words = command.split()
        target = next((w for w in words[2:] if not w.startswith("-")), "") if words[:2] == ["docker", "exec"] else ""
        inspect = (f"docker inspect --format '{{{{.State.Status}}}} restarts={{{{.RestartCount}}}} "
                   f"started={{{{.State.StartedAt}}}}' {target}; " if target else "")
        probe = subprocess.run(self._ssh(host, f"{inspect}uptime; tail -n 5 /var/log/dockerd.log"),
                               capture_output=True, text=True, timeout=60, check=False)
        return f"{target or 'engine'}: {probe.stdout.strip()} {probe.stderr.strip()}"

    def wait_until_back(self, host: str, timeout: float = 180) -> float:
        """After a host restart: wait until its sshd and its engine answer (the lab host starts sshd
        once its dockerd is up, which takes a while when the engine restarts containers). Returns
        the seconds waited."""
        started = time.monotonic()
        while True:
            result = self.run(host, "docker version --format '{{.Server.Version}}'")
            if result.returncode == 0:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise AssertionError(f"{host} did not answer within {timeout} s: {result.stderr.strip()}")
            time.sleep(1)

    def ssh(self, host: str, command: str) -> str:
        """Run a command that must succeed; return its output."""
        result = self.run(host, command)
        if result.returncode != 0:
            raise AssertionError(f"on {host}: {command}\n{result.stderr}{result.stdout}")
        return result.stdout

    def ssh_fails(self, host: str, command: str) -> str:
        """Run a command that must fail; return what it said on stderr."""
        result = self.run(host, command)
        assert result.returncode != 0, f"on {host}, expected a failure: {command}\n{result.stdout}"
        return result.stderr

    def as_user(self, user: str, command: str, key_of: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run `command` as `user` logged in to the login container with ssh, as the `logins` output
        says; `key_of`: log in with another user's key instead."""
        login = self.outputs["logins"][key_of or user]
        options, destination = login.rsplit(" ", 1)
        destination = f"{user}@{destination.split('@', 1)[1]}"
        line = f"{options} -o BatchMode=yes -o ConnectTimeout=20 -o LogLevel=ERROR {destination} {shlex.quote(command)}"
        deadline = time.monotonic() + PENALTY_WAIT_SECONDS
        while True:
            result = subprocess.run(["sh", "-c", line], capture_output=True, text=True, timeout=300, check=False)
            if SSHD_PENALTY not in result.stderr or time.monotonic() > deadline:
                return result
            time.sleep(5)  # this machine's address sits out its penalty, as a user would wait

    def user_ok(self, user: str, command: str) -> str:
        """Run a command as a user that must succeed; return its output."""
        result = self.as_user(user, command)
        if result.returncode != 0:
            raise AssertionError(f"as {user}: {command}\n{result.stderr}{result.stdout}")
        return result.stdout

    def slurm(self, command: str) -> str:
        """Run a Slurm command in the controller container."""
        return self.ssh(self.outputs["controller"]["host"], f"docker exec {self.outputs['controller']['container']} "
                        f"{command}")

    def containers_on(self, host: str) -> list[str]:
        return self.ssh(host, "docker ps --format '{{.Names}}'").split()

    def engine_version(self, host: str) -> str:
        return self.ssh(host, "docker version --format '{{.Server.Version}}'").strip()

    def daemon_json_digest(self, host: str) -> str:
        return hashlib.sha256(self.ssh(host, "cat /etc/docker/daemon.json").encode()).hexdigest()

    def swarm_state(self, host: str) -> str:
        return self.ssh(host, "docker info --format '{{.Swarm.LocalNodeState}}'").strip()

    def engine_objects(self, host: str) -> dict[str, list[str]]:
        """Containers, volumes and non-default networks left on a host's engine."""
        networks = self.ssh(host, "docker network ls --format '{{.Name}}'").split()
        return {
            "containers": self.ssh(host, "docker ps -a --format '{{.Names}}'").split(),
            "volumes": self.ssh(host, "docker volume ls -q").split(),
            "networks": [n for n in networks if n not in ("bridge", "host", "none")],
        }


# The login containers' sshd (Debian trixie's OpenSSH, 9.8 or later) keeps its default PerSourcePenalties: an
# address whose logins failed (the tests' strangers, all from this machine) is refused for a while,
# before the key exchange. A user logging in from it then waits that out.
SSHD_PENALTY = "kex_exchange_identification"
PENALTY_WAIT_SECONDS = 180

# The lab hosts' runc (Docker 26 inside Docker) sometimes fails to set up a `docker exec`, before
# the command runs: about one full e2e run in ten, twice in a row once, never reproduced on demand
# (1,200 execs under load into containers with 1 s health checks: none).
EXEC_ATTEMPTS = 3
RUNC_EXEC_RACE = "waiting for init preliminary setup: read init-p: connection reset by peer"


def expected_daemon_json_digest() -> str:
    return hashlib.sha256(LAB_DAEMON_JSON.read_bytes()).hexdigest()


def clear_leftovers(docker_host: str, stack: str) -> None:
    """Remove what an interrupted earlier run of this stack left on the testbed (its state is gone),
    the homes in its shared directory among it (the testbed's engine runs on this machine)."""
    shutil.rmtree(Path(LAB_SHARED_ROOT) / stack, ignore_errors=True)
    left = made_on_testbed(docker_host, stack)
    client = docker.DockerClient(base_url=docker_host)
    try:
        for name in left["containers"]:
            client.containers.get(name).remove(force=True, v=True)
        for name in left["volumes"]:
            client.volumes.get(name).remove(force=True)
        for name in left["networks"]:
            client.networks.get(name).remove()
    finally:
        client.close()


def lab_host_logs(docker_host: str, stack: str, tail: int = 40) -> str:
    """The last lines each lab host of the stack logged: its inner dockerd's start, and sshd's
    connections and any refusals."""
    names = made_on_testbed(docker_host, stack)["containers"]
    client = docker.DockerClient(base_url=docker_host)
    try:
        return "\n".join(f"---- {name} ----\n{client.containers.get(name).logs(tail=tail).decode(errors='replace')}"
                         for name in names)
    finally:
        client.close()


def made_on_testbed(docker_host: str, stack: str) -> dict[str, list[str]]:
    """What carries this stack's name on the testbed engine: its lab hosts, volumes and network."""
    client = docker.DockerClient(base_url=docker_host)
    try:
        marker = f"{LABEL_PREFIX}-{stack}-"
        return {
            "containers": [c.name for c in client.containers.list(all=True) if c.name.startswith(marker)],
            "volumes": [v.name for v in client.volumes.list() if v.name.startswith(marker)],
            "networks": [n.name for n in client.networks.list() if n.name.startswith(marker)],
        }
    finally:
        client.close()


def expand_hostlist(slurm: LabStack, hostlist: str) -> list[str]:
    return slurm.slurm(f"scontrol show hostnames {hostlist}").split() if hostlist else []


def sinfo_partitions(lab: LabStack) -> dict[str, list[str]]:
    partitions: dict[str, list[str]] = {}
    for line in lab.slurm("sinfo -h -o '%R %N'").splitlines():
        name, _, hostlist = line.partition(" ")
        partitions[name] = sorted(expand_hostlist(lab, hostlist.strip()))
    return partitions


def node_diagnosis(lab: LabStack, node: str, host: str) -> str:
    """What the controller and the node's host say about a node that is not idle."""
    ip = "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}"
    checks = [
        ("controller", lab.outputs["controller"]["host"],
         f"docker exec {lab.outputs['controller']['container']} sh -c "
         f"'scontrol show node {node} | grep -E \"NodeAddr|State=|Reason\"; getent hosts {node}'"),
        (host, host, f"docker inspect -f '{ip} health={{{{json .State.Health.Log}}}}' {node} | tail -c 600; "
                     f"docker exec {node} getent hosts {lab.outputs['controller']['container']}; "
                     f"docker logs --tail 15 {node} 2>&1"),
    ]
    out = []
    for where, on, command in checks:
        result = lab.run(on, command)
        out.append(f"---- {node} as {where} sees it ----\n{result.stdout}{result.stderr}")
    return "\n".join(out)


def node_states(lab: LabStack) -> dict[str, str]:
    return dict(line.split() for line in lab.slurm("sinfo -h -N -o '%N %T'").splitlines())


def dump(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True)


# ---- jobs and containers ------------------------------------------------------------------------

def submit(lab: LabStack, args: str) -> str:
    return lab.slurm(f"sbatch --parsable {args}").strip().split(";")[0]


def job_field(lab: LabStack, job: str, name: str) -> str:
    for word in lab.slurm(f"scontrol show job {job}").split():
        if word.startswith(f"{name}="):
            return word.split("=", 1)[1]
    raise AssertionError(f"job {job} has no {name}")


def wait_for_job(lab: LabStack, job: str, states: tuple[str, ...], timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while True:
        state = job_field(lab, job, "JobState")
        if state in states or time.monotonic() > deadline:
            return state
        time.sleep(2)


def slurm_containers(lab: LabStack, hosts: list[str]) -> dict[str, str]:
    """Slurm container name -> 'id started-at' on the given hosts: changes if it is replaced or restarted."""
    found: dict[str, str] = {}
    for host in hosts:
        lines = lab.ssh(host, f"docker ps -q --filter label={LABEL_PREFIX}.role | xargs -r docker inspect "
                              "--format '{{.Name}} {{.Id}} {{.State.StartedAt}}'").splitlines()
        for line in lines:
            name, rest = line.lstrip("/").split(" ", 1)
            found[name] = rest
    return found


# ---- Consul, through its HTTP API from the machine running Pulumi ------------------------------------

def consul_request(lab: LabStack, method: str, path: str, certificate: bool = True) -> requests.Response:
    """A request to the stack's Consul as the Pulumi client (its certificate, under kvTls), or
    with none at all (`certificate=False`)."""
    assert lab.consul_url, "this lab runs no Consul"
    tls: dict[str, Any] = {}
    if lab.consul_url.startswith("https:"):
        files = client_tls_files(Path.home(), lab.stack)
        tls = {"verify": str(files["ca"]), "cert": (str(files["cert"]), str(files["key"])) if certificate else None}
    return requests.request(method, f"{lab.consul_url}{path}", timeout=10, **tls)


def consul_get(lab: LabStack, path: str) -> Any:
    """GET a path of the stack's Consul (None for 404: no such key)."""
    response = consul_request(lab, "GET", path)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.json()


def consul_services(lab: LabStack) -> dict[str, dict[str, Any]]:
    """The services the agent holds whose id this stack gave them, by id."""
    return {sid: s for sid, s in consul_get(lab, "/v1/agent/services").items() if sid.startswith(f"{lab.stack}-")}


def consul_check_states(lab: LabStack) -> dict[str, str]:
    """Each of this stack's services: the state of its health check."""
    checks = consul_get(lab, "/v1/agent/checks").values()
    return {c["ServiceID"]: c["Status"] for c in checks if c["ServiceID"].startswith(f"{lab.stack}-")}


def consul_keys(lab: LabStack, prefix: str) -> list[str]:
    return consul_get(lab, f"/v1/kv/{prefix}?keys") or []


def wait_for_consul_leader(lab: LabStack, timeout: float = 60) -> str:
    """After Consul (re)started: its leader, once it answers with one."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            leader = consul_get(lab, "/v1/status/leader")
        except requests.exceptions.RequestException:
            leader = None
        if leader:
            return str(leader)
        if time.monotonic() > deadline:
            raise AssertionError(f"Consul at {lab.consul_url} has no leader after {timeout} s")
        time.sleep(1)


def wait_for_passing_checks(lab: LabStack, timeout: float = 60) -> dict[str, str]:
    """Checks start critical until their first run (CHECK_INTERVAL): wait until every one passes."""
    deadline = time.monotonic() + timeout
    while True:
        states = consul_check_states(lab)
        if set(states.values()) == {"passing"} or time.monotonic() > deadline:
            return states
        time.sleep(2)
