#!/bin/sh
# Put back the daemon.json the host had before this stack's first engine-config.sh, and restart.
#   DAEMON_JSON  the engine's configuration file
# shellcheck source=scripts/engine-lib.sh
. "${SCRIPTS:-scripts}/engine-lib.sh"

if [ -e "$STATE_DIR/daemon.json.orig" ]; then
  as_root cp -p "$STATE_DIR/daemon.json.orig" "$DAEMON_JSON"
elif [ -e "$STATE_DIR/daemon.json.absent" ]; then
  as_root rm -f "$DAEMON_JSON"
else
  note "no saved daemon.json; left as it is"
  exit 0
fi
restart_engine || true
wait_engine || fail "the engine did not come back after restoring $DAEMON_JSON. Engine log: $(engine_log 2>&1)"
as_root rm -f "$STATE_DIR/daemon.json.orig" "$STATE_DIR/daemon.json.absent" "$STATE_DIR/daemon.json.previous"
forget_gwbridge
forget_state_dir
note "original daemon.json restored, engine restarted"
