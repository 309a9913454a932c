"""Scripts that keep running jobs safe when nodes leave or the munge key changes (scripts/node-leave.sh,
rotation-drain.sh, rotation-resume.sh).

They run on the controller host and talk to slurmctld with `docker exec`. A node that leaves the
stack is drained, its jobs get up to drainTimeout to finish, and then slurmctld forgets it; a key
rotation drains every node first and resumes them once the daemons run with the new key.
"""

from __future__ import annotations

from model.cluster import Cluster, Node
from render.scripts import SCRIPT_DEADLINE_SECONDS, render_script

ROTATION_REASON = "munge key rotation"


def slurm_script(name: str, cluster: Cluster, **variables: object) -> str:
    """A script that steers slurmctld from its host (scripts/slurm-lib.sh), which may wait drainTimeout."""
    return render_script(name, where=f"host {cluster.controller.name}",
                         deadline=cluster.drain_timeout + SCRIPT_DEADLINE_SECONDS,
                         CONTROLLER=cluster.controller_name, DRAIN_SECONDS=cluster.drain_timeout, **variables)


def membership_script(cluster: Cluster, node: Node) -> str:
    """What slurmctld says of a node: the create of its membership record."""
    return render_script("node-state.sh", where=f"host {cluster.controller.name}", CONTROLLER=cluster.controller_name,
                         NODE=node.name)


def leave_script(cluster: Cluster, node: Node) -> str:
    """Before a node's container goes: drain it, let its jobs finish, then remove it from slurmctld."""
    return slurm_script("node-leave.sh", cluster, NODE=node.name)


def rotation_drain_script(cluster: Cluster) -> str:
    """Before the daemons restart with a new munge key: no job may be running."""
    return slurm_script("rotation-drain.sh", cluster, ROTATION_REASON=ROTATION_REASON)


def rotation_resume_script(cluster: Cluster) -> str:
    """After the daemons run with the new key: resume what the rotation drained, nothing else."""
    return slurm_script("rotation-resume.sh", cluster, ROTATION_REASON=ROTATION_REASON)
