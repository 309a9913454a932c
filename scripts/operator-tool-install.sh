#!/bin/sh
# Install one of the operator's tools of this stack on its controller host (the stack outputs say
# how to run it): its text is this command's stdin.
#   TOOLS_DIR  where the tools go (in the stack's state directory)
#   TOOL       the tool's file name
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

as_root mkdir -p "$TOOLS_DIR"
as_root tee "$TOOLS_DIR/$TOOL.new" >/dev/null
as_root chmod 0755 "$TOOLS_DIR/$TOOL.new"
as_root mv "$TOOLS_DIR/$TOOL.new" "$TOOLS_DIR/$TOOL"
note "installed $TOOLS_DIR/$TOOL"
