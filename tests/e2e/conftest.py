"""End-to-end tests: the program applied to real Docker engines (tests/testbed) by the test applier.

Prerequisites: root, and Debian's docker.io and debootstrap (CI installs them). Without them the
tests are skipped on a developer machine, and fail when CI=true: in CI a missing prerequisite is a
failure, never a skip.

A lab is made once per module and mode (`lab_stack`), and shared: each test asks for it in the state
it needs (`lab`: as its mode declares it; `lab_with_four_hosts`: with one compute host more), and
the fixture brings it there with an `up` first, which changes nothing when it already is. So a test
does not depend on what ran before it, and a destroyed lab is made again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from applier.program import REPO
from model.constants import LAB_RELEASE_KV_CONSUL, LAB_RELEASE_KV_ETCD, LAB_RELEASE_SWARM
from tests.e2e.lab import MODES, LabStack, clear_leftovers, lab_host_logs

TESTBED = REPO / "tests" / "testbed"
PHASES: list[tuple[str, float]] = []


def phase(name: str, started: float) -> None:
    """Record how long a phase took; the seconds are printed at the end of the run."""
    PHASES.append((name, time.monotonic() - started))


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if PHASES:
        terminalreporter.section("end-to-end phases (seconds)")
        for name, seconds in PHASES:
            terminalreporter.write_line(f"{seconds:8.1f}  {name}")
        terminalreporter.write_line(f"{sum(s for _, s in PHASES):8.1f}  total")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"end-to-end prerequisite missing in CI: {reason}")
    pytest.skip(f"end-to-end prerequisite missing: {reason} (CI=true makes this a failure)")


@pytest.fixture(scope="session")
def testbed() -> Iterator[str]:
    """A Docker Engine for the tests (started here unless one answers) with Debian base images."""
    if os.geteuid() != 0:
        _unavailable("the testbed needs root")
    for tool in ("dockerd", "docker", "debootstrap", "ssh"):
        if shutil.which(tool) is None:
            _unavailable(f"{tool} is not installed (apt-get install docker.io debootstrap openssh-client)")
    started = time.monotonic()
    result = subprocess.run([str(TESTBED / "engine.sh")], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"the testbed engine did not start:\n{result.stderr}")
    docker_host = result.stdout.strip().split("=", 1)[1]
    phase("testbed engine", started)
    started = time.monotonic()
    env = {**os.environ, "DOCKER_HOST": docker_host}
    releases = [LAB_RELEASE_SWARM, LAB_RELEASE_KV_ETCD, LAB_RELEASE_KV_CONSUL]  # images/consul: bullseye too
    result = subprocess.run([str(TESTBED / "base-images.sh"), *releases], capture_output=True, text=True, env=env,
                            check=False)
    if result.returncode != 0:
        pytest.fail(f"the base images could not be made:\n{result.stderr}")
    phase("base images (debootstrap + docker import, cached)", started)
    yield docker_host


@pytest.fixture(scope="session")
def e2e_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """HOME for the program while it is applied: the stack's SSH key file goes there."""
    home = tmp_path_factory.mktemp("home")
    old = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    yield home
    if old is not None:
        os.environ["HOME"] = old


@pytest.fixture(scope="module", params=list(MODES))
def lab_stack(request: pytest.FixtureRequest, testbed: str, e2e_home: Path,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabStack]:
    mode = request.param
    stack = LabStack(f"e2e-{mode}", mode, testbed, tmp_path_factory.mktemp(f"state-{mode}"))
    clear_leftovers(testbed, stack.stack)
    try:
        yield stack
    finally:
        if stack.applier.snapshot.resources:
            stack.destroy()
        stack.applier.close()


def _converged(stack: LabStack, **changes: object) -> LabStack:
    started = time.monotonic()
    fresh = not stack.applier.snapshot.resources
    try:
        stack.converge(**changes)
    except Exception:
        print("\n".join(stack.log[-200:]))
        print(lab_host_logs(stack.docker_host, stack.stack))
        raise
    if fresh:
        phase(f"{stack.mode}: pulumi up of {len(stack.config['hosts'])} lab hosts to a ready cluster", started)
    return stack


@pytest.fixture
def lab(lab_stack: LabStack) -> LabStack:
    """The module's lab as its mode declares it."""
    return _converged(lab_stack)


@pytest.fixture
def lab_with_four_hosts(lab_stack: LabStack) -> LabStack:
    """The module's lab with a fourth host, a compute host running fd20_3."""
    return _converged(lab_stack, hosts=lab_stack.hosts_with({"name": "node3", "roles": ["compute"]}))
