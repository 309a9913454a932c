"""A Docker provider for one host, over ssh://, usable only after the resources it must wait for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_docker as docker

from components.ssh_access import SshAccess
from model.cluster import Host
from render.ssh import docker_host_url


@dataclass(frozen=True)
class RegistryLogin:
    address: str  # host:port
    username: str
    password: pulumi.Output[str]  # secret


def host_docker_provider(host: Host, access: SshAccess, after: Sequence[pulumi.Resource],
                         registry: RegistryLogin | None = None) -> docker.Provider:
    """`after`: what must exist before the host's engine is used (its lab host, its configuration).
    `registry`: the stack's image registry, which the host pulls from.

    A new provider does not make its resources again (pulumi-docker's DiffConfig never asks for a
    replacement, components/provider_rules.py): what lives on a replaced lab host carries that
    host's identity instead (components/machines.py)."""
    return docker.Provider(
        f"{host.name}-docker",
        host=docker_host_url(host),
        ssh_opts=access.ssh_options,
        registry_auth=[docker.ProviderRegistryAuthArgs(address=registry.address, username=registry.username,
                                                       password=registry.password)] if registry else None,
        opts=pulumi.ResourceOptions(depends_on=list(after)),
    )


def local_docker_provider(docker_host: str) -> docker.Provider:
    """The engine of the machine running Pulumi: lab hosts and local image builds."""
    return docker.Provider("local-docker", host=docker_host)
