"""Stack configs of any size for the benchmarks."""

from __future__ import annotations

import base64
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


def public_key(i: int) -> str:
    """An ed25519 public key line of the right form (the benchmarks connect to nothing)."""
    wire = b"".join(len(part).to_bytes(4, "big") + part for part in (b"ssh-ed25519", i.to_bytes(32, "big")))
    return f"ssh-ed25519 {base64.b64encode(wire).decode()} user{i}"


def with_people(config: dict[str, Any], users: int) -> dict[str, Any]:
    """`config` whose first host also runs the login container, with `users` users on a shared /home."""
    hosts = [dict(h) for h in config["hosts"]]
    hosts[0]["roles"] = [*hosts[0]["roles"], "login"]
    return {**config, "hosts": hosts, "sharedFilesystems": [{"path": "/home"}],
            "users": [{"name": f"user{i}", "uid": 2000 + i, "sshKeys": [public_key(i)]} for i in range(users)]}


def lab(hosts: int, subnet: str) -> dict[str, Any]:
    """`hosts` lab hosts on this machine's engine, the same layout as `physical`."""
    return {
        "lab": {"subnet": subnet},
        "hosts": [{"name": f"host{i}", "roles": ["controller", "compute"] if i == 0 else ["compute"]}
                  for i in range(hosts)],
    }
