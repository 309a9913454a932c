"""The seed's cluster on three lab hosts, in both overlay modes, applied for real.

swarm: three hosts with trixie's docker.io 26 joined in a swarm, Consul's catalog on node0;
consul: the seed's own layout, bullseye's docker.io 20.10.5 on consul://login:8500;
etcd: kv mode for engines without Consul's backend, bookworm's docker.io 20.10.24 on etcd.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from pathlib import Path
from typing import Any

import docker
import pytest
import requests

from applier import ApplyError
from model.config import SecretState, parse_cluster
from model.constants import (
    DOCKER_CERTS_DIR,
    IMAGE_ACCOUNT_NAMES,
    IMAGE_REPOSITORY,
    JWT_KEY_PATH,
    LAB_SHARED_ROOT,
    MUNGE_KEY_PATH,
    REGISTRY_HOST,
)
from render import engine_scripts
from render.images import images_built_on
from render.readiness import MPI_INIT_CRASH, MPI_SECOND_RUN_NOTE, readiness_script
from tests.e2e.conftest import phase
from tests.e2e.lab import (
    LabStack,
    consul_get,
    consul_keys,
    consul_request,
    consul_services,
    dump,
    expand_hostlist,
    expected_daemon_json_digest,
    job_field,
    lab_host_logs,
    made_on_testbed,
    node_diagnosis,
    node_states,
    sinfo_partitions,
    slurm_containers,
    submit,
    wait_for_consul_leader,
    wait_for_job,
    wait_for_passing_checks,
)

pytestmark = pytest.mark.e2e

SEED_NODES = ["fd20_0", "fd20_1", "fd20_2"]
SEED_PARTITIONS = {"all": SEED_NODES, "even": ["fd20_0", "fd20_2"], "odd": ["fd20_1"]}
NODE_HOSTS = {"fd20_0": "node0", "fd20_1": "node1", "fd20_2": "node2"}
SLURM_HOSTS = ["node0", "node1", "node2"]
ENGINE_VERSION = {"swarm": "26.", "consul": "20.10.5", "etcd": "20.10.24"}

# Tests of some labs only: the module's lab, narrowed to those modes.
swarm_lab = pytest.mark.parametrize("lab_stack", ["swarm"], indirect=True)
kv_labs = pytest.mark.parametrize("lab_stack", ["consul", "etcd"], indirect=True)
consul_labs = pytest.mark.parametrize("lab_stack", ["swarm", "consul"], indirect=True)
seed_lab = pytest.mark.parametrize("lab_stack", ["consul"], indirect=True)
etcd_lab = pytest.mark.parametrize("lab_stack", ["etcd"], indirect=True)


READY = {
    "swarm": "ready: 3 node(s) idle; srun answered from fd20_0 fd20_1 fd20_2; accounting: cluster fd20 registered; "
             "REST API answers; MPI across 3 node(s)",
    "consul": "ready: 3 node(s) idle; srun answered from fd20_0 fd20_1 fd20_2",
    "etcd": "ready: 3 node(s) idle; srun answered from fd20_0 fd20_1 fd20_2",
}


def test_readiness_passed(lab: LabStack) -> None:
    # the one retry the check allows (Open MPI's MPI_Init race, render/readiness.py) is reported, not hidden
    assert lab.outputs["readiness"].removesuffix(MPI_SECOND_RUN_NOTE) == READY[lab.mode]


def test_every_node_idle(lab: LabStack) -> None:
    assert node_states(lab) == dict.fromkeys(SEED_NODES, "idle")


def test_partitions_hold_the_seed_members(lab: LabStack) -> None:
    assert sinfo_partitions(lab) == SEED_PARTITIONS
    assert lab.slurm("sinfo -h -o '%P'").split()[0] == "all*"


def test_outputs_match_sinfo(lab: LabStack) -> None:
    assert lab.outputs["nodes"] == sorted(node_states(lab))
    assert lab.outputs["partitions"] == sinfo_partitions(lab)
    assert lab.outputs["overlayMode"] == lab.overlay


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
        assert lab.engine_version(host).startswith(ENGINE_VERSION[lab.mode])
    if lab.overlay == "kv":
        # the seed's check: the overlay is listed by every engine
        for host in SLURM_HOSTS:
            listed = lab.ssh(host, "docker network ls --filter driver=overlay --format '{{.Name}} {{.Scope}}'")
            assert listed.split() == ["global", "global"], host
    else:
        assert [lab.swarm_state(h) for h in SLURM_HOSTS] == ["active"] * 3


# ---- Consul: the overlay's store (the seed), the catalog and the UI --------------------------------

@seed_lab
def test_the_overlay_lives_in_consuls_key_value_store(lab: LabStack) -> None:
    network_id = lab.ssh("node1", "docker network inspect global --format '{{.Id}}'").strip()
    keys = consul_keys(lab, "network/docker/network/v1.0/")
    assert any(network_id in key for key in keys), keys
    assert lab.containers_on("login") == ["consul"]  # the seed's login host runs Consul, outside the overlay


def expected_services(lab: LabStack, nodes: list[str]) -> dict[str, str]:
    """The catalog's services of this stack, by id: slurmctld, slurmrestd where it runs, each slurmd."""
    services = {f"{lab.stack}-slurmctld": "slurmctld", **{f"{lab.stack}-{n}": "slurmd" for n in nodes}}
    if lab.outputs["restUrl"]:
        services[f"{lab.stack}-slurmrestd"] = "slurmrestd"
    return services


def inventory_prefix(lab: LabStack) -> str:
    return f"multihost-slurm/{lab.stack}"


@consul_labs
def test_the_catalog_lists_every_slurm_daemon_with_passing_checks(lab: LabStack) -> None:
    expected = expected_services(lab, SEED_NODES)
    assert {sid: s["Service"] for sid, s in consul_services(lab).items()} == expected
    assert wait_for_passing_checks(lab) == dict.fromkeys(expected, "passing")
    prefix = inventory_prefix(lab)
    assert set(consul_keys(lab, f"{prefix}/")) == {
        f"{prefix}/cluster", *(f"{prefix}/hosts/{h}" for h in lab.outputs["hosts"]),
        *(f"{prefix}/nodes/{n}" for n in SEED_NODES), *(f"{prefix}/partitions/{p}" for p in SEED_PARTITIONS)}
    even = consul_request(lab, "GET", f"/v1/kv/{prefix}/partitions/even?raw").text
    assert even == "fd20_0,fd20_2"


@consul_labs
def test_the_consul_url_output_answers_with_a_leader_and_the_ui(lab: LabStack) -> None:
    kv_host = lab.model().host(lab.outputs["kvHost"])
    assert lab.consul_url == f"https://127.0.0.1:{kv_host.port(8501)}"  # the lab host's port on this machine
    assert consul_get(lab, "/v1/status/leader").endswith(":8300")
    ui = consul_request(lab, "GET", "/ui/")
    assert ui.status_code == 200 and "consul" in ui.text.lower()
    # the output's command works as it is, with the files the program wrote for this machine
    assert subprocess.run(["sh", "-c", lab.outputs["consulCommand"]], capture_output=True, text=True,
                          check=True).stdout.strip().strip('"').endswith(":8300")


# Python's TLS client on a lab host (python3 is there for daemon.json merges): GET a URL, with the
# engine's certificate for the store or without one.
HTTPS_GET = """
import ssl, sys, urllib.request
url, ca, cert, key = sys.argv[1:5]
context = ssl.create_default_context(cafile=ca)
if cert:
    context.load_cert_chain(cert, key)
try:
    print(urllib.request.urlopen(url, context=context, timeout=10).read().decode())
except Exception as error:
    sys.exit(f"refused: {error}")
"""


def test_the_stores_api_refuses_a_client_without_a_certificate(lab: LabStack) -> None:
    """kvTls: only clients with a certificate from the stack's CA reach the store, while the
    engines, the overlay and the catalog, which have one, keep working."""
    address = lab.address(lab.outputs["kvHost"])
    if lab.consul_url:  # from this machine, as the catalog reaches it
        with pytest.raises(requests.exceptions.ConnectionError):
            consul_request(lab, "GET", "/v1/status/leader", certificate=False)
        with pytest.raises(requests.exceptions.ConnectionError):  # no plain HTTP port at all
            requests.get(f"http://{address}:8500/v1/status/leader", timeout=5)
        assert consul_get(lab, "/v1/status/leader")
        assert wait_for_passing_checks(lab)
    if lab.overlay == "kv":  # from an engine's host, as its engine reaches the store
        tls_dir = f"/var/lib/multihost-slurm/{lab.stack}/kv-tls"
        url = f"https://{address}:8501/v1/status/leader" if lab.consul_url else f"https://{address}:2379/version"
        get = f"python3 -c {shlex.quote(HTTPS_GET)} {url} {tls_dir}/ca.pem"
        assert "refused:" in lab.ssh_fails("node1", f"{get} '' ''")
        assert lab.ssh("node1", f"{get} {tls_dir}/cert.pem {tls_dir}/key.pem").strip()
    assert sorted(lab.slurm("srun -N3 hostname").split()) == SEED_NODES


@consul_labs
def test_consul_restarted_under_a_running_cluster(lab: LabStack) -> None:
    kv_host = lab.outputs["kvHost"]
    job = submit(lab, "-N3 --wrap 'srun sleep 20'")
    assert wait_for_job(lab, job, ("RUNNING",)) == "RUNNING"
    lab.ssh(kv_host, "docker restart consul")
    # the overlay keeps working while Consul comes back: the running job, and a new one
    assert sorted(lab.slurm("srun -N3 hostname").split()) == SEED_NODES
    assert wait_for_job(lab, job, ("COMPLETED", "FAILED", "NODE_FAIL", "CANCELLED")) == "COMPLETED"
    wait_for_consul_leader(lab)
    # the agent kept its registrations on its data volume; the next up has nothing to do
    assert set(consul_services(lab)) == set(expected_services(lab, SEED_NODES))
    assert lab.up().changed == 0


@consul_labs
def test_an_unreachable_consul_is_named_and_nothing_is_half_registered(lab: LabStack) -> None:
    kv_host = lab.outputs["kvHost"]
    before = consul_services(lab)
    lab.ssh(kv_host, "docker stop consul")
    try:
        with pytest.raises(ApplyError) as failure:
            lab.up(replace=("consul-catalog",))  # a registration that must reach Consul
        message = str(failure.value)
        assert f"host {kv_host}: Consul at {lab.consul_url} did not answer" in message
        assert "nothing was registered or removed" in message
    finally:
        lab.ssh(kv_host, "docker start consul")
    wait_for_consul_leader(lab)
    assert consul_services(lab) == before
    assert lab.up().changed == 0


@consul_labs
def test_refresh_sees_what_was_removed_from_consul_by_hand_and_up_registers_it_again(lab: LabStack) -> None:
    prefix = inventory_prefix(lab)
    consul_request(lab, "PUT", f"/v1/agent/service/deregister/{lab.stack}-fd20_2").raise_for_status()
    consul_request(lab, "DELETE", f"/v1/kv/{prefix}/partitions/odd").raise_for_status()
    assert lab.up().changed == 0  # without a refresh, Pulumi trusts its state
    result = lab.up(refresh=True)
    assert result.names("update", "replace", "create", "delete") == {"consul-catalog"}
    assert set(consul_services(lab)) == set(expected_services(lab, SEED_NODES))
    assert consul_request(lab, "GET", f"/v1/kv/{prefix}/partitions/odd?raw").text == "fd20_1"


# ---- the services: accounting, the REST API, MPI (on in the swarm lab, off in the kv labs) --------

@kv_labs
def test_services_turned_off_do_not_run(lab: LabStack) -> None:
    assert lab.outputs["restUrl"] is None and lab.outputs["sacctCommand"] is None
    assert lab.outputs["mpiCommand"] is None
    # node0: the login container, and the image registry (on the controller host)
    assert set(lab.containers_on("node0")) == {"slurmctld", "fd20_0", "node0", REGISTRY_HOST}
    assert "mpi-hello" not in lab.slurm("ls /usr/local/bin")


@swarm_lab
def test_accounting_lists_a_finished_job_with_its_nodes(lab: LabStack) -> None:
    job = submit(lab, "-N3 --wrap 'srun hostname'")
    assert wait_for_job(lab, job, ("COMPLETED", "FAILED")) == "COMPLETED"
    deadline = time.monotonic() + 60
    while not (row := lab.slurm(f"sacct -n -P -X -j {job} -o JobID,NodeList,State").strip()) \
            and time.monotonic() < deadline:
        time.sleep(2)
    job_id, nodes, state = row.split("|")
    assert (job_id, sorted(expand_hostlist(lab, nodes)), state) == (job, SEED_NODES, "COMPLETED")
    assert lab.slurm("sacctmgr -n -P show cluster format=cluster").split() == ["fd20"]


@swarm_lab
def test_rest_api_lists_nodes_and_runs_a_job(lab: LabStack) -> None:
    token = lab.slurm("scontrol token username=root lifespan=600").strip().removeprefix("SLURM_JWT=")
    headers = {"X-SLURM-USER-NAME": "root", "X-SLURM-USER-TOKEN": token}
    api = f"{lab.outputs['restUrl']}/slurm/v0.0.42"
    assert requests.get(f"{api}/nodes", timeout=30).status_code == 401  # no token, no answer
    nodes = requests.get(f"{api}/nodes", headers=headers, timeout=30).json()["nodes"]
    assert sorted(n["name"] for n in nodes) == SEED_NODES
    job = {"script": "#!/bin/sh\nsrun hostname\n", "name": "rest-e2e", "partition": "all", "nodes": "3",
           "tasks": 3, "current_working_directory": "/tmp", "environment": ["PATH=/usr/bin:/bin"]}
    submitted = requests.post(f"{api}/job/submit", json={"job": job}, headers=headers, timeout=30).json()
    assert submitted["errors"] == [], submitted
    job_id = submitted["job_id"]
    deadline = time.monotonic() + 120
    while True:
        state = requests.get(f"{api}/job/{job_id}", headers=headers, timeout=30).json()["jobs"][0]["job_state"]
        if state == ["COMPLETED"] or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert state == ["COMPLETED"]


@swarm_lab
def test_mpi_ranks_on_three_hosts_exchange_data(lab: LabStack) -> None:
    ctl = lab.outputs["controller"]
    hello = f"docker exec {ctl['container']} srun --mpi=pmix -N3 mpi-hello"
    result = lab.run(ctl["host"], hello)
    said = result.stdout + result.stderr
    if result.returncode != 0 and all(marker in said for marker in MPI_INIT_CRASH):
        # Open MPI 5.0.7's MPI_Init race (README, render/readiness.py): the readiness check runs again
        # after it, once, and so does this test; the second run must pass
        print(f"mpi-hello crashed in MPI_Init, running it again:\n{said}")
        result = lab.run(ctl["host"], hello)
    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout.splitlines()
    hellos = [line for line in out if line.startswith("hello from rank")]
    assert sorted(h.split(" on ")[1] for h in hellos) == SEED_NODES, out
    assert all("of 3 on" in h for h in hellos)
    assert any(line.endswith("MPI OK") for line in out), out


def model_of(lab: LabStack, **changes: Any):
    """The stack's model as the program saw it, with `changes` to the config."""
    return parse_cluster({**lab.config, **changes}, project="multihost-slurm", stack=lab.stack,
                         ssh_key=SecretState(present=False, secret=False))


@etcd_lab
def test_images_built_on_a_host_reach_the_others_through_the_stacks_registry(lab: LabStack) -> None:
    """images.buildOn: node1. node1's engine builds the Slurm image and pushes it to the registry on
    node0 through TLS it trusts (certs.d, no engine restart); node0 and node2 pull it by digest, and
    every slurmd runs the very image node1 built. The registry's own image went to node0 as an archive."""
    cluster = lab.model()
    registry = cluster.registry_address
    assert registry == f"{lab.address('node0')}:5000" and cluster.push_address == registry
    pushed = f"{registry}/{cluster.images.slurm_tag}"
    built = lab.ssh("node1", f"docker image inspect --format '{{{{.Id}}}}' {pushed}").strip()
    for host, node in (("node0", "fd20_0"), ("node1", "fd20_1"), ("node2", "fd20_2")):
        assert lab.ssh(host, f"test -s /etc/docker/certs.d/{registry}/ca.crt && echo trusted").strip() == "trusted"
        assert lab.ssh(host, f"docker inspect --format '{{{{.Image}}}}' {node}").strip() == built, host
        digests = lab.ssh(host, f"docker image inspect --format '{{{{join .RepoDigests \" \"}}}}' {built}").split()
        assert any(d.startswith(f"{registry}/{cluster.images.slurm_tag.split(':')[0]}@sha256:") for d in digests), host
    # the registry asks for its password: the hosts' engines got it from their providers, a stranger has none
    anonymous = lab.ssh("node2", f"docker logout {registry} >/dev/null 2>&1; docker pull {registry}/"
                                 f"{cluster.images.slurm_tag} 2>&1 || true")
    assert "no basic auth credentials" in anonymous or "unauthorized" in anonymous, anonymous


def test_engine_setup_is_idempotent(lab: LabStack) -> None:
    cluster = model_of(lab)
    node0 = cluster.host("node0")
    if lab.overlay == "swarm":
        again = lab.ssh("node0", engine_scripts.swarm_init_script(cluster, node0))
        assert again.strip() == "host node0: already a swarm manager; left as it is"
    else:
        store = engine_scripts.kv_store_url(cluster)  # consul://<login>:8500/network or etcd://<login>:2379
        assert store.split("://")[0] == cluster.store.kind.value and lab.address("login") in store
        again = lab.ssh("node0", engine_scripts.engine_config_script(cluster, node0))
        assert again.strip() == f"host node0: engine already uses {store}; nothing to do"


@swarm_lab  # its hosts run Docker 26
def test_kv_mode_is_refused_on_docker_23_and_later(lab: LabStack) -> None:
    before = lab.daemon_json_digest("node1")
    # the same hosts as real hosts by address, in kv mode: what a user of Docker 26 would write
    hosts = [{"name": "login", "address": "172.29.1.200", "roles": ["kv"]},
             *({**h, "address": lab.address(h["name"]), "roles": [r for r in h["roles"] if r != "kv"]}
               for h in lab.config["hosts"])]
    cluster = parse_cluster({"hosts": hosts, "overlay": "kv", "kvStore": "etcd"}, project="multihost-slurm",
                            stack=lab.stack, ssh_key=SecretState(present=True, secret=True))
    refused = lab.ssh_fails("node1", engine_scripts.engine_config_script(cluster, cluster.host("node1")))
    assert "host node1: runs Docker Engine 26." in refused and "removed in 23.0" in refused
    assert "set overlay: swarm" in refused
    assert lab.daemon_json_digest("node1") == before


def test_readiness_fails_in_bounded_time_naming_the_node(lab: LabStack) -> None:
    # drained, not down: ReturnToService=2 returns a DOWN node to service as soon as its slurmd
    # registers again, which can happen within the readiness window
    lab.slurm("scontrol update nodename=fd20_2 state=drain reason=e2e-test")
    try:
        started = time.monotonic()
        script = readiness_script(model_of(lab, readinessTimeout=10))
        message = lab.ssh_fails("node0", f"docker exec -i slurmctld sh -c {shlex.quote(script)}")
        assert time.monotonic() - started < 60
        assert "cluster not ready: after 10 s these nodes are not idle: fd20_2(drained: e2e-test" in message
    finally:
        lab.slurm("scontrol update nodename=fd20_2 state=resume")
    deadline = time.monotonic() + 60
    while node_states(lab).get("fd20_2") != "idle" and time.monotonic() < deadline:
        time.sleep(1)
    assert node_states(lab) == dict.fromkeys(SEED_NODES, "idle")


def test_a_second_up_changes_nothing(lab: LabStack) -> None:
    """Diffed, as the providers do, against what their Read put in the state (Go durations, the
    network's gateway, the ports Docker reports): an up of the unchanged program changes nothing."""
    started = time.monotonic()
    result = lab.up()
    phase(f"{lab.mode}: second pulumi up of the unchanged program", started)
    assert result.changed == 0, dump([c.__dict__ for c in result.changes if c.op != "same"])
    assert result.count("same") > 20


# ---- day-2 operations (issue: add and remove nodes, safe engine changes, state that survives) ----

@swarm_lab
def test_adding_a_host_disturbs_no_running_node(lab: LabStack) -> None:
    before = slurm_containers(lab, SLURM_HOSTS)
    job = submit(lab, "-N3 --wrap 'srun sleep 60'")
    assert wait_for_job(lab, job, ("RUNNING",)) == "RUNNING"
    started = time.monotonic()
    result = lab.up(hosts=lab.hosts_with({"name": "node3", "roles": ["compute"]}))
    phase("swarm: add a host to a running cluster", started)
    changed = {(c.op, c.name) for c in result.changes if c.op not in ("create", "same")}
    assert changed == {("replace", "readiness-check"), ("delete", "readiness-check"),  # made anew, the old one goes
                       ("update", "consul-catalog")}
    assert slurm_containers(lab, SLURM_HOSTS) == before  # no slurmd replaced or restarted
    assert job_field(lab, job, "JobState") in ("RUNNING", "COMPLETED")
    assert wait_for_job(lab, job, ("COMPLETED", "FAILED", "NODE_FAIL", "CANCELLED")) == "COMPLETED"
    assert job_field(lab, job, "ExitCode") == "0:0"
    assert node_states(lab) == dict.fromkeys([*SEED_NODES, "fd20_3"], "idle")
    assert sinfo_partitions(lab)["odd"] == ["fd20_1", "fd20_3"]
    assert lab.outputs["readiness"].startswith("ready: 4 node(s) idle")
    # the catalog (Consul on node0) lists the new node's slurmd, and only that changed there
    assert set(consul_services(lab)) == set(expected_services(lab, [*SEED_NODES, "fd20_3"]))
    assert ("update", "consul-catalog") in {(c.op, c.name) for c in result.changes}


@swarm_lab
def test_removing_a_host_drains_it_first(lab_with_four_hosts: LabStack) -> None:
    lab = lab_with_four_hosts
    others = slurm_containers(lab, SLURM_HOSTS)
    job = submit(lab, "-w fd20_3 --wrap 'sleep 25'")
    assert wait_for_job(lab, job, ("RUNNING",)) == "RUNNING"
    started = time.monotonic()
    result = lab.up(hosts=lab.hosts_with())
    phase("swarm: remove a host with a job on it", started)
    assert job_field(lab, job, "JobState") == "COMPLETED"  # the drain let it finish
    deleted = {c.name for c in result.changes if c.op == "delete"}
    assert {"fd20_3-membership", "fd20_3-container", "node3-lab-host"} <= deleted
    assert "fd20_3" not in lab.slurm("sinfo -h -N -o %N").split()  # slurmctld forgot it
    assert set(consul_services(lab)) == set(expected_services(lab, SEED_NODES))  # and Consul's catalog
    assert f"{inventory_prefix(lab)}/nodes/fd20_3" not in consul_keys(lab, f"{inventory_prefix(lab)}/")
    assert slurm_containers(lab, SLURM_HOSTS) == others
    assert node_states(lab) == dict.fromkeys(SEED_NODES, "idle")


@swarm_lab
def test_controller_recreated_keeps_the_queue(lab: LabStack) -> None:
    running = submit(lab, "-N3 --exclusive --wrap 'srun sleep 30'")
    assert wait_for_job(lab, running, ("RUNNING",)) == "RUNNING"
    queued = [submit(lab, "-N3 --wrap 'srun hostname'") for _ in range(2)]
    assert [job_field(lab, j, "JobState") for j in queued] == ["PENDING", "PENDING"]
    old = slurm_containers(lab, ["node0"])["slurmctld"]
    started = time.monotonic()
    result = lab.up(replace=("slurmctld-container",))
    phase("swarm: recreate slurmctld with jobs running and queued", started)
    assert ("replace", "slurmctld-container") in {(c.op, c.name) for c in result.changes}
    assert slurm_containers(lab, ["node0"])["slurmctld"] != old
    for job in (running, *queued):
        assert wait_for_job(lab, job, ("COMPLETED", "FAILED", "NODE_FAIL", "CANCELLED")) == "COMPLETED", job


# ---- the cluster's data: kept through destroy, backed up, restored ------------------------------

def accounted(lab: LabStack, job: str, timeout: float = 60) -> str:
    """sacct's row for a job, once slurmdbd has it ("" past the timeout)."""
    deadline = time.monotonic() + timeout
    while not (row := lab.slurm(f"sacct -n -P -X -j {job} -o JobID,JobName,State").strip()) \
            and time.monotonic() < deadline:
        time.sleep(2)
    return row


def finished_job(lab: LabStack, name: str) -> tuple[str, str]:
    """Run a named job to completion; its ID and its sacct row."""
    job = submit(lab, f"-N1 -J {name} --wrap hostname")
    assert wait_for_job(lab, job, ("COMPLETED", "FAILED")) == "COMPLETED"
    row = accounted(lab, job)
    assert row == f"{job}|{name}|COMPLETED"
    return job, row


def cluster_ids(lab: LabStack) -> tuple[str, str]:
    """The cluster's ID as slurmctld's state holds it and as the accounting database does."""
    state = lab.slurm("cat /var/spool/slurmctld/clustername").strip()
    database = lab.ssh("node0", "docker exec mariadb mariadb -N -e "
                                "'SELECT id FROM slurm_acct_db.cluster_table WHERE name=\"fd20\"'").strip()
    return state, database


def operator_command(lab: LabStack, output: str, where: Path) -> subprocess.CompletedProcess[str]:
    """Run a command line a stack output gives, as the operator would paste it, in directory `where`."""
    return subprocess.run(["sh", "-c", lab.outputs[output]], cwd=where, capture_output=True, text=True, timeout=600,
                          check=False)


@swarm_lab
def test_retained_data_outlives_destroy_and_the_next_up_finds_it(lab: LabStack) -> None:
    lab.up(retainData=True)
    retained = lab.outputs["retainedData"]["node0"]
    assert len(retained) == 2 and lab.outputs["removeRetainedDataCommand"].endswith(" ".join(retained))
    job, row = finished_job(lab, "kept-through-destroy")
    ids = cluster_ids(lab)
    started, mark = time.monotonic(), len(lab.log)
    lab.destroy(keep_hosts=True)
    assert set(retained) <= set(lab.engine_objects("node0")["volumes"])
    assert sorted(line.split()[2] for line in lab.log[mark:] if line.startswith("retain ")) == sorted(retained)
    lab.up()
    phase("swarm: destroy with retained data, then up again", started)
    assert accounted(lab, job) == row
    assert cluster_ids(lab) == ids
    assert int(submit(lab, "-N1 --wrap hostname")) > int(job)  # the queue's job IDs go on
    assert "CLUSTER ID MISMATCH" not in lab.ssh("node0", "docker logs slurmctld 2>&1")


@swarm_lab
def test_a_backup_restores_the_accounting_and_the_queue_after_both_volumes_are_lost(lab: LabStack,
                                                                                   tmp_path: Path) -> None:
    job, row = finished_job(lab, "kept-by-backup")
    ids = cluster_ids(lab)
    taken = operator_command(lab, "backupCommand", tmp_path)  # ... > backup.tar
    assert taken.returncode == 0, taken.stderr
    assert "backup taken" in taken.stderr
    assert sorted(subprocess.run(["tar", "-tf", "backup.tar"], cwd=tmp_path, capture_output=True, text=True,
                                 check=True).stdout.split()) == ["./", "./accounting.sql", "./state.tar"]
    started = time.monotonic()
    lab.destroy(keep_hosts=True)  # a lab keeps no data: both volumes go
    assert not {v for v in lab.engine_objects("node0")["volumes"] if "slurmctld-state" in v or "mariadb-data" in v}
    lab.up()
    assert accounted(lab, job, timeout=10) == ""  # a new cluster,
    assert cluster_ids(lab) != ids  # with an ID of its own
    restored = operator_command(lab, "restoreCommand", tmp_path)  # ... < backup.tar
    phase("swarm: lose both volumes, up, restore", started)
    assert restored.returncode == 0, restored.stderr
    assert accounted(lab, job) == row
    assert cluster_ids(lab) == ids
    assert int(submit(lab, "-N1 --wrap hostname")) > int(job)
    wait_until_idle(lab)


def wait_until_idle(lab: LabStack, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while (states := node_states(lab)) != dict.fromkeys(SEED_NODES, "idle") and time.monotonic() < deadline:
        time.sleep(2)
    assert states == dict.fromkeys(SEED_NODES, "idle")


# ---- drift: what happened outside Pulumi, seen by a refresh ----------------------------------------

@swarm_lab
def test_up_with_refresh_brings_back_a_removed_and_an_exited_slurmd_and_nothing_else(lab: LabStack) -> None:
    lab.ssh("node1", "docker rm -f fd20_1")
    lab.ssh("node2", "docker stop fd20_2")  # restart=unless-stopped: it stays exited
    assert lab.up().changed == 0  # without a refresh, Pulumi trusts its state
    before = slurm_containers(lab, ["node0"])
    result = lab.up(refresh=True)
    assert {"fd20_1-container"} <= result.names("refresh-deleted")
    assert {"fd20_2-container"} <= result.names("refresh-changed")
    touched = {(c.op, c.name) for c in result.changes
               if c.name.endswith("-container") and c.op in ("create", "update", "replace", "delete")}
    assert touched == {("create", "fd20_1-container"), ("replace", "fd20_2-container")}
    assert slurm_containers(lab, ["node0"]) == before
    wait_until_idle(lab)
    assert sorted(lab.slurm("srun -N3 hostname").split()) == SEED_NODES


def test_a_bad_engine_option_is_refused_and_the_engine_keeps_running(lab: LabStack) -> None:
    before = {h: lab.daemon_json_digest(h) for h in SLURM_HOSTS}
    with pytest.raises(ApplyError) as failure:
        # a key and a type the schema accepts, a value only the engine can judge
        lab.up(dockerDaemon={"max-concurrent-downloads": -1})
    message = str(failure.value)
    if lab.overlay == "swarm":
        assert "the engine rejects the new daemon.json, which is not installed" in message
    else:  # Docker 20.10 has no --validate: the restart fails and the old file comes back
        assert "the previous daemon.json is restored" in message
    assert "invalid max concurrent downloads" in message  # what the engine said
    assert {h: lab.daemon_json_digest(h) for h in SLURM_HOSTS} == before
    assert all(lab.engine_version(h) for h in SLURM_HOSTS)
    assert lab.up(dockerDaemon=None).changed == 0
    assert node_states(lab) == dict.fromkeys(SEED_NODES, "idle")


@swarm_lab
def test_unreachable_host_fails_in_bounded_time_then_converges(lab: LabStack, testbed: str) -> None:
    others = slurm_containers(lab, ["node0", "node1"])
    node2 = docker.DockerClient(base_url=testbed).containers.get(f"multihost-slurm-{lab.stack}-node2")
    stopping = time.monotonic()
    node2.stop(timeout=60)  # as a host shuts down: its entrypoint stops the inner dockerd cleanly (lab_hosts.py)
    print(f"node2 stopped in {time.monotonic() - stopping:.1f} s")
    try:
        started = time.monotonic()
        with pytest.raises(ApplyError) as failure:
            lab.up(hosts=lab.hosts_with(node2={"slurmds": 2}))
        took = time.monotonic() - started
        phase("swarm: up with a host down (fails)", started)
        assert took < 240, took
        assert lab.ssh_address("node2") in str(failure.value)
        assert slurm_containers(lab, ["node0", "node1"]) == others
    finally:
        node2.start()
    print(f"node2 answered {lab.wait_until_back('node2'):.1f} s after its restart")
    # After its engine restarts, Docker at times leaves a container on an attachable overlay exited,
    # and `docker start` then fails with "network ... not found" (moby/moby#32607; 3 host restarts
    # in 7 here). Make that certain: the operator's remedy, `pulumi up --refresh`, recreates it.
    lab.ssh("node2", "docker stop fd20_2")
    started = time.monotonic()
    try:
        result = lab.up(refresh=True)
    except ApplyError:
        print(node_diagnosis(lab, "fd20_2", "node2"))
        print(lab_host_logs(testbed, lab.stack))
        raise
    phase("swarm: the same up once the host is back (--refresh: its exited slurmd replaced)", started)
    print("changes:", sorted((c.op, c.name) for c in result.changes if c.op != "same"))
    assert "fd20_3-container" in {c.name for c in result.changes if c.op == "create"}
    touched = {c.name for c in result.changes if c.name.endswith("-container") and c.op in ("replace", "delete")}
    assert touched == {"fd20_2-container"}
    assert lab.outputs["readiness"].startswith("ready: 4 node(s) idle")


@swarm_lab
def test_munge_key_rotation_drains_restarts_and_resumes(lab: LabStack) -> None:
    key_digest = "sha256sum /etc/munge/munge.key"
    before = lab.slurm(key_digest)
    job = submit(lab, "-N3 --wrap 'srun sleep 20'")
    assert wait_for_job(lab, job, ("RUNNING",)) == "RUNNING"
    started = time.monotonic()
    result = lab.up(mungeKeyVersion=2)
    phase("swarm: munge key rotation with a job running", started)
    replaced = {c.name for c in result.changes if c.op == "replace"}
    assert {"munge-key", "slurmctld-container", "fd20_0-container", "fd20_1-container", "fd20_2-container"} <= replaced
    assert job_field(lab, job, "JobState") == "COMPLETED"  # drained first: the job finished
    assert lab.slurm(key_digest) != before
    for node, host in NODE_HOSTS.items():
        assert lab.ssh(host, f"docker exec {node} {key_digest}") == lab.slurm(key_digest)
    assert node_states(lab) == dict.fromkeys(SEED_NODES, "idle")
    assert sorted(lab.slurm("srun -N3 hostname").split()) == SEED_NODES


@swarm_lab
def test_a_replaced_lab_host_comes_back_with_everything_on_it(lab: LabStack, testbed: str) -> None:
    """A new lab host is an empty engine: what lived on the old one (its slurmd, spool volume, swarm
    membership, image) is deleted there first and made again on the new one; nothing elsewhere moves."""
    others = slurm_containers(lab, ["node0", "node1"])
    old_host = docker.DockerClient(base_url=testbed).containers.get(f"multihost-slurm-{lab.stack}-node2").id
    started = time.monotonic()
    result = lab.up(replace=("node2-lab-host",))
    phase("swarm: replace a lab host", started)
    assert {"node2-lab-host", "fd20_2-container", f"multihost-slurm-{lab.stack}-fd20_2-spool", "node2-swarm-join",
            "slurm-image-on-node2", "node2-registry-trust"} <= result.names("replace")
    assert docker.DockerClient(base_url=testbed).containers.get(f"multihost-slurm-{lab.stack}-node2").id != old_host
    assert slurm_containers(lab, ["node0", "node1"]) == others
    assert lab.swarm_state("node2") == "active" and "fd20_2" in lab.containers_on("node2")
    assert lab.outputs["readiness"].startswith("ready: 3 node(s) idle")
    assert sorted(lab.slurm("srun -N3 hostname").split()) == SEED_NODES
    assert lab.up().changed == 0


@swarm_lab
def test_a_container_that_never_becomes_healthy_is_kept_and_the_next_up_converges(lab: LabStack) -> None:
    """The provider waits for health until wait_timeout, unhealthy or not (TF _funcs.go:590-628), then
    fails with the container created: the engine keeps it with its error, and the next up updates it
    as it is instead of failing on its name (engine: InitErrors, step_generator.go:2180-2196)."""
    lab.ssh("node0", "docker stop slurmctld")  # a new slurmd cannot register, so it is never healthy
    try:
        started = time.monotonic()
        with pytest.raises(ApplyError, match="container failed to be in healthy state"):
            lab.up(replace=("fd20_2-container",), readinessTimeout=30)
        assert time.monotonic() - started >= 30
        kept = next(r for r in lab.applier.snapshot.resources if r.name == "fd20_2-container")
        assert kept.init_errors and kept.id == lab.ssh("node2", "docker inspect -f '{{.Id}}' fd20_2").strip()
    finally:
        lab.ssh("node0", "docker start slurmctld")
    started = time.monotonic()
    result = lab.converge()
    phase("swarm: the up after a container that never became healthy", started)
    assert ("update", "fd20_2-container") in {(c.op, c.name) for c in result.changes}
    assert lab.ssh("node2", "docker inspect -f '{{.Id}}' fd20_2").strip() == kept.id
    assert lab.outputs["readiness"].startswith("ready: 3 node(s) idle")


# ---- users, the login node, the shared home ----------------------------------------------------------

def user_job(lab: LabStack, user: str, args: str) -> str:
    """Submit a batch job as `user` from the login node, in their home; its id."""
    return lab.user_ok(user, f"cd && sbatch --parsable {args}").strip().split(";")[0]


def test_users_may_not_take_a_name_the_image_has(lab: LabStack) -> None:
    """model/constants.py's IMAGE_ACCOUNT_NAMES, which the config refuses, covers the image's own files."""
    files = lab.ssh("node0", "docker exec fd20_0 cat /etc/passwd /etc/group")
    names = {line.split(":", 1)[0] for line in files.splitlines() if line}
    assert names <= IMAGE_ACCOUNT_NAMES, sorted(names - IMAGE_ACCOUNT_NAMES)


def test_a_user_logs_in_and_runs_as_themselves_on_three_hosts(lab: LabStack) -> None:
    said = lab.user_ok("alice", "id -un; id -u; id -Gn; pwd; srun -p all -N3 sh -c 'echo $(hostname) $(id -un)' | sort")
    assert said.splitlines() == ["alice", "2001", "alice physics", "/home/alice",
                                 "fd20_0 alice", "fd20_1 alice", "fd20_2 alice"]


@swarm_lab
def test_a_users_job_on_three_hosts_writes_into_their_shared_home(lab: LabStack) -> None:
    job = user_job(lab, "alice", "-p all -N3 -o job-%j.out --wrap 'sleep 5; id -un; id -u; srun hostname | sort'")
    assert lab.user_ok("alice", f"squeue -h -u alice -j {job} -o '%i %u'").split() == [job, "alice"]
    assert wait_for_job(lab, job, ("COMPLETED", "FAILED", "NODE_FAIL", "CANCELLED")) == "COMPLETED"
    expected = ["alice", "2001", *SEED_NODES]
    assert lab.user_ok("alice", f"cat job-{job}.out").splitlines() == expected  # seen from the login node
    # ... and on another host's shared /home, the user's
    on_node2 = lab.ssh("node2", f"stat -c '%u %a' /home/alice; stat -c '%u' /home/alice/job-{job}.out; "
                                f"cat /home/alice/job-{job}.out").splitlines()
    assert on_node2 == ["2001 700", "2001", *expected]
    accounted = lab.user_ok("alice", f"sacct -n -X -P -u alice -j {job} -o JobID,User,State,NNodes").split()
    assert accounted == [f"{job}|alice|COMPLETED|3"]


@swarm_lab
def test_another_user_can_neither_cancel_the_job_nor_read_the_home(lab: LabStack) -> None:
    job = user_job(lab, "alice", "-N1 -o /dev/null --wrap 'sleep 120'")
    try:
        assert wait_for_job(lab, job, ("RUNNING",)) == "RUNNING"
        refused = lab.as_user("bob", f"scancel {job}")
        assert "Access/permission denied" in refused.stderr + refused.stdout
        assert job_field(lab, job, "JobState") == "RUNNING"
        assert "Permission denied" in lab.as_user("bob", "ls /home/alice").stderr
        assert "Permission denied" in lab.as_user("bob", "srun -N1 ls /home/alice").stderr
    finally:
        lab.user_ok("alice", f"scancel {job}")


@swarm_lab
def test_a_users_mpi_job_runs_on_three_hosts(lab: LabStack) -> None:
    hello = "srun --mpi=pmix -p all -N3 mpi-hello"
    result = lab.as_user("alice", hello)
    if result.returncode != 0 and all(marker in result.stdout + result.stderr for marker in MPI_INIT_CRASH):
        print(f"mpi-hello crashed in MPI_Init, running it again:\n{result.stdout}{result.stderr}")
        result = lab.as_user("alice", hello)  # Open MPI 5.0.7's MPI_Init race, as in the readiness check
    assert result.returncode == 0, result.stderr + result.stdout
    hellos = [line for line in result.stdout.splitlines() if line.startswith("hello from rank")]
    assert sorted(h.split(" on ")[1] for h in hellos) == SEED_NODES
    assert result.stdout.rstrip().endswith("MPI OK")


def test_a_user_cannot_become_root_or_reach_the_clusters_secrets(lab: LabStack) -> None:
    checks = (f"cat {MUNGE_KEY_PATH}; ls /var/run/docker.sock /run/docker.sock; ls {JWT_KEY_PATH}; su -c id root; "
              "grep NoNewPrivs /proc/self/status")
    for where in ("", "srun -N1 "):  # on the login node, and in a job on a node
        said = lab.as_user("alice", f"{where}sh -c '{checks}' </dev/null")
        text = said.stdout + said.stderr
        assert f"cat: {MUNGE_KEY_PATH}: Permission denied" in text, text
        assert "ls: cannot access '/var/run/docker.sock': No such file or directory" in text
        assert "ls: cannot access '/run/docker.sock': No such file or directory" in text
        assert f"ls: cannot access '{JWT_KEY_PATH}': No such file or directory" in text
        assert "uid=0" not in text and "NoNewPrivs:\t1" in text


def test_strangers_can_neither_log_in_nor_run_jobs(lab: LabStack) -> None:
    for user, key in (("mallory", "alice"), ("root", "alice"), ("bob", "alice")):
        refused = lab.as_user(user, "true", key_of=key)
        assert refused.returncode == 255 and "Permission denied (publickey)" in refused.stderr, (user, refused)
    # not even with the key that logs the stack in to its hosts as root
    login = lab.outputs["loginHosts"]["node0"].rsplit(":", 1)
    root = subprocess.run(["ssh", "-i", lab.outputs["sshIdentityFile"], "-o", "IdentitiesOnly=yes", "-o",
                           "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                           "-p", login[1], f"root@{login[0]}", "true"], capture_output=True, text=True, timeout=60,
                           check=False)
    assert root.returncode == 255 and "Permission denied (publickey)" in root.stderr
    if lab.config.get("accounting", True):
        # a uid the stack does not know, submitting in the login container: no association, no job
        stranger = lab.run("node0", "docker exec -u 4242 node0 sbatch -N1 --wrap true")
        assert stranger.returncode != 0
        assert "Invalid account or account/partition combination" in stranger.stderr, stranger.stderr


@swarm_lab
def test_adding_and_removing_a_user_restarts_nothing_and_keeps_the_jobs(lab: LabStack) -> None:
    containers = slurm_containers(lab, SLURM_HOSTS)
    job = user_job(lab, "alice", "-p all -N3 -o /dev/null --wrap 'srun sleep 45'")
    assert wait_for_job(lab, job, ("RUNNING",)) == "RUNNING"
    carol = {"name": "carol", "uid": 2003}
    started = time.monotonic()
    result = lab.up(users=[*lab.baseline()["users"], carol])
    phase("swarm: add a user to a running cluster", started)
    changed = {(c.op, c.name) for c in result.changes if c.op != "same"}
    assert changed == {("update", f"{h}-identities") for h in SLURM_HOSTS} | {
        ("create", "carol-lab-ssh-key"), ("create", "carol-home"), ("create", "carol-association")}
    assert lab.user_ok("carol", "srun -N1 id -un").strip() == "carol"
    carols = user_job(lab, "carol", "-N1 -o /dev/null --wrap true")
    assert wait_for_job(lab, carols, ("COMPLETED", "FAILED")) == "COMPLETED"
    assert slurm_containers(lab, SLURM_HOSTS) == containers  # no slurmd, no login container restarted
    assert job_field(lab, job, "JobState") == "RUNNING"
    started = time.monotonic()
    result = lab.up(users=lab.baseline()["users"])
    phase("swarm: remove a user", started)
    assert {(c.op, c.name) for c in result.changes if c.op != "same"} == {
        ("update", f"{h}-identities") for h in SLURM_HOSTS} | {
        ("delete", "carol-lab-ssh-key"), ("delete", "carol-home"), ("delete", "carol-association")}
    assert slurm_containers(lab, SLURM_HOSTS) == containers
    assert wait_for_job(lab, job, ("COMPLETED", "FAILED", "NODE_FAIL", "CANCELLED")) == "COMPLETED"
    assert lab.slurm("sacctmgr -nP show assoc where user=carol format=user") == ""
    assert lab.slurm(f"sacct -n -X -P -j {carols} -o JobID,UID,State").split() == [f"{carols}|2003|COMPLETED"]
    assert lab.as_user("carol", "true", key_of="alice").returncode == 255
    assert lab.ssh("node1", "stat -c %u /home/carol").strip() == "2003"  # kept: deleteHomes is false


@swarm_lab
def test_a_path_that_only_looks_shared_is_refused_naming_host_and_path(lab: LabStack) -> None:
    # node2's /home becomes a local directory, as on a host that did not mount the site's file system
    lab.ssh("node2", "mkdir -p /mnt/home && mount --bind /home /mnt/home && umount /home")
    try:
        with pytest.raises(ApplyError) as failure:
            lab.up(replace=("node2-shared-home-check",))
        message = str(failure.value)
        assert "host node2: /home here is not the file system host node0 has at /home" in message
        assert "Fix: mount the site's shared file system at /home on this host" in message
    finally:
        lab.ssh("node2", "mount --bind /mnt/home /home && umount /mnt/home")
    assert lab.up(replace=("node2-shared-home-check",)).names("replace") == {"node2-shared-home-check"}


def test_teardown_leaves_every_host_as_it_was(lab: LabStack, testbed: str) -> None:
    started = time.monotonic()
    cluster = lab.model()
    if lab.consul_url:
        the_stack_leaves_nothing_in_consul(lab)
    lab.destroy(keep_hosts=True)
    if lab.mode == "etcd":
        consul_backend_missing_is_explained(lab)
    for host in lab.outputs["hosts"]:
        assert lab.daemon_json_digest(host) == expected_daemon_json_digest(), host
        assert lab.swarm_state(host) == "inactive", host
        assert lab.engine_objects(host) == {"containers": [], "volumes": [], "networks": []}, host
        assert lab.ssh(host, "test -e /var/lib/multihost-slurm || echo absent").strip() == "absent", host
        # every image pulled from the stack's registry or shipped to the host went, and the engine's
        # trust in the registry with them; a build host keeps what it built, as pulumi-docker's Image
        # leaves it (its delete does nothing): the images, and the untagged first stages of multi-stage
        # builds (images/registry), and nothing else
        tags = lab.ssh(host, "docker images --format '{{.Repository}}:{{.Tag}}'").split()
        builds = host in images_built_on(cluster)
        built = (f"{cluster.push_address}/", f"{IMAGE_REPOSITORY}/", "<none>:<none>")
        kept = [t for t in tags if builds and t.startswith(built)]
        assert tags == kept, host
        assert lab.ssh(host, f"ls -A {DOCKER_CERTS_DIR} 2>/dev/null || true").split() == [], host
    lab.destroy()
    phase(f"{lab.mode}: pulumi destroy", started)
    # the homes stay on the shared file system (deleteHomes is false)
    assert {"alice", "bob"} <= {p.name for p in (Path(LAB_SHARED_ROOT) / lab.stack / "home").iterdir()}
    assert made_on_testbed(testbed, lab.stack) == {"containers": [], "volumes": [], "networks": []}
    assert lab.applier.snapshot.resources == []


def the_stack_leaves_nothing_in_consul(lab: LabStack) -> None:
    """A destroy of everything but Consul (and what it needs): every service and key the stack
    registered goes, and in kv mode the overlay's own keys with the network."""
    lab.destroy_all_but("consul-container")
    assert consul_services(lab) == {}
    assert consul_keys(lab, f"{inventory_prefix(lab)}/") == []
    # the network's own keys went with it; libkv leaves its folder
    assert [k for k in consul_keys(lab, "network/docker/network/v1.0/network/") if not k.endswith("/")] == []


def consul_backend_missing_is_explained(lab: LabStack) -> None:
    """Debian's dockerd 20.10 has no Consul backend: the script restores daemon.json, restarts the
    engine on it and says what to do instead."""
    hosts = [{**h, "address": lab.address(h["name"])} for h in lab.config["hosts"]]
    cluster = parse_cluster({"hosts": hosts, "overlay": "kv", "kvStore": "consul"}, project="multihost-slurm",
                            stack=lab.stack, ssh_key=SecretState(present=True, secret=True))
    node1 = cluster.host("node1")
    message = lab.ssh_fails("node1", engine_scripts.engine_config_script(cluster, node1))
    assert "the previous daemon.json is restored" in message
    assert "built without the Consul backend" in message and "set kvStore: etcd" in message
    assert "discovery service not supported" in message
    assert lab.daemon_json_digest("node1") == expected_daemon_json_digest()
    lab.ssh("node1", engine_scripts.engine_restore_script(cluster, node1))
