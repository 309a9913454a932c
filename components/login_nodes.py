"""The login containers: where the stack's users log in with their keys and run the Slurm commands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_docker as docker

from components.machines import Machines
from components.spec_container import container_from_spec
from model.cluster import Cluster
from model.constants import component_type
from render.containers import Secret, login_spec


class LoginNodes(pulumi.ComponentResource):
    containers: dict[str, docker.Container]

    def __init__(self, cluster: Cluster, *, providers: Mapping[str, docker.Provider],
                 image_on: Mapping[str, pulumi.Input[str]], engine_api: Mapping[str, pulumi.Input[str]],
                 network: pulumi.Input[str], secrets: Mapping[Secret, pulumi.Output[str]],
                 after: Mapping[str, Sequence[pulumi.Resource]], machines: Machines,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("users", "LoginNodes"), "login-nodes", None, opts)
        self.containers = {
            host.name: container_from_spec(
                login_spec(cluster, host), image=image_on[host.name], provider=providers[host.name], parent=self,
                network=network, secrets=secrets, depends_on=after[host.name],
                wait_timeout=cluster.readiness_timeout, machine_labels=machines.labels(host),
                engine_api=engine_api.get(host.name))
            for host in cluster.login_hosts}
        self.register_outputs({"logins": list(self.containers)})
