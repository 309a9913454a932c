"""What one more (or one fewer) host, or user, changes in a running cluster with users: the test
applier runs the program with every resource faked (nothing is touched) and counts creates,
updates, replacements and deletes of the second run by resource type."""

from __future__ import annotations

import copy
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from applier import Applier, Change
from applier.fakes import fake_providers
from benchmarks.configs import physical, public_key, with_people

CONTAINER = "docker:index/container:Container"
USERS = 10  # users of the running cluster


@dataclass
class BlastRadius:
    hosts: int
    change: str  # "add one host", "remove one host", "add one user", "remove one user"
    by_op_and_type: dict[tuple[str, str], int] = field(default_factory=dict)
    existing_changed: list[str] = field(default_factory=list)  # names of resources both runs have
    existing_containers_touched: int = 0  # existing Slurm containers updated or replaced


def _summarise(hosts: int, change: str, second: list[Change], before: set[str]) -> BlastRadius:
    counted = Counter((c.op, c.type) for c in second if c.op != "same")
    changed_existing = sorted(c.name for c in second if c.op in ("update", "replace") and c.name in before)
    slurm_touched = sum(1 for c in second
                        if c.type == CONTAINER and c.name in before and c.op in ("update", "replace"))
    return BlastRadius(hosts, change, dict(counted), changed_existing, slurm_touched)


def measure(hosts: int) -> list[BlastRadius]:
    results = []
    base = with_people(physical(hosts), USERS)
    bigger: dict[str, Any] = copy.deepcopy(base)
    bigger["hosts"].append({"name": f"host{hosts}", "address": f"10.1.{(10 + hosts) // 256}.{(10 + hosts) % 256}",
                            "roles": ["compute"]})
    smaller = copy.deepcopy(base)
    smaller["hosts"] = smaller["hosts"][:-1]
    more_users = copy.deepcopy(base)
    more_users["users"].append({"name": f"user{USERS}", "uid": 2000 + USERS, "sshKeys": [public_key(USERS)]})
    fewer_users = copy.deepcopy(base)
    fewer_users["users"] = fewer_users["users"][:-1]
    providers = fake_providers([])
    for change, config in (("add one host", bigger), ("remove one host", smaller), ("add one user", more_users),
                           ("remove one user", fewer_users)):
        state = Path(tempfile.mkdtemp()) / "state.json"
        first = Applier(base, stack="bench", state_path=state, providers=providers, log=lambda _: None).up()
        before = {c.name for c in first.changes}
        second = Applier(config, stack="bench", state_path=state, providers=providers, log=lambda _: None).up()
        results.append(_summarise(hosts, change, second.changes, before))
    return results
