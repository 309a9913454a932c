"""Lab stacks: every host is a Docker-in-Docker container on the local engine, with dockerd and sshd.

Today's stand-in for the seed's docker-machine VMs. The hosts get all capabilities but
CAP_SYS_RESOURCE and unconfined security profiles instead of --privileged, which fails on
kernels whose capability bounding set lacks CAP_SYS_RESOURCE; where --privileged works, this
works too.
"""

from __future__ import annotations

import pulumi
import pulumi_docker as docker

from components.distributed_image import image_build
from components.ssh_access import SshAccess
from model.cluster import Cluster
from model.constants import LAB_LOOPBACK, LABEL_PREFIX, component_type
from render.containers import healthcheck_inputs, volume_name
from render.lab import (
    LAB_CAPABILITIES_DROPPED,
    LAB_DEVICE_CGROUP_RULES,
    LAB_HEALTHCHECK,
    LAB_SECURITY_OPTS,
    lab_container_name,
    lab_image_tag,
    lab_network_name,
    lab_shared_directory,
)


class LabHosts(pulumi.ComponentResource):
    containers: dict[str, docker.Container]

    def __init__(self, cluster: Cluster, access: SshAccess, provider: docker.Provider,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("lab", "LabHosts"), "lab", None, opts)
        lab = cluster.lab
        assert lab is not None and access.public_key is not None
        on_local = pulumi.ResourceOptions(parent=self, provider=provider)
        image = docker.Image(
            "labhost-image",
            image_name=lab_image_tag(cluster),
            build=image_build(cluster, "labhost", extra_args={"DEBIAN_RELEASE": lab.debian_release}),
            skip_push=True,
            opts=on_local,
        )
        network = docker.Network(
            "lab-network",
            name=lab_network_name(cluster),
            driver="bridge",
            # the gateway given, as the engine reports it back (leaving it out would differ between engines)
            ipam_configs=[docker.NetworkIpamConfigArgs(subnet=str(lab.subnet), gateway=lab.gateway)],
            labels=[docker.NetworkLabelArgs(label=f"{LABEL_PREFIX}.stack", value=cluster.stack)],
            opts=pulumi.ResourceOptions.merge(on_local, pulumi.ResourceOptions(delete_before_replace=True)),
        )
        labels = [docker.ContainerLabelArgs(label=f"{LABEL_PREFIX}.stack", value=cluster.stack),
                  docker.ContainerLabelArgs(label=f"{LABEL_PREFIX}.role", value="labhost")]
        self.containers = {}
        for host in cluster.hosts:
            engine_volume = docker.Volume(
                f"{host.name}-lab-docker-volume", name=volume_name(cluster, host.name, "docker"),
                opts=pulumi.ResourceOptions.merge(on_local, pulumi.ResourceOptions(delete_before_replace=True)))
            self.containers[host.name] = docker.Container(
                f"{host.name}-lab-host",
                name=lab_container_name(cluster, host),
                hostname=host.name,
                image=image.repo_digest,
                capabilities=docker.ContainerCapabilitiesArgs(adds=["ALL"], drops=list(LAB_CAPABILITIES_DROPPED)),
                security_opts=list(LAB_SECURITY_OPTS),
                device_cgroup_rules=list(LAB_DEVICE_CGROUP_RULES),
                # the bridge carries host-to-host traffic; this machine dials the loopback ports
                networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=network.name,
                                                                        ipv4_address=host.advertise)],
                ports=[docker.ContainerPortArgs(internal=inside, external=outside, ip=LAB_LOOPBACK)
                       for inside, outside in host.forwarded],
                volumes=[
                    docker.ContainerVolumeArgs(volume_name=engine_volume.name, container_path="/var/lib/docker"),
                    *(docker.ContainerVolumeArgs(host_path=lab_shared_directory(cluster, path), container_path=path)
                      for path in cluster.people.shared_paths)],
                uploads=[docker.ContainerUploadArgs(file="/root/.ssh/authorized_keys", content=access.public_key,
                                                    permissions="0600")],
                healthcheck=docker.ContainerHealthcheckArgs(**healthcheck_inputs(LAB_HEALTHCHECK)),
                wait=True,
                wait_timeout=cluster.readiness_timeout,
                restart="unless-stopped",
                # the host's entrypoint stops its inner dockerd (and the containers in it) on SIGTERM
                destroy_grace_seconds=60,
                labels=labels,
                opts=pulumi.ResourceOptions.merge(on_local, pulumi.ResourceOptions(delete_before_replace=True)),
            )
        self.register_outputs({"hosts": {h.name: f"{h.address}:{h.ssh_port}" for h in cluster.hosts}})
