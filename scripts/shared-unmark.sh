#!/bin/sh
# The marker of scripts/shared-mark.sh goes; the shared path and everything else in it stay.
#   SHARED_PATH  the path the site shares across the hosts
#   MARKER       the marker's file name
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

as_root rm -f "$SHARED_PATH/$MARKER"
note "removed the marker in $SHARED_PATH"
