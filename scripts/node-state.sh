#!/bin/sh
# What slurmctld says of a node (the create of its membership record, whose work is on removal:
# node-leave.sh).
#   CONTROLLER  the slurmctld container
#   NODE        the Slurm node
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"

docker exec "$CONTROLLER" sinfo -h -N -n "$NODE" -o '%N %T'
