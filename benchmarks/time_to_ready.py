"""Time from `up` to a ready cluster on the testbed, for 1, 2 and 4 lab hosts, by phase.

Runs the test applier against the testbed engine (tests/testbed), so it needs what the end-to-end
tests need (root, Debian's docker.io and debootstrap). Images are built by a first run that is not
counted (their build cache is then warm, as on any later `up`); every counted run starts from no
lab host at all and ends with a destroy.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from applier import Applier, Change, real_providers
from applier.program import REPO
from applier.state import Resource
from benchmarks.configs import lab

PHASES = ("lab hosts", "engine configuration", "images", "network", "containers", "readiness")


def phase_of(change: Change) -> str | None:
    """The phase a resource belongs to; None for what takes no time (providers, keys)."""
    name, kind = change.name, change.type
    if kind.startswith(("pulumi:providers:", "random:", "tls:")):
        return None
    if name.endswith(("-lab-host", "-lab-docker-volume")) or name in ("lab-network", "labhost-image"):
        return "lab hosts"
    if "swarm" in name or name.endswith(("-engine-config", "-engine-api")):
        return "engine configuration"
    if kind in ("docker:index/image:Image", "docker:index/remoteImage:RemoteImage") or "-image-" in name \
            or name.startswith("registry-") or name.endswith("-registry-trust"):
        return "images"
    if name == "overlay-network":
        return "network"
    if name == "readiness-check" or name.startswith("munge-key-rotation"):
        return "readiness"
    return "containers"


@dataclass
class Span:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class ReadyTime:
    hosts: int
    seconds: float
    phases: dict[str, Span] = field(default_factory=dict)
    critical_path: list[tuple[str, float]] = field(default_factory=list)  # (resource, seconds), first to last


def critical_path(changes: list[Change], records: dict[str, Resource]) -> list[tuple[str, float]]:
    """The chain of dependent operations that took longest: what the total time is made of."""
    seconds = {c.name: c.seconds for c in changes}
    best: dict[str, tuple[float, list[tuple[str, float]]]] = {}

    def longest(urn: str) -> tuple[float, list[tuple[str, float]]]:
        if urn not in best:
            record = records[urn]
            before = [longest(d) for d in record.dependencies if d in records]
            cost, chain = max(before, default=(0.0, []), key=lambda c: c[0])
            own = seconds.get(record.name, 0.0)
            best[urn] = (cost + own, [*chain, (record.name, own)] if own >= 0.5 else chain)
        return best[urn]

    return max((longest(urn) for urn in records), key=lambda c: c[0])[1]


def testbed() -> str:
    result = subprocess.run([str(REPO / "tests/testbed/engine.sh")], capture_output=True, text=True, check=True)
    docker_host = result.stdout.strip().split("=", 1)[1]
    subprocess.run([str(REPO / "tests/testbed/base-images.sh"), "trixie"], check=True, capture_output=True,
                   env={**os.environ, "DOCKER_HOST": docker_host})
    return docker_host


def ready_time(hosts: int, docker_host: str) -> ReadyTime:
    config = {**lab(hosts, "172.29.9.0/24"), "localDockerHost": docker_host}
    state = Path(tempfile.mkdtemp()) / "state.json"
    applier = Applier(config, stack=f"bench{hosts}", state_path=state, providers=real_providers(), log=lambda _: None)
    try:
        started = time.monotonic()
        result = applier.up()
        total = time.monotonic() - started
        path = critical_path(result.changes, {r.urn: r for r in applier.snapshot.resources})
    finally:
        applier.destroy()
        applier.close()
    phases: dict[str, Span] = {}
    for change in result.changes:
        phase = phase_of(change)
        if phase is None:
            continue
        span = phases.setdefault(phase, Span(change.at, change.at + change.seconds))
        span.start, span.end = min(span.start, change.at), max(span.end, change.at + change.seconds)
    return ReadyTime(hosts, total, {p: phases[p] for p in PHASES if p in phases}, path)


def measure(sizes: tuple[int, ...] = (1, 2, 4)) -> list[ReadyTime]:
    docker_host = testbed()
    ready_time(1, docker_host)  # builds the images; not counted
    return [ready_time(n, docker_host) for n in sizes]
