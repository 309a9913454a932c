"""A lab's stand-in for the public registry that real build hosts pull their base images from: with
images.buildOn a lab host, the base images of what each lab host builds (`debian:trixie`, ...) come
from this machine's engine, as archives. Lab hosts reach no registry (the testbed's neither)."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_docker as docker

from components.distributed_image import ship_archive
from components.machines import Machines
from components.ssh_access import SshAccess
from model.cluster import Cluster, Host
from model.constants import component_type
from render.images import base_images, images_built_on


class LabBaseImages(pulumi.ComponentResource):
    """`ready`: what the lab host's builds wait for (nothing when it builds nothing)."""

    ready: list[pulumi.Resource]

    def __init__(self, cluster: Cluster, access: SshAccess, local: docker.Provider, machines: Machines, host: Host,
                 after: Sequence[pulumi.Resource] = (), opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("lab", "LabBaseImages"), f"{host.name}-lab-base-images", None, opts)
        images = images_built_on(cluster).get(host.name, ())
        self.ready = []
        for base in dict.fromkeys(b for image in images for b in base_images(image)):
            name = f"{host.name}-base-" + base.replace(":", "-").replace("/", "-")
            # this machine's copy, never pulled here (the testbed makes it) and kept by a destroy
            found = docker.RemoteImage(name, name=base, keep_locally=True,
                                       opts=pulumi.ResourceOptions(parent=self, provider=local))
            self.ready += ship_archive(name, cluster, access, tag=base, image_id=found.image_id, build_host=None,
                                       targets=[host], machines=machines, after={host.name: after},
                                       parent=self).values()
        self.register_outputs({})
