#!/bin/sh
# Swarm mode: the controller's engine initialises the swarm (left as it is when it already manages one).
#   ADVERTISE  the address or interface other engines reach this one at
# shellcheck source=scripts/engine-lib.sh
. "${SCRIPTS:-scripts}/engine-lib.sh"

swarm=$(as_root docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>&1) \
  || fail "the Docker Engine does not answer: $swarm"
case "$swarm" in
  "active true") note "already a swarm manager; left as it is" ;;
  active*) fail "the engine is a worker of another swarm; run 'docker swarm leave' on it first" ;;
  inactive*)
    note_gwbridge
    as_root docker swarm init --advertise-addr "$ADVERTISE" >/dev/null
    as_root mkdir -p "$STATE_DIR" && as_root touch "$STATE_DIR/swarm-created"
    note "swarm initialised, advertising $ADVERTISE" ;;
  *) fail "swarm state is '$swarm'; repair it (docker swarm leave --force) and run again" ;;
esac
