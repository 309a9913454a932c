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

# unless_controller_runs WHY: a script that only takes something from slurmctld has nothing to do
# while it is not running; it says so (WHY) and stops
unless_controller_runs() {
  is_running "$CONTROLLER" || { note "slurmctld is not running: $1"; exit 0; }
}

# controller_must_run: a script that adds to what slurmctld and slurmdbd know needs them
controller_must_run() {
  is_running "$CONTROLLER" || fail "slurmctld ($CONTROLLER) is not running. Fix: see docker logs $CONTROLLER \
on this host, then run pulumi up again"
}
