#!/bin/sh
# When a user leaves the stack (or the stack goes): their home is kept, unless the stack's
# deleteHomes says otherwise.
#   HOME_DIR      the home
#   USER_NAME     whose it is
#   DELETE_HOMES  true: delete it; anything else: keep it
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

if [ "$DELETE_HOMES" != true ]; then
  note "kept $HOME_DIR of $USER_NAME (deleteHomes is false)"
  exit 0
fi
case "$HOME_DIR" in
  /*/*) ;;
  *) fail "will not delete '$HOME_DIR': a home lies inside a shared file system" ;;
esac
as_root rm -rf -- "$HOME_DIR"
note "deleted $HOME_DIR of $USER_NAME (deleteHomes is true)"
