#!/bin/sh
# The idioms every host script shares. Rendered scripts carry it inline after their header of
# variables (render/scripts.py); run from a checkout, a script sources it from scripts/.
#   WHERE             names the host (or container) in every message: "host node1"
#   DEADLINE_SECONDS  when set, the script stops itself after that long (see start_deadline)

# fail MESSAGE: say what went wrong, where, and stop.
fail() {
  echo "${WHERE:-here}: $*" >&2
  exit 1
}

# note MESSAGE: say what was done, where.
note() {
  echo "${WHERE:-here}: $*"
}

# as_root COMMAND...: root runs it as it is, another user through sudo -n (no password prompt).
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

# wait_until SECONDS COMMAND...: run COMMAND every second until it succeeds; fails after SECONDS.
wait_until() {
  wait_limit=$1
  shift
  wait_waited=0
  until "$@"; do
    wait_waited=$((wait_waited + 1))
    [ "$wait_waited" -lt "$wait_limit" ] || return 1
    sleep 1
  done
}

# is_running CONTAINER: is that container running (on this host's engine)?
is_running() {
  [ "$(docker inspect --format '{{.State.Running}}' "$1" 2>/dev/null)" = true ]
}

# is_listening PORT: does a process here listen on that TCP port (IPv4 or IPv6, any address)?
is_listening() {
  is_listening_hex=$(printf '%04X' "$1")
  grep -Eq ":$is_listening_hex [0-9A-F]+:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# start_deadline SECONDS: stop this script, and everything it started, after SECONDS. pulumi-command
# does not stop a remote command that hangs (its timeouts limit only the dial), and would wait for
# ever; sshd makes the script's shell a process group leader, so `kill 0` reaches all of it. A
# script that ends in time stops its watchdog on exit.
start_deadline() {
  (
    i=0
    while [ "$i" -lt "$1" ]; do sleep 1 >/dev/null 2>&1; i=$((i + 1)); done
    echo "${WHERE:-here}: still running after $1 s, the script's deadline: stopped" >&2
    kill -TERM 0
  ) </dev/null &
  deadline_watchdog=$!
  trap 'kill "$deadline_watchdog" 2>/dev/null' EXIT
}

if [ -n "${DEADLINE_SECONDS:-}" ]; then
  start_deadline "$DEADLINE_SECONDS"
fi

# is_healthy CONTAINER: is that container running and its health check passing?
is_healthy() {
  [ "$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1" 2>/dev/null)" = healthy ]
}
