#!/bin/sh
# Is this host's SHARED_PATH the file system another host wrote its marker into? A file server's
# clients may cache a missing name for a while (NFS: up to a minute), so the marker gets that long.
#   SHARED_PATH    the path the site shares across the hosts
#   MARKER         the marker's file name
#   TOKEN          what the marker says
#   WRITER         the host that wrote it
#   WAIT_SECONDS   how long the marker gets to appear
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

as_root test -d "$SHARED_PATH" \
  || fail "$SHARED_PATH is not there. Fix: mount the site's shared file system at $SHARED_PATH on this host"
marker_is_there() {
  [ "$(as_root cat "$SHARED_PATH/$MARKER" 2>/dev/null)" = "$TOKEN" ]
}
wait_until "$WAIT_SECONDS" marker_is_there \
  || fail "$SHARED_PATH here is not the file system host $WRITER has at $SHARED_PATH: the marker it wrote \
there did not appear here in $WAIT_SECONDS s (a local directory only looks shared). Fix: mount the site's \
shared file system at $SHARED_PATH on this host, then run pulumi up again"
note "$SHARED_PATH is shared with host $WRITER"
