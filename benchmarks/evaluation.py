"""How long the program takes to evaluate, and how much memory, for N hosts (Pulumi's mock runtime,
every resource answered at once by fake outputs). Each size runs in a process of its own, so that
its peak memory is its own."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass

from pulumi.runtime.mocks import MockMonitor

from applier.fakes import FakeOutputs
from applier.program import REPO, run_program
from benchmarks.configs import physical


@dataclass
class Evaluation:
    hosts: int
    seconds: float
    resources: int
    peak_rss_mb: float
    baseline_rss_mb: float

    @property
    def per_host(self) -> float:
        return self.resources / self.hosts


def _measure_here(hosts: int) -> dict[str, float]:
    import os
    import tempfile

    os.environ["HOME"] = tempfile.mkdtemp()  # the program writes the stack's SSH key file there
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    monitor = MockMonitor(FakeOutputs())
    started = time.perf_counter()
    run_program(monitor, physical(hosts), stack="bench")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"hosts": hosts, "seconds": seconds, "resources": len(monitor.resources),
            "peak_rss_mb": peak, "baseline_rss_mb": baseline}


def evaluate(hosts: int) -> Evaluation:
    result = subprocess.run([sys.executable, "-m", "benchmarks.evaluation", str(hosts)], cwd=REPO,
                            capture_output=True, text=True, check=True)
    return Evaluation(**json.loads(result.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    print(json.dumps(_measure_here(int(sys.argv[1]))))
