#!/bin/sh
# This host's engine trusts the stack's image registry: the stack CA's certificate arrives on stdin
# and goes where Docker looks for a registry's CA at each pull and push (no engine restart).
#   CERTS_DIR  the engine's per-registry directory: CERTS_DIR/<host:port>/ca.crt
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

as_root mkdir -p "$CERTS_DIR"
as_root tee "$CERTS_DIR/ca.crt.new" >/dev/null
grep -q '^-----BEGIN CERTIFICATE-----$' "$CERTS_DIR/ca.crt.new" || fail "no CA certificate arrived on stdin"
as_root chmod 0644 "$CERTS_DIR/ca.crt.new"
as_root mv -f "$CERTS_DIR/ca.crt.new" "$CERTS_DIR/ca.crt"
note "the engine trusts the stack's registry through $CERTS_DIR/ca.crt"
