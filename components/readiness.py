"""The last resource of the graph: `pulumi up` succeeds only once Slurm runs jobs on every node."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_docker as docker

from components.remote_script import remote_script
from components.ssh_access import SshAccess
from model.cluster import Cluster
from model.constants import component_type
from render.readiness import readiness_command, readiness_script


class ClusterReadiness(pulumi.ComponentResource):
    result: pulumi.Output[str]

    def __init__(self, cluster: Cluster, access: SshAccess, containers: Sequence[docker.Container],
                 slurm_conf_digest: str, after: Sequence[pulumi.Resource] = (),
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("slurm", "ClusterReadiness"), "readiness", None, opts)
        check = remote_script(
            "readiness-check", access, cluster.controller,
            create=readiness_command(cluster),
            stdin=readiness_script(cluster),
            # any container replaced or added, or slurm.conf changed, means the check runs again
            triggers=[slurm_conf_digest, *(c.id for c in containers)],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*containers, *after]),
        )
        self.result = check.stdout
        self.register_outputs({"result": self.result})
