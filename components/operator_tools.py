"""slurm-backup and slurm-restore on the controller host (render/operator_tools.py)."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.machines import Machines
from components.remote_script import remote_script
from components.ssh_access import SshAccess
from model.cluster import Cluster
from model.constants import component_type
from render.operator_tools import install_tool_script, remove_tool_script, tools


class OperatorTools(pulumi.ComponentResource):
    def __init__(self, cluster: Cluster, access: SshAccess, machines: Machines, after: Sequence[pulumi.Resource],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("operations", "OperatorTools"), "operator-tools", None, opts)
        ctl = cluster.controller
        for tool, text in tools(cluster).items():
            remote_script(tool, access, ctl, create=install_tool_script(cluster, tool), stdin=text,
                          delete=remove_tool_script(cluster, tool), triggers=machines.identities(ctl),
                          opts=pulumi.ResourceOptions(parent=self, depends_on=list(after)))
        self.register_outputs({})
