"""How the machine running Pulumi reaches each host over SSH: URLs, options, command lines."""

from __future__ import annotations

import shlex
from pathlib import Path

from model.cluster import Cluster, Host


def identity_file(home: Path, cluster: Cluster) -> Path:
    """Where the stack's SSH private key is written for the ssh client (Docker's ssh:// helper)."""
    return home / ".ssh" / cluster.project / f"{cluster.stack}.key"


def ssh_options(cluster: Cluster, identity: Path) -> list[str]:
    """Options for every ssh the program runs itself or through Docker's ssh:// connection helper.

    Lab hosts are recreated with new host keys, so their keys are not recorded; real hosts are
    trusted on first use and checked on every later connection.
    """
    if cluster.lab is not None:
        known = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]
    else:
        known = ["-o", "StrictHostKeyChecking=accept-new"]
    # A host that is still booting (or restarting sshd) gets 10 tries, a second apart; an unreachable
    # one fails within about two minutes.
    retry = ["-o", "ConnectionAttempts=10", "-o", "ConnectTimeout=10"]
    return ["-i", str(identity), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", *retry, *known]


def docker_host_url(host: Host) -> str:
    port = "" if host.ssh_port == 22 else f":{host.ssh_port}"
    return f"ssh://{host.ssh_user}@{host.address}{port}"


def ssh_command(cluster: Cluster, identity: Path, host: Host, remote: str) -> str:
    """A shell command line that runs `remote` on `host`."""
    options = " ".join(shlex.quote(o) for o in ssh_options(cluster, identity))
    return f"ssh {options} -p {host.ssh_port} {host.ssh_user}@{host.address} {remote}"
