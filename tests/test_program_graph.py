"""The whole program under mocks: the dependency graph, the properties that matter, secrets, outputs."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from applier import sdk
from applier.fakes import FAKE_BCRYPT_HASH, FAKE_DB_PASSWORD, FAKE_JOIN_TOKEN, FAKE_MUNGE_KEY, FAKE_PRIVATE_KEY
from applier.program import stack_file_config
from model.config import ConfigError
from render.images import base_images, images_built_on
from render.slurm_conf import render_slurm_conf
from tests.test_config import BAD_INPUTS, LAB, NO_KEY, PEOPLE, SEED, parse

PHYSICAL = dict(copy.deepcopy(SEED), sshPrivateKey=FAKE_PRIVATE_KEY)
KV_LAB = dict(copy.deepcopy(LAB), overlay="kv", kvStore="etcd")
# the seed's layout in a lab: Consul (built, no registry) on the login host, engines on consul://
CONSUL_LAB = dict(copy.deepcopy(LAB), overlay="kv", images={"buildConsul": True})


def is_secret(value: Any) -> bool:
    return sdk.is_secret(value)


def plain(value: Any) -> Any:
    return sdk.unwrap_secrets(value)


def texts(run) -> str:
    """Every command string and every non-secret input, as the preview would print them."""
    return json.dumps({n: {k: v for k, v in r.inputs.items() if not is_secret(v)} for n, r in run.resources.items()})


def test_each_provider_waits_for_its_engine(program) -> None:
    run = program(PHYSICAL)
    assert run["node0-docker"].depends_on("node0-swarm-init")
    assert run["node1-docker"].depends_on("node1-swarm-join")
    assert run["node2-docker"].depends_on("node2-swarm-join")
    assert run["node1-swarm-join"].depends_on("swarm-join-token")
    assert run["swarm-join-token"].depends_on("node0-swarm-init")
    assert not run["login-docker"].dependencies  # the kv host's engine is left as it is


def test_network_on_the_manager_and_each_container_after_its_engine(program) -> None:
    run = program(PHYSICAL)
    net = run["overlay-network"]
    assert net.depends_on("node0-swarm-init")
    # containers elsewhere join it by name once their own engine is in the swarm (their provider waits)
    assert not net.depends_on("node1-swarm-join")
    for node, join in (("fd20_1", "node1-swarm-join"), ("fd20_2", "node2-swarm-join")):
        container = run[f"{node}-container"]
        assert container.depends_on("overlay-network")
        assert container.provider.split("::")[-2].endswith(f"{join.split('-')[0]}-docker")
        assert run[f"{join.split('-')[0]}-docker"].depends_on(join)
    assert net.provider.split("::")[-1].startswith("node0-docker")
    assert net.inputs["driver"] == "overlay" and net.inputs["attachable"] is True
    assert net.inputs["name"] == "global"


def test_slurmd_after_controller_and_network_and_its_image(program) -> None:
    run = program(PHYSICAL)
    for node, host in (("fd20_0", "node0"), ("fd20_1", "node1"), ("fd20_2", "node2")):
        c = run[f"{node}-container"]
        assert c.depends_on("slurmctld-container") and c.depends_on("overlay-network")
        assert c.provider.split("::")[-1].startswith(f"{host}-docker")
        assert c.depends_on(f"slurm-image-on-{host}")
    ctl = run["slurmctld-container"]
    assert ctl.depends_on("slurm-conf") and ctl.depends_on("overlay-network")


def test_readiness_is_last(program) -> None:
    run = program(PHYSICAL)
    ready = run["readiness-check"]
    containers = [r.name for r in run.of_type("docker:index/container:Container")
                  if r.name not in ("consul-container", "mariadb-container", "registry-container")]
    assert all(ready.depends_on(c) for c in containers)
    assert not [r.name for r in run.resources.values() if r.depends_on("readiness-check")]
    assert "CONTAINER=slurmctld\n" in ready.inputs["create"]
    assert ready.inputs["create"].endswith('\ndocker exec -i "$CONTAINER" sh -s\n')
    assert "\nPARTITIONS=all:3\n" in ready.inputs["stdin"]


def test_containers_names_hostnames_and_replacement(program) -> None:
    run = program(PHYSICAL)
    for r in run.of_type("docker:index/container:Container"):
        assert r.delete_before_replace, r.name
        assert {"healthcheck", "init", "tmpfs", "mustRun"} <= set(r.replace_on_changes)  # found exited: new
        assert r.inputs["hostname"] == r.inputs["name"]
        assert r.inputs["restart"] == "unless-stopped"
    assert run["slurmctld-container"].inputs["hostname"] == "slurmctld"
    assert run["fd20_1-container"].inputs["command"] == [
        "slurmd", "-Z", "--conf-server", "slurmctld:6817", "--conf", "Feature=all,odd"]
    assert run["fd20_2-container"].inputs["networksAdvanced"] == [{"name": "global", "aliases": ["fd20_2"]}]


def test_state_and_spool_on_named_volumes(program) -> None:
    run = program(PHYSICAL)
    volumes = run["slurmctld-container"].inputs["volumes"]
    ctl = {v["containerPath"]: v.get("volumeName") or v["hostPath"] for v in volumes}
    assert ctl == {"/var/spool/slurmctld": "multihost-slurm-test-slurmctld-state",
                   "/etc/slurm": "multihost-slurm-test-slurmctld-etc",
                   "/var/lib/extrausers": "/var/lib/multihost-slurm/test/identities"}
    node = run["fd20_0-container"].inputs["volumes"]
    assert node == [{"volumeName": "multihost-slurm-test-fd20_0-spool", "containerPath": "/var/spool/slurmd"},
                    {"hostPath": "/var/lib/multihost-slurm/test/identities", "containerPath": "/var/lib/extrausers",
                     "readOnly": True}]


def test_real_hosts_keep_the_clusters_data_through_destroy_and_a_lab_does_not(program) -> None:
    state, database = "multihost-slurm-test-slurmctld-state", "multihost-slurm-test-mariadb-data"
    physical = program(PHYSICAL)
    assert {n for n, r in physical.resources.items() if r.retain_on_delete} == {state, database}
    assert physical.outputs["retainedData"] == {"node0": [state, database]}
    assert physical.outputs["removeRetainedDataCommand"].endswith(f"root@10.0.0.10 docker volume rm {state} {database}")
    lab = program(LAB)
    assert not any(r.retain_on_delete for r in lab.resources.values())
    assert lab.outputs["retainedData"] is None and lab.outputs["removeRetainedDataCommand"] is None
    lab_kept = program(dict(LAB, retainData=True, accounting=False))
    assert {n for n, r in lab_kept.resources.items() if r.retain_on_delete} == {state}
    # an option only: turning it on or off changes no input, so replaces nothing
    assert {n: r.inputs for n, r in program(dict(LAB, retainData=True)).resources.items()} == \
        {n: r.inputs for n, r in lab.resources.items()}
    physical_not = program(dict(PHYSICAL, retainData=False))
    assert not any(r.retain_on_delete for r in physical_not.resources.values())


def test_backup_and_restore_are_one_command_each_on_the_controller_host(program) -> None:
    run = program(PHYSICAL)
    backup, restore = run["slurm-backup"], run["slurm-restore"]
    for tool in (backup, restore):
        assert tool.depends_on("node0-swarm-init")  # the controller host's engine
        assert tool.inputs["stdin"].startswith("#!/bin/sh\n# slurm-")  # shown as it is in the preview
        assert "rm -f" in tool.inputs["delete"]
    assert "\nSTOP_SECONDS=30\n" in backup.inputs["stdin"]  # slurmctld's grace to save its state
    assert 'docker stop -t "$STOP_SECONDS" "$CONTROLLER"' in backup.inputs["stdin"]
    assert "DROP DATABASE IF EXISTS" in restore.inputs["stdin"]
    assert run.outputs["backupCommand"].endswith(
        "root@10.0.0.10 /var/lib/multihost-slurm/test/bin/slurm-backup > backup.tar")
    assert run.outputs["restoreCommand"].endswith(
        "root@10.0.0.10 /var/lib/multihost-slurm/test/bin/slurm-restore < backup.tar")
    without = program(dict(PHYSICAL, accounting=False))
    assert "\nMARIADB=''\n" in without["slurm-backup"].inputs["stdin"]
    assert "\nSLURMDBD=''\n" in without["slurm-restore"].inputs["stdin"]


def test_slurm_conf_is_installed_as_readable_text(program) -> None:
    run = program(PHYSICAL)
    install = run["slurm-conf"]
    assert install.inputs["stdin"] == render_slurm_conf_for(PHYSICAL)
    assert "PartitionName=even Nodes=even_nodes" in install.inputs["stdin"]


def render_slurm_conf_for(raw: dict[str, Any]) -> str:
    from model.config import SecretState, parse_cluster

    return render_slurm_conf(parse_cluster(raw, project="multihost-slurm", stack="test",
                                           ssh_key=SecretState(True, True)))


def test_munge_key_is_secret_numeric_owner_mode_0400(program) -> None:
    run = program(PHYSICAL)
    munge = {"file": "/etc/munge/munge.key", "contentBase64": FAKE_MUNGE_KEY, "permissions": "0400",
             "owner": "990", "group": "990"}
    for name in ("slurmctld-container", "slurmdbd-container", "fd20_0-container", "fd20_1-container"):
        uploads = run[name].inputs["uploads"]
        assert is_secret(uploads)
        assert munge in plain(uploads)
    assert plain(run["fd20_1-container"].inputs["uploads"]) == [munge]


def test_secrets_never_in_command_text(program) -> None:
    run = program(PHYSICAL)
    shown = texts(run)
    for secret in (FAKE_MUNGE_KEY, FAKE_JOIN_TOKEN, "bW9jay1rZXk="):
        assert secret not in shown
    join = run["node1-swarm-join"]
    assert is_secret(join.inputs["stdin"]) and plain(join.inputs["stdin"]) == FAKE_JOIN_TOKEN
    assert "stdout" in run["swarm-join-token"].additional_secret_outputs
    assert run["swarm-join-token"].inputs["logging"] == "none"
    assert all(is_secret(r.inputs["connection"]) for r in run.of_type("command:remote:Command"))


def test_outputs(program) -> None:
    run = program(PHYSICAL)
    out = run.outputs
    assert out["nodes"] == ["fd20_0", "fd20_1", "fd20_2"]
    assert out["partitions"] == {"all": ["fd20_0", "fd20_1", "fd20_2"], "even": ["fd20_0", "fd20_2"], "odd": ["fd20_1"]}
    assert out["consulUrl"] == "https://10.0.0.5:8501"
    assert out["controller"] == {"host": "node0", "address": "10.0.0.10", "container": "slurmctld"}
    assert out["overlayMode"] == "swarm"
    assert out["jobCommand"].endswith("root@10.0.0.10 docker exec slurmctld srun -p all -N3 hostname")
    assert out["readiness"] == "readiness-check done"


def test_consul_catalog_registers_every_daemon(program) -> None:
    run = program(PHYSICAL)
    catalog = run["consul-catalog"].inputs
    assert catalog["url"] == "https://10.0.0.5:8501"
    assert [s["name"] for s in catalog["services"]] == ["slurmctld", "slurmrestd", "slurmd", "slurmd", "slurmd"]
    assert run["consul-catalog"].depends_on("consul-container")
    assert run["consul-container"].provider.split("::")[-1].startswith("login-docker")


def test_images_built_once_pushed_once_and_pulled_by_digest(program) -> None:
    run = program(PHYSICAL)
    image = run["slurm-image"]
    assert image.provider.split("::")[-1].startswith("node0-docker")  # built on the controller host
    assert image.inputs["build"]["context"] == "images/slurm" and image.inputs["build"]["target"] == "slurm-mpi"
    assert not image.inputs.get("skipPush")
    assert image.inputs["imageName"] == "10.0.0.10:5000/multihost-slurm/slurm:24.11-mpi"
    assert plain(image.inputs["registry"]) == {"server": "10.0.0.10:5000", "username": "pulumi",
                                               "password": FAKE_DB_PASSWORD}
    assert image.depends_on("registry-container") and image.depends_on("node0-registry-trust")
    for host in ("node0", "node1", "node2"):
        pulled = run[f"slurm-image-on-{host}"]
        assert pulled.provider.split("::")[-1].startswith(f"{host}-docker")
        assert pulled.inputs["name"].startswith("10.0.0.10:5000/multihost-slurm/slurm@sha256:")
        engine = "node0-swarm-init" if host == "node0" else f"{host}-swarm-join"
        assert pulled.depends_on(f"{host}-registry-trust") and pulled.depends_on(engine)
        auth = plain(run[f"{host}-docker"].inputs["registryAuth"])
        assert (json.loads(auth) if isinstance(auth, str) else auth) == [
            {"address": "10.0.0.10:5000", "username": "pulumi", "password": FAKE_DB_PASSWORD}]
    assert [r.name for r in run.of_type("docker:index/remoteImage:RemoteImage") if "mariadb" in r.name] == [
        "mariadb-image-on-node0"]
    # no archive goes through the machine running Pulumi: the registry's own image is built where it runs
    assert not [r.name for r in run.of_type("command:local:Command") if "image" in r.name]
    assert run["registry-image"].provider.split("::")[-1].startswith("node0-docker")


def test_the_registry_has_tls_from_its_own_ca_and_a_password(program) -> None:
    run = program(LAB)
    registry = run["registry-container"]
    assert registry.provider.split("::")[-1].startswith("node0-docker")
    assert [(p["internal"], p["external"]) for p in registry.inputs["ports"]] == [(5000, 5000)]
    files = {u["file"]: u for u in plain(registry.inputs["uploads"])}
    assert files["/etc/docker/registry/htpasswd"]["content"] == f"pulumi:{FAKE_BCRYPT_HASH}\n"
    assert files["/etc/docker/registry/tls.key"]["permissions"] == "0400"
    assert run["registry-server-csr"].inputs["ipAddresses"] == ["127.0.0.1", "172.30.0.11"]
    # this machine's engine pushes through the loopback port (an insecure registry to Docker: no
    # trust to install here); the hosts pull from the registry host's bridge address
    assert run["slurm-image"].inputs["imageName"].startswith("127.0.0.1:12214/")
    assert run["slurm-image-on-node1"].inputs["name"].startswith("172.30.0.11:5000/")
    assert run.outputs["imageRegistry"] == {"pull": "172.30.0.11:5000", "push": "127.0.0.1:12214"}
    trust = run["node1-registry-trust"]
    assert "CERTS_DIR=/etc/docker/certs.d/172.30.0.11:5000\n" in trust.inputs["create"]
    assert trust.inputs["stdin"].startswith("-----BEGIN CERTIFICATE-----\nmock registry-ca-cert")
    assert "rm -f \"$CERTS_DIR/ca.crt\"" in trust.inputs["delete"]
    # the registry's own image is the one shipped as an archive (images/registry: small, from scratch)
    assert run["registry-image-to-node0"].depends_on("registry-image-export")
    export = run["registry-image-export"].inputs["create"]
    assert "save multihost-slurm/registry:2.8 > \"$HOME/.cache/multihost-slurm/test/registry-" in export
    assert ".tar.gz.$$.tar\" && gzip -1 -c " in export  # compressed once the save has succeeded
    load = run["registry-image-to-node0"].inputs["create"]
    assert "docker load -q < \"$HOME/.cache/multihost-slurm/test/registry-" in load


def test_a_lab_host_that_builds_gets_its_base_images_from_this_machine(program) -> None:
    """images.buildOn a lab host: it builds the registry's, Slurm's and MariaDB's images, so it gets
    debian:trixie (their FROM) as an archive, as a real host would pull it; the kv host builds Consul."""
    run = program(dict(LAB, images={"buildOn": "node1", "buildConsul": True}))
    base = run["node1-base-debian-trixie"]
    assert base.type == "docker:index/remoteImage:RemoteImage" and base.inputs["keepLocally"] is True
    assert base.provider.split("::")[-1].startswith("local-docker")
    shipped = run["node1-base-debian-trixie-image-to-node1"]
    assert shipped.depends_on("node1-base-debian-trixie-image-export") and shipped.depends_on("node1-swarm-join")
    for image in ("registry-image", "slurm-image", "mariadb-image"):
        assert run[image].provider.split("::")[-1].startswith("node1-docker")
        assert run[image].depends_on("node1-base-debian-trixie-image-to-node1")
    assert run["slurm-image"].inputs["imageName"] == "172.30.0.11:5000/multihost-slurm/slurm:24.11-mpi"
    assert run["registry-image-to-node0"].depends_on("registry-image-export")  # node1 to node0, through here
    assert run["consul-image"].depends_on("login-base-debian-bullseye-image-to-login")


def test_what_each_host_builds_and_from_what() -> None:
    assert base_images("slurm") == ("debian:trixie",)  # its later stages start from its own
    assert base_images("consul") == ("debian:bullseye",)
    assert images_built_on(parse(LAB, NO_KEY)) == {}  # a lab builds here
    physical = parse(dict(SEED, kvStore="etcd", overlay="kv", accounting=False))
    assert images_built_on(physical) == {"node0": ("registry", "slurm"), "login": ("etcd",)}


def test_health_checks_probe_every_second_while_starting_on_engines_that_keep_it(program) -> None:
    run = program(LAB)
    check = run["fd20_1-container"].inputs["healthcheck"]
    assert check["startInterval"] == "1s" and check["interval"] == "5s"
    assert run["fd20_1-container"].depends_on("node1-engine-api")


def test_kv_lab_chains_engine_restarts_after_the_store(program) -> None:
    run = program(KV_LAB)
    assert run["node0-engine-config"].depends_on("etcd-container")
    assert run["node1-engine-config"].depends_on("node0-engine-config")
    assert run["node2-engine-config"].depends_on("node1-engine-config")
    assert "etcd://172.30.0.10:2379" in run["node1-engine-config"].inputs["create"]
    assert run["node1-docker"].depends_on("node1-engine-config")
    assert not run.of_type("multihost-slurm:engines:SwarmEngines")
    assert run["etcd-container"].provider.split("::")[-1].startswith("login-docker")
    assert "attachable" not in run["overlay-network"].inputs
    assert not run.of_type("pulumi-python:dynamic:Resource")  # no Consul, no catalog
    assert run.outputs["consulUrl"] is None


def test_the_seeds_consul_lab_builds_consul_and_restarts_bullseye_engines_onto_it(program) -> None:
    run = program(CONSUL_LAB)
    assert run["consul-image"].inputs["build"]["context"] == "images/consul"
    assert run["consul-image"].inputs["imageName"] == "multihost-slurm/consul:1.8"
    assert run["consul-container"].depends_on("consul-image-to-login")
    # nothing pulled but from the stack's registry
    pulled = run.of_type("docker:index/remoteImage:RemoteImage")
    assert pulled and all(r.inputs["name"].startswith("172.30.0.11:5000/") for r in pulled)  # node0's
    assert run["node0-engine-config"].depends_on("consul-container")
    assert "consul://172.30.0.10:8501/network" in run["node1-engine-config"].inputs["create"]
    assert run["labhost-image"].inputs["build"]["args"]["DEBIAN_RELEASE"] == "bullseye"
    assert run["consul-catalog"].depends_on("consul-container")
    assert run.outputs["kvHost"] == "login"


def test_lab_hosts_are_pseudo_privileged_containers_with_fixed_addresses(program) -> None:
    run = program(LAB, stack="dev")
    node1 = run["node1-lab-host"]
    assert node1.inputs["hostname"] == "node1"
    assert node1.inputs["capabilities"] == {"adds": ["ALL"], "drops": ["SYS_RESOURCE"]}
    assert "privileged" not in node1.inputs
    assert node1.inputs["networksAdvanced"][0]["ipv4Address"] == "172.30.0.12"  # host to host
    # this machine reaches it on its loopback address, as Docker Desktop allows too
    assert node1.inputs["ports"] == [{"internal": inside, "external": outside, "ip": "127.0.0.1"}
                                     for inside, outside in ((22, 12220), (2222, 12221), (6820, 12222), (8501, 12223),
                                                             (5000, 12224))]
    assert run["node1-swarm-join"].depends_on("node1-lab-host")
    assert run["node1-docker"].inputs["host"] == "ssh://root@127.0.0.1:12220"
    assert plain(run["node1-swarm-join"].inputs["connection"])["port"] == 12220
    assert "MANAGER=172.30.0.11:2377" in run["node1-swarm-join"].inputs["create"]  # node0, on the bridge
    out = run.outputs
    assert out["consulUrl"] == "https://127.0.0.1:12203" and out["restUrl"] == "http://127.0.0.1:12212"
    assert out["sshCommands"]["node1"].endswith("-p 12220 root@127.0.0.1")
    assert run["lab-ssh-key"].type == "tls:index/privateKey:PrivateKey"


def test_ssh_key_file_is_written_private(program, tmp_path) -> None:
    program(PHYSICAL)
    key = tmp_path / ".ssh" / "multihost-slurm" / "test.key"
    assert key.read_text() == FAKE_PRIVATE_KEY
    assert key.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("raw", "key"), [(case[1], case[2]) for case in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS])
def test_bad_config_fails_before_any_resource(program, raw, key: str) -> None:
    """Through Pulumi's config (every value as text or JSON), each bad input stops the program with the
    key named, before it registers anything."""
    config = dict(raw) if "lab" in raw else dict(raw, sshPrivateKey=FAKE_PRIVATE_KEY)
    with pytest.raises(ConfigError, match=re.escape(f"multihost-slurm:{key}")):
        program(config)
    assert program.monitors[-1].registrations == {}


@pytest.mark.parametrize("stack", ["dev", "physical"])
def test_committed_stacks_run(program, stack: str) -> None:
    config = stack_file_config(stack)
    if stack == "physical":
        config["sshPrivateKey"] = FAKE_PRIVATE_KEY
    run = program(config, stack=stack)
    assert run.outputs["nodes"] == ["fd20_0", "fd20_1", "fd20_2"]


def test_missing_secret_on_the_physical_stack_says_how_to_set_it(program) -> None:
    with pytest.raises(ConfigError, match="pulumi config set --secret multihost-slurm:sshPrivateKey"):
        program(stack_file_config("physical"), stack="physical")


def test_swarm_with_engine_settings_configures_then_joins(program) -> None:
    run = program(dict(PHYSICAL, dockerDaemon={"log-level": "warn"}))
    assert run["node1-swarm-join"].depends_on("node1-engine-config")
    assert run["node0-swarm-init"].depends_on("node0-engine-config")
    assert not run["node1-engine-config"].depends_on("node0-engine-config")  # restarts in parallel
    assert '"log-level": "warn"' in run["node1-engine-config"].inputs["create"]
    assert "engine-config" not in " ".join(program(PHYSICAL).resources)


def test_adding_a_host_changes_no_existing_resource(program) -> None:
    """N and N+1 hosts: every resource of the N-host program is registered again with the same inputs,
    except the two that describe the whole cluster: the readiness check and the Consul catalog."""
    before = program(PHYSICAL)
    bigger = copy.deepcopy(PHYSICAL)
    bigger["hosts"].append({"name": "node3", "address": "10.0.0.13", "roles": ["compute"]})
    after = program(bigger)
    assert set(before.resources) < set(after.resources)
    changed = {name for name, r in before.resources.items() if r.inputs != after[name].inputs}
    assert changed == {"readiness-check", "consul-catalog"}
    assert set(after.resources) - set(before.resources) == {
        "node3-swarm-join", "node3-docker", "slurm-image-on-node3", "node3-registry-trust", "node3-engine-api",
        "node3-nodes", "multihost-slurm-test-fd20_3-spool", "fd20_3-container", "fd20_3-membership", "node3-identities"}
    assert "fd20_3" in after["readiness-check"].inputs["stdin"]


def test_a_leaving_node_is_drained_before_its_container_goes(program) -> None:
    run = program(PHYSICAL)
    membership = run["fd20_1-membership"]
    assert membership.depends_on("fd20_1-container")  # so it is deleted first
    assert membership.inputs["connection"]["value"]["host"] == "10.0.0.10"  # on the controller host
    script = membership.inputs["delete"]
    assert "\nNODE=fd20_1\n" in script and "\nDRAIN_SECONDS=600\n" in script
    assert script.index("state=drain") < script.index('wait_for_jobs "$NODE" put_back') \
        < script.index('delete nodename="$NODE"')  # tests/test_scripts.py runs it


def test_munge_key_rotation_drains_then_resumes(program) -> None:
    run = program(dict(PHYSICAL, mungeKeyVersion=2))
    assert run["munge-key"].inputs["keepers"] == {"version": "2"}
    drain, resume = run["munge-key-rotation-drain"], run["munge-key-rotation-resume"]
    assert drain.inputs["triggers"] == ["2"] and resume.inputs["triggers"] == ["2"]
    assert run["slurmctld-container"].depends_on("munge-key-rotation-drain")
    for container in ("slurmctld-container", "fd20_0-container", "fd20_2-container"):
        assert run[container].depends_on("slurmctld-container") or container == "slurmctld-container"
        assert resume.depends_on(container)
    assert "fd20_" not in drain.inputs["create"] + resume.inputs["create"]  # independent of membership
    assert run["readiness-check"].depends_on("munge-key-rotation-resume")


def transitive_dependencies(run, name: str) -> set[str]:
    by_urn = {r.urn: r for r in run.resources.values()}
    seen: set[str] = set()
    todo = [run[name]]
    while todo:
        current = todo.pop()
        for urn in current.dependencies + [u for us in current.property_dependencies.values() for u in us]:
            if urn not in seen and urn in by_urn:
                seen.add(urn)
                todo.append(by_urn[urn])
    return {by_urn[u].name for u in seen}


@pytest.mark.parametrize("config", [LAB, KV_LAB, CONSUL_LAB], ids=["swarm", "kv-etcd", "kv-consul"])
def test_nothing_runs_on_a_lab_host_before_it_exists(program, config) -> None:
    run = program(config, stack="dev")
    port_of = {12200 + 10 * i: h["name"] for i, h in enumerate(config["hosts"])}
    for command in run.of_type("command:remote:Command"):
        host = port_of[plain(command.inputs["connection"])["port"]]
        assert f"{host}-lab-host" in transitive_dependencies(run, command.name), command.name
    for provider in run.of_type("pulumi:providers:docker"):
        if provider.name != "local-docker":
            host = provider.name.removesuffix("-docker")
            assert f"{host}-lab-host" in transitive_dependencies(run, provider.name), provider.name


def test_accounting_rest_and_mpi(program) -> None:
    run = program(PHYSICAL)
    password = {"file": "/run/secrets/slurmdb_password", "content": FAKE_DB_PASSWORD}
    jwt = {"file": "/etc/jwt/jwt_hs256.key", "permissions": "0600", "owner": "991", "group": "991"}
    mariadb, slurmdbd = run["mariadb-container"], run["slurmdbd-container"]
    assert {**password, "permissions": "0440", "owner": "0", "group": "989"} in plain(mariadb.inputs["uploads"])
    dbd_uploads = plain(slurmdbd.inputs["uploads"])
    assert {**password, "permissions": "0400", "owner": "0", "group": "0"} in dbd_uploads
    template = next(u["content"] for u in dbd_uploads if u["file"] == "/etc/slurm/slurmdbd.conf.template")
    assert "StorageUser=slurm" in template and "StoragePass=" not in template
    assert slurmdbd.depends_on("mariadb-container")
    assert run["slurmctld-container"].depends_on("slurmdbd-container")  # registers the cluster on first start
    for name in ("slurmctld-container", "slurmdbd-container"):
        assert any({k: u.get(k) for k in jwt} == jwt for u in plain(run[name].inputs["uploads"]))
    restd = run["slurmrestd-container"]
    assert "uploads" not in restd.inputs  # JWT only: no munge key, no signing key
    assert restd.inputs["volumes"] == [{"volumeName": "multihost-slurm-test-slurmctld-etc",
                                        "containerPath": "/etc/slurm", "readOnly": True}]
    assert restd.inputs["ports"] == [{"internal": 6820, "external": 6820}]
    assert "MPI_SUBNET=10.20.0.0/16" in run["fd20_2-container"].inputs["envs"]
    conf = run["slurm-conf"].inputs["stdin"]
    assert "AccountingStorageType=accounting_storage/slurmdbd" in conf and "AuthAltTypes=auth/jwt" in conf
    assert FAKE_DB_PASSWORD not in texts(run)
    out = run.outputs
    assert out["restUrl"] == "http://10.0.0.10:6820"
    assert out["restTokenCommand"].endswith("docker exec slurmctld scontrol token username=root lifespan=3600")
    assert out["mpiCommand"].endswith("docker exec slurmctld srun --mpi=pmix -p all -N3 mpi-hello")
    assert out["sacctCommand"].endswith("docker exec slurmctld sacct -a -X -o JobID,JobName,NodeList,State")


def test_no_two_containers_on_a_host_publish_the_same_port(program) -> None:
    config = copy.deepcopy(PHYSICAL)
    config["hosts"][1]["slurmds"] = 4  # node0, the controller host: slurmctld, slurmrestd, 4 slurmds
    run = program(config)
    published = [(c.provider.split("::")[-1].split("-docker")[0], p["external"])
                 for c in run.of_type("docker:index/container:Container") for p in c.inputs.get("ports", [])]
    assert len(published) == len(set(published))
    assert sorted(port for host, port in published if host == "node0") == [5000, 6817, 6818, 6820, 6821, 6822, 6823]


def test_services_can_be_turned_off(program) -> None:
    run = program(dict(PHYSICAL, accounting=False, restApi=False, mpi=False))
    names = set(run.resources)
    assert not names & {"mariadb-container", "slurmdbd-container", "slurmrestd-container", "mariadb-image",
                        "jwt-key", "slurmdbd-password"}
    assert run["slurm-image"].inputs["build"]["target"] == "slurm"
    assert run["slurm-image"].inputs["imageName"] == "10.0.0.10:5000/multihost-slurm/slurm:24.11"
    assert "envs" not in run["fd20_0-container"].inputs
    conf = run["slurm-conf"].inputs["stdin"]
    assert "AccountingStorageType" not in conf and "AuthAlt" not in conf
    assert {k: run.outputs[k] for k in ("restUrl", "sacctCommand", "mpiCommand")} == dict.fromkeys(
        ("restUrl", "sacctCommand", "mpiCommand"))


# ---- users, login, shared file systems ---------------------------------------------------------------

WITH_PEOPLE = dict(copy.deepcopy(PEOPLE), sshPrivateKey=FAKE_PRIVATE_KEY)


def test_a_login_container_holds_no_secret_but_the_munge_key_and_gains_no_privilege(program) -> None:
    run = program(WITH_PEOPLE)
    login = run["login-login-container"]
    assert login.provider.split("::")[-1].startswith("login-docker")
    assert (login.inputs["name"], login.inputs["hostname"]) == ("login", "login")
    assert login.inputs["command"] == ["login", "--conf-server", "slurmctld:6817"]
    assert login.inputs["ports"] == [{"internal": 22, "external": 2222}]
    assert login.inputs["securityOpts"] == ["no-new-privileges"]
    assert "privileged" not in login.inputs and "capabilities" not in login.inputs
    assert [u["file"] for u in plain(login.inputs["uploads"])] == ["/etc/munge/munge.key"]
    volumes = {v["containerPath"]: v for v in login.inputs["volumes"]}
    assert volumes["/var/lib/extrausers"] == {"hostPath": "/var/lib/multihost-slurm/test/identities",
                                              "containerPath": "/var/lib/extrausers", "readOnly": True}
    assert volumes["/home"] == {"hostPath": "/home", "containerPath": "/home"}
    assert volumes["/etc/ssh/host-keys"]["volumeName"] == "multihost-slurm-test-login-ssh-host-keys"
    assert not any("docker.sock" in json.dumps(v) for v in login.inputs["volumes"])
    for node in ("fd20_0", "fd20_1", "fd20_2"):
        assert run[f"{node}-container"].inputs["securityOpts"] == ["no-new-privileges"]
    assert run.outputs["loginHosts"] == {"login": "10.0.0.5:2222"}
    assert run.outputs["logins"] == {"alice": "ssh -p 2222 alice@10.0.0.5", "bob": "ssh -p 2222 bob@10.0.0.5"}


def test_the_kv_host_runs_the_store_and_a_login_container_with_one_provider(program) -> None:
    run = program(WITH_PEOPLE)
    assert [r.name for r in run.of_type("pulumi:providers:docker") if r.name.startswith("login")] == ["login-docker"]
    assert run["login-docker"].depends_on("login-swarm-join")
    assert run["consul-container"].provider.split("::")[-1].startswith("login-docker")


def test_identities_reach_every_slurm_host_before_its_containers(program) -> None:
    run = program(WITH_PEOPLE)
    for host, containers in (("login", ["login-login-container"]), ("node0", ["slurmctld-container",
                             "slurmdbd-container", "fd20_0-container"]), ("node1", ["fd20_1-container"])):
        identities = run[f"{host}-identities"]
        assert "alice:*:2001:3000::/home/alice:/bin/bash" in identities.inputs["create"]
        assert "physics:*:3000:bob" in identities.inputs["create"]
        assert "alice ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOHS9Bg2KLId3H08gIB5+41NHwEArwWJhmmhqwGKhpes" \
            in identities.inputs["create"]
        assert all(run[c].depends_on(f"{host}-identities") for c in containers)


def test_shared_paths_are_checked_on_every_host_before_its_containers_and_homes_made(program) -> None:
    run = program(WITH_PEOPLE)
    marker = run["shared-home-marker"]
    assert plain(marker.inputs["connection"])["host"] == "10.0.0.5"
    for host, node in (("node0", "fd20_0"), ("node1", "fd20_1"), ("node2", "fd20_2")):
        check = run[f"{host}-shared-home-check"]
        assert check.depends_on("shared-home-marker")
        assert "SHARED_PATH=/home" in check.inputs["create"]
        assert run[f"{node}-container"].depends_on(f"{host}-shared-home-check")
    assert run["login-login-container"].depends_on("shared-home-marker")
    home = run["alice-home"]
    assert "HOME_DIR=/home/alice" in home.inputs["create"] and "USER_ID=2001" in home.inputs["create"]
    assert "DELETE_HOMES=false" in home.inputs["delete"]


def test_associations_come_with_accounting_and_enforcement(program) -> None:
    run = program(WITH_PEOPLE)
    assert "ACCOUNT=general" in run["general-account"].inputs["create"]
    association = run["alice-association"]
    assert association.depends_on("general-account") and association.depends_on("slurmctld-container")
    assert "USER_NAME=alice" in association.inputs["create"] and "USER_ID=2001" in association.inputs["delete"]
    assert "AccountingStorageEnforce=associations,limits" in run["slurm-conf"].inputs["stdin"]
    without = program(dict(WITH_PEOPLE, accounting=False))
    assert not [n for n in without.resources if n.endswith(("-association", "-account"))]


def test_adding_or_removing_a_user_changes_files_not_containers(program) -> None:
    before = program(WITH_PEOPLE)
    more = copy.deepcopy(WITH_PEOPLE)
    more["users"].append({"name": "carol", "uid": 2003, "sshKeys": [
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDdTGeRXbu3ZJ3uDlHVsbHgLvnNYQOcHpHVNoKqiW6XQ carol"]})
    after = program(more)
    changed = {n for n, r in before.resources.items() if r.inputs != after[n].inputs}
    assert changed == {f"{h}-identities" for h in ("login", "node0", "node1", "node2")}
    assert set(after.resources) - set(before.resources) == {"carol-home", "carol-association"}
    fewer = copy.deepcopy(WITH_PEOPLE)
    fewer["users"] = fewer["users"][:1]
    less = program(fewer)
    assert {n for n, r in less.resources.items() if r.inputs != before[n].inputs} == changed
    assert set(before.resources) - set(less.resources) == {"bob-home", "bob-association"}


def test_a_lab_generates_keys_for_users_without_and_shares_paths_into_its_hosts(program, tmp_path) -> None:
    lab = copy.deepcopy(LAB)
    lab["hosts"][0]["roles"] = ["kv", "login"]
    lab.update(users=[{"name": "alice", "uid": 2001}], sharedFilesystems=[{"path": "/home"}])
    run = program(lab, stack="dev")
    assert run["alice-lab-ssh-key"].inputs["algorithm"] == "ED25519"
    key_file = tmp_path / ".ssh" / "multihost-slurm" / "users" / "dev" / "alice.key"
    assert key_file.stat().st_mode & 0o777 == 0o600 and key_file.parent.stat().st_mode & 0o777 == 0o700
    assert run.outputs["logins"]["alice"] == (
        'ssh -i "$HOME/.ssh/multihost-slurm/users/dev/alice.key" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no '
        "-o UserKnownHostsFile=/dev/null -p 12201 alice@127.0.0.1")
    for host in ("login", "node0", "node1", "node2"):
        volumes = run[f"{host}-lab-host"].inputs["volumes"]
        assert {"hostPath": "/var/lib/multihost-slurm/lab-shared/dev/home", "containerPath": "/home"} in volumes


# ---- kvTls: the store's API over TLS with client certificates ------------------------------------

def test_consul_publishes_only_its_https_api_with_the_stacks_certificates(program) -> None:
    run = program(PHYSICAL)
    consul = run["consul-container"].inputs
    assert [(p["internal"], p["external"]) for p in consul["ports"]] == [(8501, 8501)]
    assert is_secret(consul["uploads"])  # the store's key among them
    uploads = {u["file"]: u for u in plain(consul["uploads"])}
    assert set(uploads) == {"/consul/config/multihost-slurm-tls.json", "/consul/config/tls/ca.pem",
                            "/consul/config/tls/cert.pem", "/consul/config/tls/key.pem"}
    assert json.loads(uploads["/consul/config/multihost-slurm-tls.json"]["content"])["verify_incoming_https"] is True
    assert uploads["/consul/config/tls/key.pem"]["permissions"] == "0400"
    assert "PRIVATE KEY" not in texts(run)
    server = run["kv-server-csr"].inputs
    assert server["ipAddresses"] == ["127.0.0.1", "10.0.0.5"] and server["dnsNames"] == ["localhost"]
    assert run["kv-server-cert"].inputs["allowedUses"] == ["digital_signature", "key_encipherment", "server_auth",
                                                          "client_auth"]
    catalog = run["consul-catalog"]
    assert is_secret(catalog.inputs["tls"]) and set(plain(catalog.inputs["tls"])) == {"ca", "cert", "key"}
    assert not [n for n in run.resources if n.endswith("-kv-tls")]  # swarm mode: no engine talks to the store
    assert run.outputs["consulCommand"].startswith("curl -s --cacert ")
    assert run.outputs["consulCommand"].endswith(" https://10.0.0.5:8501/v1/status/leader")


def test_kv_mode_engines_get_their_certificate_before_their_restart(program) -> None:
    run = program(CONSUL_LAB)
    for host in ("node0", "node1", "node2"):
        tls = run[f"{host}-kv-tls"]
        assert is_secret(tls.inputs["stdin"]) and "CERTIFICATE" not in tls.inputs["create"]
        assert run[f"{host}-engine-config"].depends_on(f"{host}-kv-tls")
        assert run[f"kv-client-{host}-csr"].inputs["subject"] == {"commonName": host}
    assert '"cluster-store-opts": {"kv.cacertfile": "/var/lib/multihost-slurm/test/kv-tls/ca.pem"' in \
        run["node1-engine-config"].inputs["create"]


def test_etcd_takes_only_clients_with_a_certificate(program) -> None:
    etcd = program(KV_LAB)["etcd-container"].inputs
    assert "--client-cert-auth" in etcd["command"]
    assert "https://0.0.0.0:2379" in etcd["command"]
    assert "--endpoints=https://127.0.0.1:2379" in etcd["healthcheck"]["tests"]


def test_without_kv_tls_the_api_is_plain_http_and_nothing_is_certified(program) -> None:
    run = program(dict(PHYSICAL, kvTls=False))
    assert [(p["internal"], p["external"]) for p in run["consul-container"].inputs["ports"]] == [(8500, 8500)]
    assert [r.name for r in run.of_type("tls:index/selfSignedCert:SelfSignedCert")] == ["registry-ca-cert"]
    assert run.outputs["consulUrl"] == "http://10.0.0.5:8500"
    assert run["consul-catalog"].inputs.get("tls") is None
