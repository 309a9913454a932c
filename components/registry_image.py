"""An image built once from the repo's Dockerfile, pushed once to the stack's registry, and pulled by
digest on every host that runs it.

The machine running Pulumi (or the build host) sends each layer once, whatever the number of hosts;
a host fetches only the layers it lacks, and images on the same base share it on the wire and on
disk. A change near the top of an image pushes, and pulls, only the layers that changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_docker as docker

from components.distributed_image import image_build
from components.image_registry import ImageRegistry
from components.machines import Machines
from model.cluster import Cluster, Host
from model.constants import component_type
from render.registry import pull_name, push_name


class RegistryImage(pulumi.ComponentResource):
    """`image_on[host]`: the image's ID on that host once it is there, what its containers run.

    `after[host]`: what must be done on a host before it pulls (its engine setup); the build waits
    for the build host's. `push_after`: images to push first, so that the layers they share (their
    base) go once: two pushes at once would both send a layer the registry does not have yet.
    A new registry (a replaced registry container) gets the image pushed again; a new machine
    pulls it again. Images are built for the hosts' platform."""

    image_on: dict[str, pulumi.Output[str]]
    pushed: docker.Image

    def __init__(self, name: str, cluster: Cluster, *, tag: str, target: str | None = None,
                 build_provider: docker.Provider, build_host: Host | None, targets: Sequence[Host],
                 registry: ImageRegistry, providers: Mapping[str, docker.Provider], machines: Machines,
                 after: Mapping[str, Sequence[pulumi.Resource]], push_after: Sequence[RegistryImage] = (),
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("images", "RegistryImage"), name, None, opts)
        build_after: list[pulumi.Resource] = [registry.container, *(i.pushed for i in push_after)]
        if build_host is not None:
            build_after += [registry.trusted[build_host.name], *after.get(build_host.name, ())]
        image = docker.Image(
            f"{name}-image",
            image_name=push_name(cluster, tag),
            build=image_build(cluster, name, target),
            registry=docker.RegistryArgs(server=cluster.push_address, username=registry.login.username,
                                         password=registry.login.password),
            # its delete does nothing, so replaceWith's unordered deletes cannot hurt it
            opts=pulumi.ResourceOptions(
                parent=self, provider=build_provider, depends_on=build_after,
                replace_with=[registry.container, *(machines.of(build_host) if build_host else [])]),
        )
        self.pushed = image
        self.image_on = {}
        for host in targets:
            pulled = docker.RemoteImage(
                f"{name}-image-on-{host.name}",
                name=image.repo_digest.apply(lambda digest: pull_name(cluster, tag, digest)),
                triggers=machines.labels(host) or None,
                opts=pulumi.ResourceOptions(parent=self, provider=providers[host.name],
                                            depends_on=[registry.trusted[host.name], *after.get(host.name, ())]))
            self.image_on[host.name] = pulled.image_id
        self.register_outputs({"repoDigest": image.repo_digest})
