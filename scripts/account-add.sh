#!/bin/sh
# A Slurm account of the stack, in the cluster's associations (slurmdbd).
#   CLUSTER      the Slurm cluster
#   ACCOUNT      the account
#   DESCRIPTION  what it is for
# shellcheck source=scripts/accounts-lib.sh
. "${SCRIPTS:-scripts}/accounts-lib.sh"
controller_must_run
set -e

if has_association "account=$ACCOUNT" "$ACCOUNT"; then
  ctl sacctmgr -i modify account where name="$ACCOUNT" set description="${DESCRIPTION:-$ACCOUNT}" >/dev/null || true
  note "account $ACCOUNT is there"
  exit 0
fi
ctl sacctmgr -i add account "$ACCOUNT" cluster="$CLUSTER" description="${DESCRIPTION:-$ACCOUNT}" \
  organization="$CLUSTER" >/dev/null || fail "slurmdbd refused account $ACCOUNT"
note "account $ACCOUNT added"
