#!/bin/sh
# The engine's TLS files go with the stack (engine-restore.sh has put daemon.json back by then).
#   TLS_DIR     the directory on this host
#   STATE_DIR   its parent, this stack's directory on the host, removed once empty
#   STATE_ROOT  the project's directory, likewise
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

as_root rm -rf "$TLS_DIR"
as_root rmdir "$STATE_DIR" "$STATE_ROOT" 2>/dev/null || true
note "removed $TLS_DIR"
