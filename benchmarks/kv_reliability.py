"""Reliability of kv mode on Consul: the `consul` lab's end-to-end tests (the seed's layout: engines
restarted one at a time onto consul://<login>:8501/network, then every test of that lab), run N
times in a row on the testbed. Prints each run's result and time, and how many passed.

  CI=true python -m benchmarks.kv_reliability [--runs 10]

Needs what the end-to-end tests need (root, docker.io, debootstrap). Nothing passes or fails here
on a figure: the figure goes to README.md's "What is verified for real".
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from applier.program import REPO

# the consul lab's tests only: its parameter, and no test of the other labs
SELECTION = "consul and not swarm and not etcd"


def run_once() -> tuple[bool, float, str]:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "pytest", "tests/e2e", "-q", "-x", "-p", "no:cacheprovider",
                             "-k", SELECTION], cwd=REPO, capture_output=True, text=True,
                            env={**os.environ, "CI": "true"}, check=False)
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    return result.returncode == 0, time.monotonic() - started, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    passed = 0
    for n in range(1, args.runs + 1):
        ok, seconds, summary = run_once()
        passed += ok
        print(f"run {n:2d}: {'pass' if ok else 'FAIL'} in {seconds:6.1f} s  {summary}", flush=True)
    print(f"kv mode on Consul: {passed} of {args.runs} consecutive runs of the consul lab's tests passed")


if __name__ == "__main__":
    main()
