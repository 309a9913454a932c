"""slurm.conf for the controller, rendered from the model.

Only slurmctld reads this file (and slurmrestd, from slurmctld's volume). Nodes run configless
(`slurmd --conf-server`) and register as dynamic nodes (`slurmd -Z`) whose features name their
partitions; each partition is a NodeSet of one feature. So the file names no node: adding or
removing a host leaves it, and the controller, unchanged.
"""

from __future__ import annotations

from model.cluster import Cluster, Partition
from model.constants import (
    JWT_KEY_PATH,
    MARIADB_HOST,
    MARIADB_PORT,
    SLURM_ETC_DIR,
    SLURMCTLD_PORT,
    SLURMD_PORT,
    SLURMD_SPOOL_DIR,
    SLURMDB_NAME,
    SLURMDB_USER,
    SLURMDBD_HOST,
    SLURMDBD_PORT,
    STATE_SAVE_DIR,
)
from render.scripts import render_script


def nodeset_name(partition: Partition) -> str:
    """The NodeSet behind a partition; its feature is the partition's name."""
    return f"{partition.name}_nodes"


def render_slurm_conf(cluster: Cluster) -> str:
    lines = [
        f"# slurm.conf of stack '{cluster.stack}', rendered by {cluster.project}. "
        "Edit the stack config, not this file.",
        f"ClusterName={cluster.cluster_name}",
        f"SlurmctldHost={cluster.controller_name}",
        "SlurmctldParameters=enable_configless",
        "SlurmUser=slurm",
        "SlurmdUser=root",
        f"SlurmctldPort={SLURMCTLD_PORT}",
        f"SlurmdPort={SLURMD_PORT}",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"StateSaveLocation={STATE_SAVE_DIR}",
        f"SlurmdSpoolDir={SLURMD_SPOOL_DIR}",
        "SlurmctldPidFile=/run/slurmctld.pid",
        "SlurmdPidFile=/run/slurmd.pid",
        "# Unprivileged containers: no cgroup plugins.",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "MpiDefault=none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core",
        "SchedulerType=sched/backfill",
        "ReturnToService=2",
        "SlurmctldTimeout=60",
        "SlurmdTimeout=60",
        "InactiveLimit=0",
        "MinJobAge=300",
        "KillWait=30",
        "Waittime=0",
        "MailProg=/bin/true",
        "# Dynamic nodes (slurmd -Z): nodes register themselves; TreeWidth as Slurm advises for them.",
        f"MaxNodeCount={cluster.max_nodes}",
        "TreeWidth=65533",
    ]
    if cluster.services.accounting:
        lines += [
            "# Accounting: slurmdbd (with MariaDB) on the controller host; slurmctld registers the cluster.",
            "AccountingStorageType=accounting_storage/slurmdbd",
            f"AccountingStorageHost={SLURMDBD_HOST}",
            f"AccountingStoragePort={SLURMDBD_PORT}",
            "JobAcctGatherType=jobacct_gather/linux",
            "# Only users with an association (the stack's, and root) run jobs; limits hold a leaving user's.",
            "AccountingStorageEnforce=associations,limits",
        ]
    else:
        lines.append("JobAcctGatherType=jobacct_gather/none")
    lines += _jwt_lines(cluster)
    for partition in cluster.partitions:
        lines.append(f"NodeSet={nodeset_name(partition)} Feature={partition.name}")
    for partition in cluster.partitions:
        default = " Default=YES" if partition.default else ""
        lines.append(f"PartitionName={partition.name} Nodes={nodeset_name(partition)}{default} "
                     "MaxTime=INFINITE State=UP")
    return "\n".join(lines) + "\n"


def _jwt_lines(cluster: Cluster) -> list[str]:
    """slurmrestd's callers authenticate with JWTs signed by the stack's key (slurmctld, slurmdbd)."""
    if not cluster.services.rest_api:
        return []
    return ["AuthAltTypes=auth/jwt", f"AuthAltParameters=jwt_key={JWT_KEY_PATH}"]


def render_slurmdbd_conf_template(cluster: Cluster) -> str:
    """slurmdbd.conf without the password: slurmdbd's entrypoint adds StoragePass from its secret file."""
    lines = [
        f"# slurmdbd.conf of stack '{cluster.stack}' (StoragePass is added from the uploaded secret at start)",
        f"DbdHost={SLURMDBD_HOST}",
        f"DbdPort={SLURMDBD_PORT}",
        "SlurmUser=slurm",
        "AuthType=auth/munge",
        *_jwt_lines(cluster),
        "PidFile=/run/slurmdbd.pid",
        "DebugLevel=info",
        "StorageType=accounting_storage/mysql",
        f"StorageHost={MARIADB_HOST}",
        f"StoragePort={MARIADB_PORT}",
        f"StorageUser={SLURMDB_USER}",
        f"StorageLoc={SLURMDB_NAME}",
    ]
    return "\n".join(lines) + "\n"


def install_slurm_conf_script(cluster: Cluster, etc_volume: str, image: str) -> str:
    """Write slurm.conf (arriving on stdin) into the controller's /etc/slurm volume; reconfigure a
    running slurmctld in place (scripts/slurm-conf-install.sh)."""
    return render_script("slurm-conf-install.sh", where=f"host {cluster.controller.name}",
                         CONTROLLER=cluster.controller_name, ETC_VOLUME=etc_volume, SLURM_ETC_DIR=SLURM_ETC_DIR,
                         IMAGE=image)
