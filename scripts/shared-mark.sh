#!/bin/sh
# Write a marker into a shared path on this host and print what it says: every other host must
# read the same there (scripts/shared-check.sh), or the path only looks shared.
#   SHARED_PATH  the path the site shares across the hosts
#   MARKER       the marker's file name
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

as_root test -d "$SHARED_PATH" \
  || fail "$SHARED_PATH is not there. Fix: mount the site's shared file system at $SHARED_PATH on this host"
token="$(date +%s)-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$token" | as_root tee "$SHARED_PATH/$MARKER.new" >/dev/null \
  || fail "cannot write in $SHARED_PATH as root. Fix: let root on this host write there (no root squash), or share another path"
as_root mv -f "$SHARED_PATH/$MARKER.new" "$SHARED_PATH/$MARKER"
printf '%s\n' "$token"
