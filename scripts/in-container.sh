#!/bin/sh
# Run the script that arrives on stdin inside a container (the readiness check, in slurmctld).
#   CONTAINER  where it runs
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"

docker exec -i "$CONTAINER" sh -s
