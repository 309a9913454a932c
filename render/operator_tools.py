"""The operator's tools on the controller host (backup and restore), and what the stack keeps.

`slurm-backup` and `slurm-restore` (scripts/slurm-backup.sh, slurm-restore.sh) are installed in
the stack's directory on the controller host, so that a backup is one command from the machine
that runs Pulumi: `ssh <controller> <dir>/slurm-backup > backup.tar`.
"""

from __future__ import annotations

from model.cluster import Cluster
from model.constants import (
    BACKUP_TOOL,
    MARIADB_HOST,
    OPERATOR_TOOLS_DIR,
    RESTORE_TOOL,
    SLURMDB_NAME,
    SLURMDBD_HOST,
    STATE_ROOT,
)
from render.containers import accounting_volume, controller_spec, controller_state_volume
from render.scripts import render_script
from render.ssh import ssh_command


def tools_dir(cluster: Cluster) -> str:
    return f"{cluster.host_state_dir}/{OPERATOR_TOOLS_DIR}"


def _tool(cluster: Cluster, name: str, **variables: object) -> str:
    accounting = cluster.services.accounting
    return "#!/bin/sh\n" + render_script(
        name, where=f"host {cluster.controller.name}", deadline=None, CONTROLLER=cluster.controller_name,
        STATE_VOLUME=controller_state_volume(cluster), MARIADB=MARIADB_HOST if accounting else "",
        DB_NAME=SLURMDB_NAME, WAIT_SECONDS=cluster.readiness_timeout, **variables)


def tools(cluster: Cluster) -> dict[str, str]:
    """Each tool's file name and text (a rendered script with its shebang)."""
    accounting = cluster.services.accounting
    return {
        BACKUP_TOOL: _tool(cluster, "slurm-backup.sh", STOP_SECONDS=controller_spec(cluster).stop_grace_seconds),
        RESTORE_TOOL: _tool(cluster, "slurm-restore.sh", SLURMDBD=SLURMDBD_HOST if accounting else ""),
    }


def install_tool_script(cluster: Cluster, tool: str) -> str:
    """Writes the tool (arriving on stdin) into the stack's directory on the controller host."""
    return render_script("operator-tool-install.sh", where=f"host {cluster.controller.name}",
                         TOOLS_DIR=tools_dir(cluster), TOOL=tool)


def remove_tool_script(cluster: Cluster, tool: str) -> str:
    return render_script("operator-tool-remove.sh", where=f"host {cluster.controller.name}",
                         TOOLS_DIR=tools_dir(cluster), TOOL=tool, STATE_DIR=cluster.host_state_dir,
                         STATE_ROOT=STATE_ROOT)


def retained_volumes(cluster: Cluster) -> list[str]:
    """The controller host's volumes that outlive `pulumi destroy` (retainData)."""
    if not cluster.retain_data:
        return []
    return [controller_state_volume(cluster), *([accounting_volume(cluster)] if cluster.services.accounting else [])]


def data_outputs(cluster: Cluster) -> dict[str, object]:
    """Backup, restore, and what `destroy` keeps and how to remove it."""
    ctl = cluster.controller
    retained = retained_volumes(cluster)
    return {
        "backupCommand": ssh_command(cluster, ctl, f"{tools_dir(cluster)}/{BACKUP_TOOL}") + " > backup.tar",
        "restoreCommand": ssh_command(cluster, ctl, f"{tools_dir(cluster)}/{RESTORE_TOOL}") + " < backup.tar",
        "retainedData": {ctl.name: retained} if retained else None,
        "removeRetainedDataCommand": ssh_command(cluster, ctl, "docker volume rm " + " ".join(retained))
        if retained else None,
    }
