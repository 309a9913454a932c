"""An image built once from the repo's Dockerfile and shipped as an archive to the hosts that run it:
for the images the stack's registry cannot carry, its own and the key/value store's (kv mode's
engines need the store before anything else runs).

Built on one engine (the local one, or a chosen host's), exported once to an archive on the machine
running Pulumi, and loaded into each other host's engine over SSH in parallel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_command as command
import pulumi_docker as docker

from components.machines import Machines
from components.ssh_access import SshAccess
from model.cluster import Cluster, Host
from model.constants import component_type
from render.image_shipping import (
    export_image_command,
    load_image_command,
    remove_archive_command,
    remove_image_command,
)
from render.images import BUILD_ARGS, build_context


def image_build(cluster: Cluster, name: str, target: str | None = None,
                extra_args: Mapping[str, str] | None = None) -> docker.DockerBuildArgs:
    """How images/`name` is built: its Dockerfile with the program's build arguments, by the classic
    builder, for the hosts' platform (pulumi-docker would otherwise build for this machine's)."""
    return docker.DockerBuildArgs(context=build_context(name), dockerfile=f"{build_context(name)}/Dockerfile",
                                  target=target, args={**(extra_args or {}), **BUILD_ARGS[name]},
                                  builder_version=docker.BuilderVersion.BUILDER_V1,
                                  platform=cluster.images.platform)


class DistributedImage(pulumi.ComponentResource):
    """`image_id` is the built image's ID; `ready_on[host]` is what a container there waits for.

    A new machine (components/machines.py) gets the image again, and a new build host builds it
    again. `after[host]`: what must be done on a host before the image goes there (its engine setup).
    Images are built for the hosts' platform, never for the machine running Pulumi's by default."""

    image_id: pulumi.Output[str]
    ready_on: dict[str, pulumi.Resource]

    def __init__(self, name: str, cluster: Cluster, access: SshAccess, *, tag: str,
                 target: str | None = None,
                 build_provider: docker.Provider, build_host: Host | None, targets: Sequence[Host],
                 machines: Machines,
                 after: Mapping[str, Sequence[pulumi.Resource]], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("images", "DistributedImage"), name, None, opts)
        depends = list(after.get(build_host.name, ())) if build_host else []
        image = docker.Image(
            f"{name}-image",
            image_name=tag,
            build=image_build(cluster, name, target),
            skip_push=True,
            # its delete does nothing, so replaceWith's unordered deletes cannot hurt it
            opts=pulumi.ResourceOptions(parent=self, provider=build_provider, depends_on=depends,
                                        replace_with=(machines.of(build_host) or None) if build_host else None),
        )
        self.image_id = image.repo_digest
        self.ready_on = {}
        shipped = [h for h in targets if build_host is None or h.name != build_host.name]
        if build_host is not None and build_host.name in {h.name for h in targets}:
            self.ready_on[build_host.name] = image
        if not shipped:
            self.register_outputs({"imageId": self.image_id})
            return
        self.ready_on.update(ship_archive(name, cluster, access, tag=tag, image_id=self.image_id,
                                          build_host=build_host, targets=shipped, machines=machines, after=after,
                                          parent=self))
        self.register_outputs({"imageId": self.image_id})


def ship_archive(name: str, cluster: Cluster, access: SshAccess, *, tag: str, image_id: pulumi.Output[str],
                 build_host: Host | None, targets: Sequence[Host], machines: Machines,
                 after: Mapping[str, Sequence[pulumi.Resource]], parent: pulumi.Resource) -> dict[str, pulumi.Resource]:
    """`tag` (`image_id`) exported once from `build_host`'s engine (None: this machine's) to an archive
    on the machine running Pulumi, and loaded into each of `targets`: what is done there, by host."""
    ids = pulumi.Output.all(image_id, access.key_file_ready).apply(lambda args: args[0])
    export = command.local.Command(
        f"{name}-image-export",
        create=ids.apply(lambda i: export_image_command(cluster, name, tag, i, build_host)),
        delete=ids.apply(lambda i: remove_archive_command(cluster, name, i)),
        triggers=[image_id],
        add_previous_output_in_env=False,
        opts=pulumi.ResourceOptions(parent=parent, delete_before_replace=True),
    )
    return {host.name: command.local.Command(
        f"{name}-image-to-{host.name}",
        create=ids.apply(lambda i, h=host: load_image_command(cluster, name, tag, i, h, build_host)),
        delete=remove_image_command(cluster, tag, host),
        triggers=[image_id, *machines.identities(host)],
        add_previous_output_in_env=False,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[export, *machines.of(host), *after.get(host.name, ())],
                                    delete_before_replace=True),
    ) for host in targets}
