#!/bin/sh
# Swarm mode: leave only a swarm this stack created or joined; one that was there before stays.
#   MARKER  the note the init or join left: swarm-created (the manager) or swarm-joined (a worker)
# shellcheck source=scripts/engine-lib.sh
. "${SCRIPTS:-scripts}/engine-lib.sh"

if [ -e "$STATE_DIR/$MARKER" ]; then
  if [ "$MARKER" = swarm-created ]; then
    as_root docker swarm leave --force >/dev/null
  else
    as_root docker swarm leave >/dev/null 2>&1 || as_root docker swarm leave --force >/dev/null
  fi
  as_root rm -f "$STATE_DIR/$MARKER"
  forget_gwbridge
  forget_state_dir
  note "left the swarm"
else
  note "the swarm membership was not made by this stack; left as it is"
fi
