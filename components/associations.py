"""The users' Slurm associations (accounting on): an account each, created and removed with
sacctmgr as users come and go; slurm.conf enforces them, so only the stack's users run jobs."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.machines import Machines
from components.remote_script import remote_script
from components.ssh_access import SshAccess
from model.cluster import Cluster
from model.constants import component_type
from render.people import account_remove_script, account_script, association_remove_script, association_script


class SlurmAssociations(pulumi.ComponentResource):
    def __init__(self, cluster: Cluster, access: SshAccess, machines: Machines, after: Sequence[pulumi.Resource],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("users", "SlurmAssociations"), "associations", None, opts)
        ctl = cluster.controller
        # slurmdbd's database lives on the controller host: a new machine has none of them
        on_controller = {"triggers": machines.identities(ctl)}
        accounts = {
            account.name: remote_script(
                f"{account.name}-account", access, ctl, create=account_script(cluster, account),
                delete=account_remove_script(cluster, account), **on_controller,
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(after)))
            for account in cluster.people.accounts}
        for user in cluster.people.users:
            assert user.account is not None
            remote_script(
                f"{user.name}-association", access, ctl, create=association_script(cluster, user),
                delete=association_remove_script(cluster, user), **on_controller,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*after, accounts[user.account]]))
        self.register_outputs({"accounts": list(accounts)})
