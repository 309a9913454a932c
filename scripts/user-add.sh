#!/bin/sh
# A user's association: who may run jobs (slurm.conf enforces associations), under which account.
# A user who changed account keeps the old association while jobs still run under it.
#   CLUSTER    the Slurm cluster
#   USER_NAME  the user
#   ACCOUNT    their account
# shellcheck source=scripts/accounts-lib.sh
. "${SCRIPTS:-scripts}/accounts-lib.sh"
controller_must_run
set -e

if has_association "user=$USER_NAME account=$ACCOUNT" "$USER_NAME"; then
  note "$USER_NAME is in account $ACCOUNT"
else
  ctl sacctmgr -i add user "$USER_NAME" account="$ACCOUNT" cluster="$CLUSTER" >/dev/null \
    || fail "slurmdbd refused user $USER_NAME in account $ACCOUNT"
  note "$USER_NAME added to account $ACCOUNT"
fi
ctl sacctmgr -i modify user where name="$USER_NAME" cluster="$CLUSTER" set defaultaccount="$ACCOUNT" >/dev/null || true
for other in $(ctl sacctmgr -nP show assoc where cluster="$CLUSTER" user="$USER_NAME" format=account); do
  [ "$other" != "$ACCOUNT" ] || continue
  if ctl sacctmgr -i remove user where name="$USER_NAME" account="$other" cluster="$CLUSTER" >/dev/null; then
    note "$USER_NAME left account $other"
  else
    note "$USER_NAME stays in account $other while jobs run under it (once they end: sacctmgr remove user $USER_NAME account=$other)"
  fi
done
