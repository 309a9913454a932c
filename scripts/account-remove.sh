#!/bin/sh
# An account the stack no longer has (its users left before it). Job history stays in sacct.
#   CLUSTER  the Slurm cluster
#   ACCOUNT  the account
# shellcheck source=scripts/accounts-lib.sh
. "${SCRIPTS:-scripts}/accounts-lib.sh"
unless_controller_runs "the account stays in slurmdbd"
set -e

has_association "account=$ACCOUNT" "$ACCOUNT" || { note "account $ACCOUNT is not there"; exit 0; }
ctl sacctmgr -i remove account where name="$ACCOUNT" cluster="$CLUSTER" >/dev/null \
  || fail "slurmdbd refused to remove account $ACCOUNT (do users outside the stack still belong to it?)"
note "account $ACCOUNT removed"
