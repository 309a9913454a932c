"""The stack's munge key: one random key per stack, and a rotation that keeps jobs safe.

Changing `mungeKeyVersion` makes a new key, which replaces every Slurm container. Before that,
every node is drained and its jobs get up to drainTimeout to finish; once the daemons run with
the new key, the nodes the rotation drained are resumed.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_random as random

from components.remote_script import remote_script
from components.ssh_access import SshAccess
from model.cluster import Cluster
from model.constants import component_type
from render.node_lifecycle import rotation_drain_script, rotation_resume_script

KEY_BYTES = 1024


class MungeKey(pulumi.ComponentResource):
    key: pulumi.Output[str]  # base64, secret
    drained: pulumi.Resource  # Slurm containers wait for it

    def __init__(self, cluster: Cluster, access: SshAccess, controller_ready: Sequence[pulumi.Resource],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        """`controller_ready`: what must exist before a command can run on the controller host."""
        super().__init__(component_type("slurm", "MungeKey"), "munge", None, opts)
        self._cluster, self._access = cluster, access
        self._version = str(cluster.munge_key_version)
        random_bytes = random.RandomBytes("munge-key", length=KEY_BYTES, keepers={"version": self._version},
                                          opts=pulumi.ResourceOptions(parent=self))
        self.key = pulumi.Output.secret(random_bytes.base64)
        self.drained = remote_script(
            "munge-key-rotation-drain", access, cluster.controller,
            create=rotation_drain_script(cluster), triggers=[self._version],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[random_bytes, *controller_ready]),
        )
        self.register_outputs({"version": self._version})

    def resume_after(self, containers: Sequence[pulumi.Resource]) -> pulumi.Resource:
        """The command that resumes the nodes a rotation drained, once `containers` run the new key."""
        return remote_script(
            "munge-key-rotation-resume", self._access, self._cluster.controller,
            create=rotation_resume_script(self._cluster), triggers=[self._version],
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(containers)),
        )
