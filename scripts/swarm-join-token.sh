#!/bin/sh
# Swarm mode: print the worker join token (the command's stdout is kept secret).
# shellcheck source=scripts/engine-lib.sh
. "${SCRIPTS:-scripts}/engine-lib.sh"

as_root docker swarm join-token -q worker
