#!/bin/sh
# Prints the API version of this host's engine, and nothing else: what the containers' settings may
# use (a health check's start_interval needs 1.44, Docker 25).
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

version=$(docker version --format '{{.Server.APIVersion}}') || fail "the Docker engine does not answer"
case $version in
  [0-9]*.[0-9]*) echo "$version" ;;
  *) fail "the Docker engine reports API version '$version'" ;;
esac
