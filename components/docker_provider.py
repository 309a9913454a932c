"""A Docker provider for one host, over ssh://, usable only after the resources it must wait for."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_docker as docker

from components.ssh_access import SshAccess
from model.cluster import Host
from render.ssh import docker_host_url


def host_docker_provider(host: Host, access: SshAccess, machine: Sequence[pulumi.Resource],
                         after: Sequence[pulumi.Resource]) -> docker.Provider:
    """`machine`: the lab host's container, if any; when it is replaced, so is the provider and with it
    everything it made there. `after`: the host's engine configuration."""
    return docker.Provider(
        f"{host.name}-docker",
        host=docker_host_url(host),
        ssh_opts=access.ssh_options,
        opts=pulumi.ResourceOptions(depends_on=[*machine, *after], replace_with=list(machine) or None),
    )


def local_docker_provider(docker_host: str) -> docker.Provider:
    """The engine of the machine running Pulumi: lab hosts and local image builds."""
    return docker.Provider("local-docker", host=docker_host)
