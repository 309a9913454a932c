"""The readiness check (scripts/readiness.sh): the last step of `pulumi up`.

It runs inside the slurmctld container and passes only when `sinfo` shows every declared node
idle and `srun` answers from every node, then checks the services; otherwise it fails, within the
stack's readinessTimeout, saying which nodes are missing and what Slurm reports about them.
"""

from __future__ import annotations

from model.cluster import Cluster, Partition
from model.constants import SLURMRESTD_HOST, SLURMRESTD_PORT
from render.scripts import SCRIPT_DEADLINE_SECONDS, render_script

# The REST API version used by the readiness check and shown in the outputs (Slurm 24.11 serves
# v0.0.40 to v0.0.42).
REST_API_VERSION = "v0.0.42"

# What srun prints when Open MPI's start-up race crashed a rank (scripts/readiness.sh), and what the
# summary says when the readiness check's MPI job needed its second run.
MPI_INIT_CRASH = ("Segmentation fault", "MPI_Init")
MPI_SECOND_RUN_NOTE = " (second run: the first crashed in MPI_Init)"


def covering_partitions(cluster: Cluster) -> tuple[Partition, ...]:
    """Partitions whose `srun` runs together reach every node, fewest first (greedy set cover)."""
    wanted = {n.name for n in cluster.nodes}
    whole = [p for p in cluster.partitions if wanted <= set(p.nodes)]
    if whole:
        return (sorted(whole, key=lambda p: not p.default)[0],)
    chosen: list[Partition] = []
    left = set(wanted)
    while left:
        best = max(cluster.partitions, key=lambda p: len(left & set(p.nodes)))
        if not left & set(best.nodes):
            break
        chosen.append(best)
        left -= set(best.nodes)
    return tuple(chosen)


def readiness_script(cluster: Cluster) -> str:
    """scripts/readiness.sh for this cluster; it runs inside slurmctld (its stdin)."""
    services = cluster.services
    mpi = covering_partitions(cluster)[0]
    return render_script(
        "readiness.sh", where="cluster not ready", deadline=None,
        EXPECTED_NODES=" ".join(sorted(n.name for n in cluster.nodes)),
        READINESS_SECONDS=cluster.readiness_timeout,
        PARTITIONS=" ".join(f"{p.name}:{len(p.nodes)}" for p in covering_partitions(cluster)),
        CONTROLLER_HOST=cluster.controller.name,
        ACCOUNTING_CLUSTER=cluster.cluster_name if services.accounting else "",
        REST_URL=f"http://{SLURMRESTD_HOST}:{SLURMRESTD_PORT}/slurm/{REST_API_VERSION}/nodes"
        if services.rest_api else "",
        MPI_PARTITION=f"{mpi.name}:{len(mpi.nodes)}" if services.mpi else "",
        MPI_CRASH=MPI_INIT_CRASH[0], MPI_INIT=MPI_INIT_CRASH[1], MPI_SECOND_RUN_NOTE=MPI_SECOND_RUN_NOTE,
    )


def readiness_command(cluster: Cluster) -> str:
    """What runs on the controller host: the readiness script (stdin) inside slurmctld."""
    return render_script("in-container.sh", where=f"host {cluster.controller.name}",
                         deadline=cluster.readiness_timeout + SCRIPT_DEADLINE_SECONDS,
                         CONTAINER=cluster.controller_name)
