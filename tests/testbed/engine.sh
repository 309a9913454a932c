#!/bin/sh
# Start a Docker Engine for the tests, or reuse one that already answers.
#
#   tests/testbed/engine.sh            start (idempotent); prints DOCKER_HOST=...
#   tests/testbed/engine.sh stop       stop the engine this script started
#
# The engine gets its own data-root, exec-root, socket and pidfile under
# $TESTBED_ROOT (default /var/lib/multihost-slurm-testbed), so it never touches a
# system engine's state. If $DOCKER_HOST (or the system socket) already answers,
# that engine is used instead and nothing is started.
set -eu
ROOT=${TESTBED_ROOT:-/var/lib/multihost-slurm-testbed}
RUN=${TESTBED_RUN:-/run/multihost-slurm-testbed}
SOCK="$RUN/docker.sock"
PIDFILE="$RUN/dockerd.pid"
LOG="$ROOT/dockerd.log"

answers() { DOCKER_HOST="$1" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

case "${1:-start}" in
stop)
  [ -f "$PIDFILE" ] || exit 0
  pid=$(cat "$PIDFILE"); kill "$pid" 2>/dev/null || exit 0
  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 120 ]; do sleep 0.5; i=$((i+1)); done
  exit 0 ;;
start) ;;
*) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac

for candidate in "${DOCKER_HOST:-}" "unix://$SOCK" unix:///var/run/docker.sock; do
  [ -n "$candidate" ] || continue
  if answers "$candidate"; then echo "DOCKER_HOST=$candidate"; exit 0; fi
done

command -v dockerd >/dev/null || { echo "dockerd not found: apt-get install docker.io" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "starting a Docker Engine needs root" >&2; exit 1; }
mkdir -p "$ROOT/data" "$RUN"
nohup dockerd --data-root "$ROOT/data" --exec-root "$RUN/exec" --pidfile "$PIDFILE" \
  -H "unix://$SOCK" >>"$LOG" 2>&1 &
i=0
until answers "unix://$SOCK"; do
  i=$((i+1))
  if [ $i -gt 120 ]; then echo "dockerd did not answer within 60 s; last log lines:" >&2; tail -20 "$LOG" >&2; exit 1; fi
  sleep 0.5
done
echo "DOCKER_HOST=unix://$SOCK"
