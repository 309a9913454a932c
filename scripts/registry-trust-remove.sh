#!/bin/sh
# The stack's registry goes, and with it this engine's trust in it.
#   CERTS_DIR  as registry-trust-install.sh made it
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

as_root rm -f "$CERTS_DIR/ca.crt"
as_root rmdir "$CERTS_DIR" 2>/dev/null || true
note "removed $CERTS_DIR/ca.crt"
