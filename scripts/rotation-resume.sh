#!/bin/sh
# After the daemons run with the new munge key: resume what the rotation drained, nothing else.
#   ROTATION_REASON  the drain reason rotation-drain.sh gave
# shellcheck source=scripts/slurm-lib.sh
. "${SCRIPTS:-scripts}/slurm-lib.sh"
unless_controller_runs "no node to resume"

drained=$(ctl sinfo -h -N -R -o '%N|%E' | awk -F'|' -v reason="$ROTATION_REASON" '$2 == reason {print $1}' \
  | sort -u | paste -sd, -)
if [ -n "$drained" ]; then
  ctl scontrol update nodename="$drained" state=resume || fail "could not resume $drained"
  note "resumed $drained"
else
  note "no node was drained for a key rotation"
fi
