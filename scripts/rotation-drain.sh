#!/bin/sh
# Before the daemons restart with a new munge key no job may be running: drain every node slurmctld
# knows now (so that adding a host does not change this script), let the jobs finish.
#   ROTATION_REASON  the drain reason, by which rotation-resume.sh finds what to resume
# shellcheck source=scripts/slurm-lib.sh
. "${SCRIPTS:-scripts}/slurm-lib.sh"
unless_controller_runs "no node to drain"

nodes=$(ctl sinfo -h -N -o %N | sort -u | paste -sd, -)
[ -n "$nodes" ] || { note "no node registered: nothing to drain"; exit 0; }
ctl scontrol update nodename="$nodes" state=drain reason="$ROTATION_REASON" || fail "could not drain $nodes"
put_back() {
  ctl scontrol update nodename="$nodes" state=resume
}
wait_for_jobs "$nodes" put_back
note "every node drained; the daemons restart with the new munge key"
