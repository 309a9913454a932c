"""The site's shared file systems: checked to be shared, and the users' homes made on them.

A marker is written into each shared path on one host and must read the same on every other host
that mounts it (a local directory only looks shared); the containers of a host wait for its
checks. Homes are made once, owned by their user; they are deleted only when the stack says so.
"""

from __future__ import annotations

import pulumi
import pulumi_command as command

from components.machines import Machines
from components.remote_script import remote_script
from components.ssh_access import SshAccess
from model.cluster import Cluster
from model.constants import component_type
from render.people import (
    home_remove_script,
    home_script,
    shared_check_script,
    shared_mark_script,
    shared_resource_name,
    shared_unmark_script,
)


class SharedFilesystems(pulumi.ComponentResource):
    on_host: dict[str, list[command.remote.Command]]  # what a host's containers wait for
    homes: dict[str, command.remote.Command]

    def __init__(self, cluster: Cluster, access: SshAccess, machines: Machines,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("users", "SharedFilesystems"), "shared-filesystems", None, opts)
        hosts = cluster.shared_hosts
        self.on_host = {h.name: [] for h in hosts}
        self.homes = {}
        if not cluster.people.shared_paths:
            self.register_outputs({})
            return
        writer = hosts[0]
        for path in cluster.people.shared_paths:
            name = shared_resource_name(path)
            mark = remote_script(
                f"{name}-marker", access, writer, create=shared_mark_script(cluster, writer, path),
                delete=shared_unmark_script(cluster, writer, path), triggers=machines.identities(writer),
                opts=pulumi.ResourceOptions(parent=self, depends_on=machines.of(writer)))
            self.on_host[writer.name].append(mark)
            for host in hosts[1:]:
                self.on_host[host.name].append(remote_script(
                    f"{host.name}-{name}-check", access, host,
                    create=mark.stdout.apply(lambda token, h=host, p=path: shared_check_script(cluster, h, p, writer,
                                                                                               token)),
                    triggers=machines.identities(host),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[mark, *machines.of(host)])))
        # homes are made where users log in (a shared host: it mounts them all)
        home_host = cluster.login_hosts[0] if cluster.login_hosts else writer
        for user in cluster.people.users:
            self.homes[user.name] = remote_script(
                f"{user.name}-home", access, home_host, create=home_script(home_host, user),
                delete=home_remove_script(cluster, home_host, user),
                opts=pulumi.ResourceOptions(parent=self, depends_on=self.on_host[home_host.name]))
        self.register_outputs({"paths": list(cluster.people.shared_paths)})
