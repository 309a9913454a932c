"""A lab stack on the testbed, applied by the test applier, and what tests ask of its hosts."""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker

from tests.applier import Applier, ApplyResult
from tests.applier.state import ResourceRecord
from tests.program_runner import REPO

LAB_DAEMON_JSON = REPO / "images" / "labhost" / "daemon.json"


def is_lab_host(record: ResourceRecord) -> bool:
    """A lab host container: kept by a partial destroy so that tests can look at the hosts."""
    return record.type == "docker:index/container:Container" and record.name.endswith("-lab-host")


@dataclass
class LabStack:
    stack: str
    config: dict[str, Any]
    state_dir: Path
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.applier = Applier(self.config, stack=self.stack, state_path=self.state_dir / f"{self.stack}.json",
                               log=self.log.append)
        self.outputs: dict[str, Any] = {}

    def up(self) -> ApplyResult:
        result = self.applier.up()
        self.outputs = result.outputs
        return result

    def destroy(self, keep_hosts: bool = False) -> ApplyResult:
        return self.applier.destroy(keep=is_lab_host if keep_hosts else lambda _: False)

    # ---- the hosts -----------------------------------------------------------------------------

    def address(self, host: str) -> str:
        return self.outputs["hosts"][host]

    def ssh(self, host: str, command: str, check: bool = True) -> str:
        key = self.outputs["sshIdentityFile"]
        result = subprocess.run(
            ["ssh", "-i", key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
             "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", f"root@{self.address(host)}", command],
            capture_output=True, text=True, timeout=300, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"on {host}: {command}\n{result.stderr}{result.stdout}")
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


def expected_daemon_json_digest() -> str:
    return hashlib.sha256(LAB_DAEMON_JSON.read_bytes()).hexdigest()


def made_on_testbed(docker_host: str, stack: str) -> dict[str, list[str]]:
    """What carries this stack's name on the testbed engine: its lab hosts, volumes and network."""
    client = docker.DockerClient(base_url=docker_host)
    try:
        marker = f"multihost-slurm-{stack}-"
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


def node_states(lab: LabStack) -> dict[str, str]:
    return dict(line.split() for line in lab.slurm("sinfo -h -N -o '%N %T'").splitlines())


def dump(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True)
