"""How the machine running Pulumi reaches each host over SSH: URLs, options, command lines.

Command lines name the stack's key as `$HOME/...`, so that they read the same on every machine
that runs the stack (and a preview there shows no change); only Docker's provider, which runs ssh
without a shell, gets the absolute path.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from model.cluster import Cluster, Host
from model.constants import HOME_SSH, SSH_PORT


def identity_relative(cluster: Cluster) -> str:
    """The stack's SSH key file, relative to the home directory of whoever runs Pulumi."""
    return f"{HOME_SSH}/{cluster.stack}.key"


def identity_file(home: Path, cluster: Cluster) -> Path:
    """Where the key is written for the ssh client (Docker's ssh:// helper, image copies)."""
    return home / identity_relative(cluster)


def user_identity_relative(cluster: Cluster, user: str) -> str:
    """A lab user's generated key, relative to the home directory of whoever runs Pulumi."""
    return f"{HOME_SSH}/users/{cluster.stack}/{user}.key"


def user_identity_file(home: Path, cluster: Cluster, user: str) -> Path:
    return home / user_identity_relative(cluster, user)


def ssh_options(cluster: Cluster, identity: str) -> list[str]:
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
    return ["-i", identity, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", *retry, *known]


def url_host(address: str) -> str:
    """An address as a URL writes it: an IPv6 address in brackets."""
    return f"[{address}]" if ":" in address else address


def docker_host_url(host: Host) -> str:
    port = "" if host.ssh_port == SSH_PORT else f":{host.ssh_port}"
    return f"ssh://{host.ssh_user}@{url_host(host.address)}{port}"


def ssh_command(cluster: Cluster, host: Host, remote: str) -> str:
    """A shell command line that runs `remote` on `host`."""
    options = " ".join(shlex.quote(o) for o in ssh_options(cluster, "KEY"))
    options = options.replace("-i KEY", f'-i "$HOME/{identity_relative(cluster)}"')
    return f"ssh {options} -p {host.ssh_port} {host.ssh_user}@{host.address} {remote}"
