#!/bin/sh
# A user leaves: no new job is taken from them, their jobs get DRAIN_SECONDS to finish (none is
# killed), then their associations go. Their jobs stay in sacct's history.
#   CLUSTER        the Slurm cluster
#   USER_NAME      the user
#   USER_ID        their uid (their name may be gone from the identity files already)
#   DRAIN_SECONDS  how long their jobs get (the stack's drainTimeout)
# shellcheck source=scripts/accounts-lib.sh
. "${SCRIPTS:-scripts}/accounts-lib.sh"
unless_controller_runs "the association stays in slurmdbd"
set -e

has_association "user=$USER_NAME" "$USER_NAME" || { note "$USER_NAME has no association"; exit 0; }
ctl sacctmgr -i modify user where name="$USER_NAME" cluster="$CLUSTER" set maxsubmitjobs=0 >/dev/null \
  || fail "slurmdbd refused to hold the jobs of $USER_NAME"
user_has_jobs() {
  [ -n "$(ctl squeue -h -u "$USER_ID" -o %i)" ]
}
deadline=$(( $(date +%s) + DRAIN_SECONDS ))
while user_has_jobs; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    ctl sacctmgr -i modify user where name="$USER_NAME" cluster="$CLUSTER" set maxsubmitjobs=-1 >/dev/null || true
    fail "jobs of $USER_NAME ($(ctl squeue -h -u "$USER_ID" -o %i | tr '\n' ' ')) still run or wait after \
$DRAIN_SECONDS s (drainTimeout); $USER_NAME keeps their association. Fix: let the jobs finish or scancel them \
(or raise drainTimeout), then run pulumi up again"
  fi
  sleep 2
done
ctl sacctmgr -i remove user where name="$USER_NAME" cluster="$CLUSTER" >/dev/null \
  || fail "slurmdbd refused to remove $USER_NAME"
note "$USER_NAME removed from the associations (their jobs stay in sacct)"
