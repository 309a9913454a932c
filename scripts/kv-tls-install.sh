#!/bin/sh
# The key/value store's TLS files for this host's engine (kv mode, kvTls): the CA certificate,
# the engine's certificate and its key arrive on stdin, in that order, as PEM blocks. Each file is
# replaced whole; the key is root's only. daemon.json's cluster-store-opts name them.
#   TLS_DIR                      the directory on this host
#   CA_FILE, CERT_FILE, KEY_FILE  the three files' names
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

as_root mkdir -p "$TLS_DIR"
as_root chmod 0700 "$TLS_DIR"
# one PEM block per file, in order
as_root awk -v dir="$TLS_DIR" -v ca="$CA_FILE" -v cert="$CERT_FILE" -v key="$KEY_FILE" '
  BEGIN { split(ca " " cert " " key, names, " "); n = 1 }
  /^-----BEGIN / { out = dir "/" names[n] ".new" }
  out != "" { print > out }
  /^-----END / { close(out); out = ""; n++ }
  END { if (n != 4) { print "expected 3 PEM blocks on stdin, got " n - 1 > "/dev/stderr"; exit 1 } }
' || fail "the TLS files did not arrive whole on stdin"
for file in "$CA_FILE" "$CERT_FILE" "$KEY_FILE"; do
  as_root chmod 0600 "$TLS_DIR/$file.new"
  as_root mv -f "$TLS_DIR/$file.new" "$TLS_DIR/$file"
done
note "the engine's certificate for the key/value store is in $TLS_DIR"
