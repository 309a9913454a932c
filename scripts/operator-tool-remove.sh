#!/bin/sh
# Remove a tool that operator-tool-install.sh put on the controller host.
#   TOOLS_DIR, TOOL  as there
#   STATE_DIR        the stack's directory on the host, removed when nothing else is left in it
#   STATE_ROOT       the project's directory, likewise
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

as_root rm -f "$TOOLS_DIR/$TOOL"
as_root rmdir "$TOOLS_DIR" "$STATE_DIR" "$STATE_ROOT" 2>/dev/null || true
note "removed $TOOLS_DIR/$TOOL"
