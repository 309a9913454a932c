"""Benchmarks: program evaluation at scale, blast radius of a change, time to a ready cluster, image
traffic.

  python -m benchmarks.run            # everything (the testbed part needs root and docker.io)
  python -m benchmarks.run --quick    # CI: 10 and 100 hosts under mocks, blast radius at 10

Prints the figures and writes them to BENCHMARKS.md with the date and the machine. Targets are
stated next to the figures; nothing here passes or fails on a time.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile

from applier.program import REPO
from benchmarks import blast_radius, evaluation, image_traffic, time_to_ready


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} CPUs, "
            f"{memory:.0f} GiB, Python {platform.python_version()}")


def short_type(kind: str) -> str:
    """docker:index/container:Container -> docker.Container, command:remote:Command -> remote.Command."""
    package, module, name = kind.split(":")
    if package == "pulumi" and module == "providers":
        return f"{name} provider"
    return f"{module if package == 'command' else package}.{name}"


def evaluation_section(sizes: tuple[int, ...]) -> list[str]:
    rows = [evaluation.evaluate(n) for n in sizes]
    lines = ["## 1. Program evaluation under Pulumi's mock runtime", "",
             "The whole program (`__main__.py`) for N real hosts by address, every resource answered at once "
             "by fake outputs; each size in a process of its own.", "",
             "| hosts | wall time (s) | peak memory (MB) | of which before the program (MB) | resources | "
             "resources per host |", "|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r.hosts} | {r.seconds:.2f} | {r.peak_rss_mb:.0f} | {r.baseline_rss_mb:.0f} | {r.resources} | "
              f"{r.per_host:.2f} |" for r in rows]
    by_size = {r.hosts: r for r in rows}
    if 100 in by_size and 1000 in by_size:
        ratio = by_size[1000].seconds / by_size[100].seconds
        lines += ["", f"t(1,000) / t(100) = **{ratio:.1f}** (target: at most 12, i.e. linear)."]
    return lines


def blast_section(sizes: tuple[int, ...]) -> list[str]:
    lines = ["## 2. Blast radius", "",
             "A running N-host cluster with a login container and 10 users on a shared /home, then the program "
             "with one host (or user) more, or one fewer; the test applier with every resource faked counts what "
             "the second run does.", "",
             "| hosts | change | created | updated | replaced | deleted | existing resources changed | "
             "existing Slurm containers updated or replaced |", "|---:|---|---:|---:|---:|---:|---|---:|"]
    details = []
    for n in sizes:
        for r in blast_radius.measure(n):
            ops = {op: sum(v for (o, _), v in r.by_op_and_type.items() if o == op)
                   for op in ("create", "update", "replace", "delete")}
            lines.append(f"| {n} | {r.change} | {ops['create']} | {ops['update']} | {ops['replace']} | "
                         f"{ops['delete']} | {', '.join(r.existing_changed) or 'none'} | "
                         f"{r.existing_containers_touched} |")
            by_type = ", ".join(f"{op} {short_type(kind)} x{count}"
                                for (op, kind), count in sorted(r.by_op_and_type.items()))
            details.append(f"- {n} hosts, {r.change}: {by_type}")
    lines += ["", "By type:", "", *details, "",
              "Target: no existing Slurm container (slurmd, slurmctld, login) replaced or restarted; for a host, "
              "at most one existing resource changed (the readiness check, which runs again over every node); "
              "for a user, only the identity files of each host (`<host>-identities`, rewritten in place)."]
    return lines


def ready_section(sizes: tuple[int, ...]) -> list[str]:
    rows = time_to_ready.measure(sizes)
    header = " | ".join(time_to_ready.PHASES)
    lines = ["## 3. Time to a ready cluster on the testbed", "",
             "Lab hosts on this machine's engine (tests/testbed), from nothing to `readiness` passed, images "
             "already built (warm build cache). A phase's seconds run from its first resource's start to its "
             "last one's end; phases overlap where the graph lets them.", "",
             f"| hosts | total (s) | {header} |", "|---:|---:|" + "---:|" * len(time_to_ready.PHASES)]
    for r in rows:
        cells = " | ".join(f"{r.phases[p].seconds:.1f} ({r.phases[p].start:.0f}→{r.phases[p].end:.0f})"
                           if p in r.phases else "-" for p in time_to_ready.PHASES)
        lines.append(f"| {r.hosts} | {r.seconds:.1f} | {cells} |")
    by_size = {r.hosts: r for r in rows}
    if 1 in by_size and 4 in by_size:
        lines += ["", f"4 hosts / 1 host = **{by_size[4].seconds / by_size[1].seconds:.2f}** "
                  "(target: at most 1.3, i.e. hosts proceed in parallel); 1 host: "
                  f"**{by_size[1].seconds:.1f} s** (target: at most 30 s)."]
    lines += ["", "Critical path (the chain of dependent operations that took longest; seconds):", ""]
    for r in rows:
        chain = " → ".join(f"{name} {seconds:.1f}" for name, seconds in r.critical_path)
        lines.append(f"- {r.hosts} host(s): {chain}")
    lines += ["", IMAGE_FLOW]
    return lines


IMAGE_FLOW = """Where images come from: each image is built once (on this machine's engine in a lab, on the
controller host otherwise) and pushed once to the stack's registry on the controller host; every
host pulls what it runs by digest, all hosts at once, fetching only the layers it lacks. The
registry's own image is the one shipped as an archive (to the controller host). On the testbed
every lab host shares this machine's two CPUs, so the per-host work (layer compression in the push,
decompression in the pulls, container starts, health checks) competes for them; on real hosts each
host brings its own."""


def _mb(count: float) -> str:
    return f"{count / 1e6:,.0f}"


def traffic_section(sizes: tuple[int, ...]) -> list[str]:
    rows, rollout = image_traffic.measure(sizes, time_to_ready.testbed())
    lines = ["## 4. Image traffic on the testbed", "",
             "Lab hosts from nothing to a ready cluster (images already built), MB (10^6 bytes) counted by the "
             "kernel: sent by the machine running Pulumi (its side of the lab bridge: SSH, the Docker API, the "
             "push), received by each host (from anyone: the registry's pulls included).", "",
             "| hosts | up (s) | sent by the machine running Pulumi | received by each host | in the registry "
             "(each layer once, compressed) | sent / registry | archives of the images (the old design's copy) |",
             "|---:|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        received = ", ".join(f"{h} {_mb(v)}" for h, v in r.received.items())
        archives = ", ".join(f"{name} {_mb(v)}" for name, v in sorted(r.archive_bytes.items()))
        lines.append(f"| {r.hosts} | {r.seconds:.1f} | {_mb(r.sent)} | {received} | {_mb(r.registry_bytes)} | "
                     f"{r.sent / r.registry_bytes:.2f} | {archives} |")
    by_size = {r.hosts: r for r in rows}
    first, last = by_size[min(by_size)], by_size[max(by_size)]
    old_rollout = rollout.hosts * rollout.archive_bytes
    old = {r.hosts: r.hosts * r.archive_bytes["slurm"] + r.archive_bytes.get("mariadb", 0) for r in rows}
    lines += ["", f"Sent for {last.hosts} hosts / sent for {first.hosts}: **{last.sent / first.sent:.2f}** "
              f"(target: the machine running Pulumi sends at most 1.1x one copy of the images whatever the host "
              f"count; one copy is what the registry holds, and sent / registry above is that ratio). The old "
              f"design sent every host the Slurm archive and the controller host MariaDB's: "
              + ", ".join(f"{n} host(s) {_mb(v)} MB" for n, v in old.items()) + ".", "",
              f"An image change at the top of the Slurm image (its last layer: {image_traffic.TOP_LAYER_SOURCE} "
              f"edited), rolled out to {rollout.hosts} hosts: **{rollout.seconds:.1f} s**; the machine running "
              f"Pulumi sent {_mb(rollout.sent)} MB and the hosts received "
              + ", ".join(f"{h} {_mb(v)} MB" for h, v in rollout.received.items())
              + f". The old design sent the whole Slurm archive to every host for any change, {rollout.hosts} x "
              f"{_mb(rollout.archive_bytes)} MB = {_mb(old_rollout)} MB: now "
              f"**{100 * rollout.sent / old_rollout:.1f}%** "
              f"of it from the machine running Pulumi, and {100 * sum(rollout.received.values()) / old_rollout:.1f}% "
              "counting everything the hosts received, the registry's pulls included (target: at most 10%).", "",
              "### 100 hosts on paper", "",
              "From the largest lab's figures: the archives' sizes, the push, and what one compute host pulled.", "",
              *image_traffic.paper_model(rows), "",
              "The registry host's link now carries the pulls, inside the cluster's network; a site that wants "
              "more can put the registry behind a faster link or mirror it, the machine running Pulumi is "
              "no longer in the path."]
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="the CI subset: no 1,000 hosts, blast radius at 10 hosts only, no testbed")
    parser.add_argument("--testbed", action="store_true",
                        help="with --quick: the testbed's sections too (time to ready, image traffic), which "
                             "a full run has anyway; the 100-host blast radius alone takes half an hour")
    parser.add_argument("--output", default=str(REPO / "BENCHMARKS.md"))
    args = parser.parse_args(argv)
    os.environ["HOME"] = tempfile.mkdtemp()  # the program writes each stack's SSH key file there
    flags = " ".join(flag for flag, on in (("--quick", args.quick), ("--testbed", args.testbed and args.quick)) if on)
    mode = "full" if not args.quick else "quick, with the testbed" if args.testbed else "quick"
    lines = ["# Benchmarks", "",
             f"Measured {datetime.date.today().isoformat()} on {machine()}, with `python -m benchmarks.run"
             f"{' ' + flags if flags else ''}` ({mode} mode).", ""]
    lines += [*evaluation_section((10, 100) if args.quick else (10, 100, 1000)), ""]
    lines += [*blast_section((10,) if args.quick else (10, 100)), ""]
    if not args.quick or args.testbed:
        lines += [*ready_section((1, 2, 4)), ""]
        lines += [*traffic_section((1, 2, 4)), ""]
    text = "\n".join(lines)
    print(text)
    with open(args.output, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
