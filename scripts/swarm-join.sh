#!/bin/sh
# Swarm mode: a worker joins the controller's swarm. The join token arrives on stdin, never in the
# command.
#   ADVERTISE  the address or interface other engines reach this one at
#   MANAGER    the manager's address:port
# shellcheck source=scripts/engine-lib.sh
. "${SCRIPTS:-scripts}/engine-lib.sh"

token=$(cat)
[ -n "$token" ] || fail "no join token on stdin"
swarm=$(as_root docker info --format '{{.Swarm.LocalNodeState}} {{range .Swarm.RemoteManagers}}{{.Addr}} {{end}}' 2>&1) \
  || fail "the Docker Engine does not answer: $swarm"
case "$swarm" in
  *" $MANAGER "*) note "already in this swarm; left as it is" ;;
  active*) fail "the engine is in another swarm ($swarm); run 'docker swarm leave' on it first" ;;
  inactive*)
    note_gwbridge
    as_root docker swarm join --token "$token" --advertise-addr "$ADVERTISE" "$MANAGER" >/dev/null \
      || fail "could not join the swarm at $MANAGER: check that TCP $SWARM_PORT, TCP/UDP $GOSSIP_PORT and UDP $VXLAN_PORT are open"
    as_root mkdir -p "$STATE_DIR" && as_root touch "$STATE_DIR/swarm-joined"
    note "joined the swarm at $MANAGER" ;;
  *) fail "swarm state is '$swarm'; repair it (docker swarm leave --force) and run again" ;;
esac
