"""slurmrestd on the controller host: the REST API, authenticated with JWTs signed by the stack's key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_docker as docker

from components.spec_container import container_from_spec
from model.cluster import Cluster
from model.constants import component_type
from render.containers import slurm_etc_volume, slurmrestd_spec


class RestApi(pulumi.ComponentResource):
    container: docker.Container

    def __init__(self, cluster: Cluster, *, provider: docker.Provider, image: pulumi.Input[str],
                 network: pulumi.Input[str], etc_volume: docker.Volume, after: Sequence[pulumi.Resource],
                 machine_labels: Mapping[str, pulumi.Input[str]], engine_api: pulumi.Input[str] | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("slurm", "RestApi"), "rest-api", None, opts)
        self.container = container_from_spec(slurmrestd_spec(cluster), image=image, provider=provider, parent=self,
                                             network=network, depends_on=after, wait_timeout=cluster.readiness_timeout,
                                             existing_volumes={slurm_etc_volume(cluster): etc_volume},
                                             machine_labels=machine_labels, engine_api=engine_api)
        self.register_outputs({"container": self.container.name})
