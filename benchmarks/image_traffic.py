"""Bytes on the wire for the images, and an image change rolled out: lab hosts on the testbed.

What the machine running Pulumi sends is what its engine's side of the lab bridge transmits (every
lab host is reached through it: SSH, the Docker API over SSH, the push to the registry); what a host
receives is its own interface's count, from any sender. Both are kernel counters read after `up`.
Traffic between lab hosts (pulls from the registry) is switched inside the bridge and does not pass
the bridge's own interface. Like time_to_ready, it needs what the end-to-end tests need.

The previous design (an archive of each image loaded into each host) is not run: its bytes follow
from the archives' sizes, `docker save` of the same images, measured here.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import docker

from applier import Applier, real_providers
from applier.program import REPO
from benchmarks.configs import lab
from model.constants import LABEL_PREFIX, REGISTRY_HOST

# A change to the Slurm image's top layer: the MPI test program, the last thing its Dockerfile copies.
TOP_LAYER_SOURCE = Path("images/slurm/mpi-hello.c")
TOP_LAYER_CHANGE = '\n/* a change to the image\'s top layer */\nconst char top_layer_note[] = "rolled out";\n'
LINK_BYTES_PER_SECOND = 1e9 / 8  # the paper model's 1 Gbit/s


@dataclass
class Traffic:
    hosts: int
    seconds: float  # the up
    sent: int  # by the machine running Pulumi, bytes
    received: dict[str, int] = field(default_factory=dict)  # by each host, bytes
    registry_bytes: int = 0  # what the registry stores: each layer once, compressed
    archive_bytes: dict[str, int] = field(default_factory=dict)  # `docker save` of each image: the old design's copy


@dataclass
class Rollout:
    hosts: int
    seconds: float
    sent: int
    received: dict[str, int]
    archive_bytes: int  # the Slurm image's archive: what the old design sent each host for any change


def _bridge(client: docker.DockerClient, stack: str) -> str:
    network = client.networks.get(f"{LABEL_PREFIX}-{stack}-lab")
    return network.attrs["Options"].get("com.docker.network.bridge.name") or f"br-{network.id[:12]}"


def _counter(path: str) -> int:
    return int(Path(path).read_text())


def _host_counters(client: docker.DockerClient, stack: str, hosts: int) -> dict[str, int]:
    counts = {}
    for i in range(hosts):
        container = client.containers.get(f"{LABEL_PREFIX}-{stack}-host{i}")
        result = container.exec_run(["cat", "/sys/class/net/eth0/statistics/rx_bytes"])
        counts[f"host{i}"] = int(result.output)
    return counts


def _registry_bytes(client: docker.DockerClient, stack: str) -> int:
    """The registry's volume on the controller host (host0): every blob, each once."""
    controller = client.containers.get(f"{LABEL_PREFIX}-{stack}-host0")
    script = f"du -sb \"$(docker inspect --format '{{{{(index .Mounts 0).Source}}}}' {REGISTRY_HOST})\""
    result = controller.exec_run(["sh", "-c", script])
    if result.exit_code != 0:
        raise RuntimeError(f"the registry's volume: {result.output.decode(errors='replace')}")
    return int(result.output.split()[0])


def _archive_bytes(docker_host: str, tags: list[str]) -> int:
    save = subprocess.Popen(["docker", "-H", docker_host, "save", *tags], stdout=subprocess.PIPE)
    assert save.stdout is not None
    size = sum(len(chunk) for chunk in iter(lambda: save.stdout.read(1 << 20), b""))
    if save.wait() != 0:
        raise RuntimeError(f"docker save {tags} failed")
    return size


def _images(applier: Applier) -> dict[str, str]:
    """Image name -> the build engine's tag of it, for the images the stack built for its hosts (not
    the lab hosts' own, which stays on this machine)."""
    return {r.name.removesuffix("-image"): r.inputs["imageName"] for r in applier.snapshot.resources
            if r.type == "docker:index/image:Image" and r.name != "labhost-image"}


def measure(sizes: tuple[int, ...], docker_host: str) -> tuple[list[Traffic], Rollout]:
    """Each size from no lab host at all to a ready cluster, then destroyed; the largest one also gets
    the image change before its destroy."""
    client = docker.DockerClient(base_url=docker_host)
    project = Path(tempfile.mkdtemp()) / "project"
    shutil.copytree(REPO / "images", project / "images")
    rows, rollout = [], None
    for hosts in sizes:
        stack = f"traffic{hosts}"
        config = {**lab(hosts, "172.29.10.0/24"), "localDockerHost": docker_host}
        state = Path(tempfile.mkdtemp()) / "state.json"
        applier = Applier(config, stack=stack, state_path=state, providers=real_providers(), log=lambda _: None,
                          project_dir=project)
        try:
            started = time.monotonic()
            applier.up()
            seconds = time.monotonic() - started
            bridge = f"/sys/class/net/{_bridge(client, stack)}/statistics/tx_bytes"
            row = Traffic(hosts, seconds, _counter(bridge), _host_counters(client, stack, hosts),
                          _registry_bytes(client, stack))
            row.archive_bytes = {name: _archive_bytes(docker_host, [tag]) for name, tag in _images(applier).items()}
            rows.append(row)
            if hosts == max(sizes):
                rollout = _roll_out(applier, client, stack, hosts, bridge, project, row)
        finally:
            applier.destroy()
            applier.close()
            (project / TOP_LAYER_SOURCE).write_text((REPO / TOP_LAYER_SOURCE).read_text())
    assert rollout is not None
    return rows, rollout


def _roll_out(applier: Applier, client: docker.DockerClient, stack: str, hosts: int, bridge: str, project: Path,
              before: Traffic) -> Rollout:
    source = project / TOP_LAYER_SOURCE
    source.write_text(source.read_text() + TOP_LAYER_CHANGE)
    sent = _counter(bridge)
    received = _host_counters(client, stack, hosts)
    started = time.monotonic()
    applier.up()
    seconds = time.monotonic() - started
    after = _host_counters(client, stack, hosts)
    return Rollout(hosts, seconds, _counter(bridge) - sent, {h: after[h] - received[h] for h in after},
                   before.archive_bytes["slurm"])


def paper_model(rows: list[Traffic], hosts: int = 100) -> list[str]:
    """Today's design against the new one for `hosts` hosts, from the largest measured lab's figures."""
    row = max(rows, key=lambda r: r.hosts)
    slurm, mariadb = row.archive_bytes["slurm"], row.archive_bytes.get("mariadb", 0)
    old_sent = hosts * slurm + mariadb
    # what one compute host pulls, measured: every lab host but the controller host pulls only Slurm
    per_host = max(v for k, v in row.received.items() if k != "host0") if row.hosts > 1 else row.received["host0"]
    new_sent = row.sent  # one push, whatever the host count (measured: it does not grow with hosts)
    registry_out = (hosts - 1) * per_host
    return [
        "| design | sent by the machine running Pulumi | time on its 1 Gbit/s link | sent by the registry host "
        "| time on its 1 Gbit/s link |", "|---|---:|---:|---:|---:|",
        f"| archive to every host (before) | {old_sent / 1e9:.1f} GB | {old_sent / LINK_BYTES_PER_SECOND / 60:.1f} min "
        f"| - | - |",
        f"| stack registry (now) | {new_sent / 1e9:.2f} GB | {new_sent / LINK_BYTES_PER_SECOND:.0f} s "
        f"| {registry_out / 1e9:.1f} GB | {registry_out / LINK_BYTES_PER_SECOND / 60:.1f} min |",
    ]
