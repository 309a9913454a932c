"""Stack configs of any size for the benchmarks."""

from __future__ import annotations

import ipaddress
from typing import Any

from applier.fakes import FAKE_PRIVATE_KEY


def physical(hosts: int) -> dict[str, Any]:
    """`hosts` real hosts by address: host0 runs slurmctld and a slurmd, the others a slurmd each."""
    first = ipaddress.IPv4Address("10.1.0.10")
    return {
        "sshPrivateKey": FAKE_PRIVATE_KEY,
        "maxNodes": max(1024, hosts),
        "hosts": [{"name": f"host{i}", "address": str(first + i),
                   "roles": ["controller", "compute"] if i == 0 else ["compute"]} for i in range(hosts)],
    }


def lab(hosts: int, subnet: str) -> dict[str, Any]:
    """`hosts` lab hosts on this machine's engine, the same layout as `physical`."""
    return {
        "lab": {"subnet": subnet},
        "hosts": [{"name": f"host{i}", "roles": ["controller", "compute"] if i == 0 else ["compute"]}
                  for i in range(hosts)],
    }
