"""The stack's SSH key, and how remote commands and Docker connections use it."""

from __future__ import annotations

import os
from pathlib import Path

import pulumi
import pulumi_command as command
import pulumi_tls as tls

from model.cluster import Cluster, Host
from model.constants import component_type
from render.ssh import identity_file, ssh_options

# An unreachable host fails within DIAL_ATTEMPTS x DIAL_TIMEOUT seconds, naming its address.
DIAL_ATTEMPTS = 6
DIAL_TIMEOUT = 10


def write_private_key(path: Path, key: str) -> str:
    """Write a private key for the local ssh client, only when its content changed.

    Done while the program runs (not as a resource) so that every machine that runs
    `pulumi preview/up/destroy` for this stack has the file (Docker's ssh:// helper needs the
    stack's; a lab user logs in with theirs).
    """
    # directories made here are 0700, as ssh-keygen makes ~/.ssh; an existing one is left as it is,
    # but the key's own directory is the owner's alone, whoever made it
    missing = [d for d in reversed(path.parents) if not d.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    for directory in [*missing, path.parent]:
        directory.chmod(0o700)
    text = key if key.endswith("\n") else key + "\n"
    if not path.exists() or path.read_text() != text:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
    path.chmod(0o600)  # a file that was there before, too
    return str(path)


class SshAccess(pulumi.ComponentResource):
    """The key (from config, or generated for a lab stack) and the connection settings per host."""

    public_key: pulumi.Output[str] | None
    identity_path: Path

    def __init__(self, cluster: Cluster, configured_key: pulumi.Output[str] | None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("access", "SshAccess"), "ssh-access", None, opts)
        if configured_key is not None:
            self.private_key = configured_key
            self.public_key = None
        else:
            generated = tls.PrivateKey("lab-ssh-key", algorithm="ED25519",
                                       opts=pulumi.ResourceOptions(parent=self))
            self.private_key = pulumi.Output.secret(generated.private_key_openssh)
            self.public_key = generated.public_key_openssh
        self.identity_path = identity_file(Path.home(), cluster)
        written = self.private_key.apply(lambda key: write_private_key(self.identity_path, key))
        # Docker's provider runs ssh without a shell: it gets the absolute path, once the file is there
        self.ssh_options: pulumi.Output[list[str]] = pulumi.Output.unsecret(
            written.apply(lambda path: ssh_options(cluster, path)))
        # commands that read the key file wait for this; they name it as $HOME/... (render/ssh.py)
        self.key_file_ready: pulumi.Output[str] = pulumi.Output.unsecret(written)
        self.register_outputs({"identityFile": str(self.identity_path)})

    def connection(self, host: Host) -> command.remote.ConnectionArgs:
        return command.remote.ConnectionArgs(
            host=host.address,
            port=host.ssh_port,
            user=host.ssh_user,
            private_key=self.private_key,
            dial_error_limit=DIAL_ATTEMPTS,
            per_dial_timeout=DIAL_TIMEOUT,
        )
