#!/bin/sh
# What the scripts that keep the users' Slurm associations share. Header variables:
#   CLUSTER  the Slurm cluster (ClusterName)
# shellcheck source=scripts/slurm-lib.sh
. "${SCRIPTS:-scripts}/slurm-lib.sh"

# has_association CONDITIONS NAME: does the cluster have an association (sacctmgr's "where"
# CONDITIONS, words split) whose first field is NAME?
has_association() {
  # shellcheck disable=SC2086 # the conditions are words
  ctl sacctmgr -nP show assoc where cluster="$CLUSTER" $1 format="${1%%=*}" | grep -qx "$2"
}
