"""Scripts that keep running jobs safe when nodes leave or the munge key changes.

They run on the controller host and talk to slurmctld with `docker exec`. A node that leaves the
stack is drained, its jobs get up to drainTimeout to finish, and then slurmctld forgets it; a key
rotation drains every node first and resumes them once the daemons run with the new key.
"""

from __future__ import annotations

from model.cluster import Cluster, Node

ROTATION_REASON = "munge key rotation"


def _preamble(cluster: Cluster, purpose: str) -> str:
    name = cluster.controller_name
    return f"""\
# {purpose}
set -u
ctl() {{ docker exec {name} "$@"; }}
fail() {{ echo "$*" >&2; exit 1; }}
if [ "$(docker inspect --format '{{{{.State.Running}}}}' {name} 2>/dev/null)" != true ]; then
  echo "slurmctld is not running: no node to drain"
  exit 0
fi
"""


def _wait_for_jobs(cluster: Cluster, nodes: str, on_timeout: str) -> str:
    """Wait until no job runs on `nodes` (a Slurm node list or a shell expansion of one), or run
    `on_timeout` and fail."""
    return f"""\
deadline=$(( $(date +%s) + {cluster.drain_timeout} ))
while jobs=$(ctl squeue -h -t RUNNING,COMPLETING -w "{nodes}" -o %i | sort -u | tr '\\n' ' '); [ -n "$jobs" ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    {on_timeout}
    fail "jobs $jobs still run on {nodes} after {cluster.drain_timeout} s (drainTimeout); the nodes are back \\
in service. Fix: let the jobs finish or scancel them (or raise drainTimeout), then run pulumi up again"
  fi
  sleep 2
done
"""


def leave_script(cluster: Cluster, node: Node) -> str:
    """Before a node's container goes: drain it, let its jobs finish, then remove it from slurmctld."""
    n = node.name
    return _preamble(cluster, f"Node {n} leaves the cluster: drain it, wait for its jobs, forget it") + f"""\
ctl scontrol show node {n} >/dev/null 2>&1 || {{ echo "{n} is not known to slurmctld"; exit 0; }}
before=$(ctl sinfo -h -N -n {n} -o %T | head -n 1)
ctl scontrol update nodename={n} state=drain reason="leaving the stack" || fail "could not drain {n}"
""" + _wait_for_jobs(cluster, n, f'case "$before" in drain*) ;; *) ctl scontrol update nodename={n} state=resume ;; esac') + f"""\
ctl scontrol delete nodename={n} || fail "slurmctld refused to forget {n}"
echo "{n} drained and removed from slurmctld"
"""


def rotation_drain_script(cluster: Cluster) -> str:
    """Before the daemons restart with a new munge key: no job may be running. The nodes are the
    ones slurmctld knows when it runs, so that adding a host does not change this script."""
    return _preamble(cluster, f"Munge key version {cluster.munge_key_version}: drain every node first") + f"""\
nodes=$(ctl sinfo -h -N -o %N | sort -u | paste -sd, -)
[ -n "$nodes" ] || {{ echo "no node registered: nothing to drain"; exit 0; }}
ctl scontrol update nodename="$nodes" state=drain reason="{ROTATION_REASON}" || fail "could not drain $nodes"
""" + _wait_for_jobs(cluster, "$nodes", 'ctl scontrol update nodename="$nodes" state=resume') + """\
echo "every node drained; the daemons restart with the new munge key"
"""


def rotation_resume_script(cluster: Cluster) -> str:
    """After the daemons run with the new key: resume what the rotation drained, nothing else."""
    return _preamble(cluster, f"Munge key version {cluster.munge_key_version}: resume the nodes") + f"""\
drained=$(ctl sinfo -h -N -R -o '%N|%E' | awk -F'|' '$2 == "{ROTATION_REASON}" {{print $1}}' | sort -u | paste -sd, -)
if [ -n "$drained" ]; then
  ctl scontrol update nodename="$drained" state=resume || fail "could not resume $drained"
  echo "resumed $drained"
else
  echo "no node was drained for a key rotation"
fi
"""
