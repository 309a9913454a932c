#!/bin/sh
# The identity directory goes with the stack (its containers are gone by then).
#   IDENTITY_DIR  the directory on this host
#   STATE_DIR     its parent, this stack's directory on the host, removed once empty
#   STATE_ROOT    the project's directory, likewise
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

as_root rm -rf "$IDENTITY_DIR"
as_root rmdir "$STATE_DIR" "$STATE_ROOT" 2>/dev/null || true
note "removed $IDENTITY_DIR"
