"""Accounting: MariaDB and slurmdbd on the controller host, with a generated database password.

slurmctld registers the cluster in slurmdbd by itself on its first start (so it starts after
slurmdbd), which makes the registration idempotent: a second `up` neither fails nor adds a row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_docker as docker
import pulumi_random as random

from components.spec_container import container_from_spec
from model.cluster import Cluster
from model.constants import component_type
from render.containers import Secret, mariadb_spec, slurmdbd_spec


class Accounting(pulumi.ComponentResource):
    slurmdbd: docker.Container
    mariadb: docker.Container

    def __init__(self, cluster: Cluster, *, provider: docker.Provider, slurm_image: pulumi.Input[str],
                 mariadb_image: pulumi.Input[str], network: pulumi.Input[str],
                 secrets: Mapping[Secret, pulumi.Output[str]], after: Sequence[pulumi.Resource],
                 machine_labels: Mapping[str, pulumi.Input[str]], engine_api: pulumi.Input[str] | None = None,
                 mariadb_after: Sequence[pulumi.Resource] = (), opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("slurm", "Accounting"), "accounting", None, opts)
        # letters and digits only: slurmdbd.conf cannot quote a password
        password = random.RandomPassword("slurmdbd-password", length=32, special=False,
                                         opts=pulumi.ResourceOptions(parent=self))
        secrets = {**secrets, Secret.DB_PASSWORD: pulumi.Output.secret(password.result)}
        on_host = {"provider": provider, "parent": self, "network": network, "secrets": secrets,
                   "wait_timeout": cluster.readiness_timeout, "machine_labels": machine_labels,
                   "engine_api": engine_api}
        self.mariadb = container_from_spec(mariadb_spec(cluster), image=mariadb_image, depends_on=mariadb_after,
                                           **on_host)
        self.slurmdbd = container_from_spec(slurmdbd_spec(cluster), image=slurm_image,
                                            depends_on=[*after, self.mariadb], **on_host)
        self.register_outputs({"slurmdbd": self.slurmdbd.name})
