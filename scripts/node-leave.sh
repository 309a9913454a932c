#!/bin/sh
# Before a node's container goes: drain it, let its jobs finish, then have slurmctld forget it.
#   NODE  the Slurm node (its container's name)
# shellcheck source=scripts/slurm-lib.sh
. "${SCRIPTS:-scripts}/slurm-lib.sh"
unless_controller_runs "no node to drain"

ctl scontrol show node "$NODE" >/dev/null 2>&1 || { note "$NODE is not known to slurmctld"; exit 0; }
before=$(ctl sinfo -h -N -n "$NODE" -o %T | head -n 1)
ctl scontrol update nodename="$NODE" state=drain reason="leaving the stack" || fail "could not drain $NODE"
put_back() {  # as it was: a node drained before stays drained
  case "$before" in drain*) ;; *) ctl scontrol update nodename="$NODE" state=resume ;; esac
}
wait_for_jobs "$NODE" put_back
ctl scontrol delete nodename="$NODE" || fail "slurmctld refused to forget $NODE"
note "$NODE drained and removed from slurmctld"
