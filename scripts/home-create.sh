#!/bin/sh
# A user's home on the shared file system, made on the first up: the user's, mode 0700. A home that
# is there already (the site's own, or kept from before) is left as it is.
#   HOME_DIR   the home (an absolute path inside a shared file system)
#   USER_NAME  whose it is
#   USER_ID    their uid
#   GROUP_ID   their primary gid
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

if as_root test -e "$HOME_DIR"; then
  note "$HOME_DIR is there already: left as it is"
  exit 0
fi
as_root install -d -m 0700 -o "$USER_ID" -g "$GROUP_ID" "$HOME_DIR" \
  || fail "could not make $HOME_DIR for $USER_NAME as root on this host (a file server that maps root to \
nobody refuses it). Fix: make it on the file server, owned by $USER_ID:$GROUP_ID with mode 0700, then run pulumi up again"
note "made $HOME_DIR for $USER_NAME ($USER_ID:$GROUP_ID, 0700)"
