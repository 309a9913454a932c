"""The stack's users and groups on every Slurm host, as files its containers read at each lookup.

Each host gets one command that writes the identity files (render/people.py); a change of users
updates the command, which rewrites the files: no container changes, no daemon restarts. A lab
generates an SSH key for a user the config gives none, written for the machine's ssh client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pulumi
import pulumi_command as command
import pulumi_tls as tls

from components.machines import Machines
from components.remote_script import remote_script
from components.ssh_access import SshAccess, write_private_key
from model.cluster import Cluster
from model.constants import component_type
from render.people import identities_remove_script, identities_script
from render.ssh import user_identity_file


class Identities(pulumi.ComponentResource):
    on_host: dict[str, command.remote.Command]  # what a host's containers wait for
    key_files: dict[str, Path]  # users whose key the lab generated: where their private key is

    def __init__(self, cluster: Cluster, access: SshAccess, machines: Machines,
                 after: Mapping[str, Sequence[pulumi.Resource]], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("users", "Identities"), "identities", None, opts)
        keys: dict[str, pulumi.Input[list[str]]] = {}
        self.key_files = {}
        written: list[pulumi.Output[str]] = []
        for user in cluster.people.users:
            if user.ssh_keys:
                keys[user.name] = list(user.ssh_keys)
                continue
            generated = tls.PrivateKey(f"{user.name}-lab-ssh-key", algorithm="ED25519",
                                       opts=pulumi.ResourceOptions(parent=self))
            path = self.key_files[user.name] = user_identity_file(Path.home(), cluster, user.name)
            written.append(pulumi.Output.unsecret(pulumi.Output.secret(generated.private_key_openssh).apply(
                lambda key, p=path: write_private_key(p, key))))
            keys[user.name] = generated.public_key_openssh.apply(lambda key: [key.strip()])
        every_key = pulumi.Output.all(**keys) if keys else pulumi.Output.from_input({})
        self.on_host = {}
        for host in cluster.overlay_hosts:
            self.on_host[host.name] = remote_script(
                f"{host.name}-identities", access, host,
                create=every_key.apply(lambda k, h=host: identities_script(cluster, h, k)),
                delete=identities_remove_script(cluster, host),
                triggers=machines.identities(host),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*machines.of(host), *after.get(host.name, ())]))
        # the key files are written by the time the component's outputs are
        self.register_outputs({"users": [u.name for u in cluster.people.users], "keyFiles": written})
