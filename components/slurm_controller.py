"""slurmctld on the controller host: slurm.conf in a volume, the munge key uploaded, state on a volume."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_docker as docker

from components.machines import Machines
from components.remote_script import remote_script
from components.spec_container import container_from_spec
from components.ssh_access import SshAccess
from model.cluster import Cluster
from model.constants import component_type
from render.containers import Secret, controller_spec, slurm_etc_volume
from render.slurm_conf import install_slurm_conf_script, render_slurm_conf


class SlurmController(pulumi.ComponentResource):
    container: docker.Container
    etc_volume: docker.Volume  # /etc/slurm, which slurmrestd reads too
    conf_digest: str  # changes whenever slurm.conf does

    def __init__(self, cluster: Cluster, access: SshAccess, *, provider: docker.Provider,
                 image_id: pulumi.Output[str], network: pulumi.Input[str],
                 secrets: Mapping[Secret, pulumi.Output[str]], after: Sequence[pulumi.Resource],
                 machines: Machines, engine_api: pulumi.Input[str] | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("slurm", "SlurmController"), cluster.controller_name, None, opts)
        conf = render_slurm_conf(cluster)
        self.conf_digest = hashlib.sha256(conf.encode()).hexdigest()
        ctl = cluster.controller
        labels = machines.labels(ctl)
        self.etc_volume = etc = docker.Volume(
            slurm_etc_volume(cluster), name=slurm_etc_volume(cluster),
            labels=[docker.VolumeLabelArgs(label=k, value=v) for k, v in labels.items()] or None,
            opts=pulumi.ResourceOptions(parent=self, provider=provider, delete_before_replace=True))
        install = remote_script(
            "slurm-conf", access, cluster.controller,
            create=pulumi.Output.all(etc.name, image_id).apply(
                lambda args: install_slurm_conf_script(cluster, args[0], args[1])),
            stdin=conf,
            triggers=machines.identities(ctl),
            # a new (empty) /etc/slurm volume needs the file again
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(after), replace_with=[etc]),
        )
        self.container = container_from_spec(controller_spec(cluster), image=image_id, provider=provider,
                                             parent=self, network=network, secrets=secrets,
                                             depends_on=[*after, install], wait_timeout=cluster.readiness_timeout,
                                             existing_volumes={slurm_etc_volume(cluster): etc}, machine_labels=labels,
                                             engine_api=engine_api)
        self.register_outputs({"container": self.container.name, "slurmConfSha256": self.conf_digest})
