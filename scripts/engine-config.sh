#!/bin/sh
# Merge the stack's keys into daemon.json, keeping every other key, and restart the engine.
#
# The first run keeps the host's original daemon.json (or notes there was none) so that
# engine-restore.sh puts it back byte for byte; a first run that fails leaves nothing of that
# behind (no resource is recorded, so nothing would remove it). Docker 23+ validates the new file
# before any restart (dockerd --validate); an engine that does not come back with it gets the
# previous file back, is restarted on it, and the script fails with the engine's own error.
#   WANTED_JSON        the keys to set, as JSON
#   WANTED_KEYS        their names, for messages
#   DAEMON_JSON        the engine's configuration file
#   MERGE_DAEMON_JSON  the merge program (scripts/merge-daemon-json.py)
#   CLUSTER_STORE      kv mode: the store's URL (the seed's cluster-store); empty in swarm mode
#   STORE_BACKEND      kv mode: Consul or etcd, for the message when dockerd lacks that backend
# shellcheck source=scripts/engine-lib.sh
. "${SCRIPTS:-scripts}/engine-lib.sh"

version=$(as_root docker version --format '{{.Server.Version}}' 2>&1) || fail "the Docker Engine does not answer: $version"
major=${version%%.*}
if [ -n "$CLUSTER_STORE" ]; then
  [ "$major" -lt 23 ] 2>/dev/null || fail "runs Docker Engine $version, which has no cluster-store (removed in 23.0). \
Fix: set overlay: swarm for this stack, or run Docker Engine 20.10-22.x on every host"
fi
command -v python3 >/dev/null 2>&1 \
  || fail "merging keys into $DAEMON_JSON needs python3, which is missing: install python3"

first=
[ -e "$STATE_DIR/daemon.json.orig" ] || [ -e "$STATE_DIR/daemon.json.absent" ] || first=1
undo_first() {  # a first run that does not get through leaves the host as it found it
  as_root rm -f "$STATE_DIR/daemon.json.next"
  [ -n "$first" ] || return 0
  as_root rm -f "$STATE_DIR/daemon.json.orig" "$STATE_DIR/daemon.json.absent" "$STATE_DIR/daemon.json.previous"
  forget_state_dir
}
store_in_use() {
  as_root docker info --format '{{json .}}' | grep -q "\"ClusterStore\":\"$CLUSTER_STORE\""
}

as_root mkdir -p "$STATE_DIR"
merge=$(as_root python3 -c "$MERGE_DAEMON_JSON" "$DAEMON_JSON" "$STATE_DIR/daemon.json.next" "$WANTED_JSON" 2>&1) \
  || { undo_first; fail "$merge"; }
if [ "$merge" = unchanged ] && { [ -z "$CLUSTER_STORE" ] || store_in_use; }; then
  undo_first
  if [ -n "$CLUSTER_STORE" ]; then note "engine already uses $CLUSTER_STORE; nothing to do"
  else note "engine settings already in place; nothing to do"; fi
  exit 0
fi
if [ "$major" -ge 23 ] 2>/dev/null; then
  checked=$(as_root dockerd --validate --config-file "$STATE_DIR/daemon.json.next" 2>&1) || {
    undo_first
    fail "the engine rejects the new daemon.json, which is not installed; the engine was not restarted: $checked"
  }
fi
if [ -n "$first" ]; then
  if [ -e "$DAEMON_JSON" ]; then as_root cp -p "$DAEMON_JSON" "$STATE_DIR/daemon.json.orig"
  else as_root touch "$STATE_DIR/daemon.json.absent"; fi
fi
note_gwbridge
as_root mkdir -p "$(dirname "$DAEMON_JSON")"
if [ -e "$DAEMON_JSON" ]; then as_root cp -p "$DAEMON_JSON" "$STATE_DIR/daemon.json.previous"
else as_root rm -f "$STATE_DIR/daemon.json.previous"; fi
as_root mv "$STATE_DIR/daemon.json.next" "$DAEMON_JSON"
if ! restart_engine >/dev/null 2>&1 || ! wait_engine; then
  log=$(engine_log 2>&1 || true)
  if [ -e "$STATE_DIR/daemon.json.previous" ]; then as_root cp -p "$STATE_DIR/daemon.json.previous" "$DAEMON_JSON"
  else as_root rm -f "$DAEMON_JSON"; fi
  restart_engine >/dev/null 2>&1 || true
  wait_engine || true
  [ -z "$first" ] || forget_gwbridge
  undo_first
  hint=""
  case "$log" in *"discovery service not supported"*)
    hint=" This dockerd was built without the $STORE_BACKEND backend (Debian bookworm's docker.io has no Consul; bullseye's has): \
set kvStore: etcd, or install upstream Docker Engine 20.10-22.x." ;; esac
  fail "the engine did not come back with the new daemon.json; the previous daemon.json is restored.$hint \
Engine log: $log"
fi
if [ -n "$CLUSTER_STORE" ]; then
  store_in_use \
    || fail "the engine restarted but does not report cluster-store $CLUSTER_STORE; is dockerd started with its own flags?"
  # The next engine restarts only once this one gossips: an engine that joins while its peer is
  # down can stay cut off from the overlay.
  wait_until 60 is_listening "$GOSSIP_PORT" \
    || fail "the engine restarted but its gossip port $GOSSIP_PORT is not listening after 60 s"
fi
note "engine restarted with daemon.json keys $WANTED_KEYS"
