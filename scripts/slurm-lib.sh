#!/bin/sh
# What the scripts that steer slurmctld from its host share. Header variables:
#   CONTROLLER      the slurmctld container (and hostname)
#   DRAIN_SECONDS   how long the jobs of a draining node get to finish (the stack's drainTimeout)
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -u

ctl() {
  docker exec "$CONTROLLER" "$@"
}

# wait_for_jobs NODES PUT_BACK: wait until no job runs on NODES (a Slurm node list); past
# DRAIN_SECONDS call the function PUT_BACK (it puts the nodes back in service) and fail.
wait_for_jobs() {
  jobs_deadline=$(( $(date +%s) + DRAIN_SECONDS ))
  while jobs=$(ctl squeue -h -t RUNNING,COMPLETING -w "$1" -o %i | sort -u | tr '\n' ' '); [ -n "$jobs" ]; do
    if [ "$(date +%s)" -ge "$jobs_deadline" ]; then
      "$2"
      fail "jobs $jobs still run on $1 after $DRAIN_SECONDS s (drainTimeout); the nodes are back in service. \
Fix: let the jobs finish or scancel them (or raise drainTimeout), then run pulumi up again"
    fi
    sleep 2
  done
}

if ! is_running "$CONTROLLER"; then
  note "slurmctld is not running: no node to drain"
  exit 0
fi
