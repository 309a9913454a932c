#!/bin/sh
# What the scripts that change a host's Docker Engine share. Header variables:
#   STATE_DIR         where this stack notes what it changed on the host (/var/lib/multihost-slurm/<stack>)
#   STATE_ROOT        its parent, removed when empty
#   LAB_SUPERVISOR    a lab host's own dockerd supervisor (absent on real hosts)
#   LAB_DOCKERD_LOG   where that supervisor's dockerd logs
#   ENGINE_WAIT_SECONDS  how long a restarted engine gets to answer
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu
command -v docker >/dev/null 2>&1 \
  || fail "no docker CLI on PATH: install Docker Engine (the ssh:// connection uses it too)"

restart_engine() {
  if [ -x "$LAB_SUPERVISOR" ]; then as_root "$LAB_SUPERVISOR" restart
  elif [ -d /run/systemd/system ]; then as_root systemctl restart docker
  elif command -v service >/dev/null 2>&1; then as_root service docker restart
  else fail "cannot restart the Docker Engine: no systemd, no service command, no $LAB_SUPERVISOR"
  fi
}

engine_since=$(date '+%Y-%m-%d %H:%M:%S')
engine_log() {  # what the engine said since this script began, less its chatter
  if [ -x "$LAB_SUPERVISOR" ]; then
    # shellcheck disable=SC2016 # awk's own variables
    as_root awk '/^=== lab-dockerd start/ { last = "" } { last = last $0 "\n" } END { printf "%s", last }' \
      "$LAB_DOCKERD_LOG" | grep -v -e 'level=info' -e '^===' | tail -n 6
  elif [ -d /run/systemd/system ]; then as_root journalctl -u docker --since "$engine_since" -p warning -n 6 --no-pager
  else as_root grep -v 'level=info' /var/log/docker.log 2>/dev/null | tail -n 6
  fi
}

engine_answers() {
  as_root docker version >/dev/null 2>&1
}

wait_engine() {
  wait_until "$ENGINE_WAIT_SECONDS" engine_answers
}

# Overlays make the engine create docker_gwbridge: remove it on the way out only if this stack was
# first to touch the engine and it was not there then.
note_gwbridge() {
  as_root mkdir -p "$STATE_DIR"
  [ -e "$STATE_DIR/gwbridge-absent" ] || [ -e "$STATE_DIR/gwbridge-present" ] || {
    if as_root docker network inspect docker_gwbridge >/dev/null 2>&1; then
      as_root touch "$STATE_DIR/gwbridge-present"
    else
      as_root touch "$STATE_DIR/gwbridge-absent"
    fi
  }
}

forget_gwbridge() {
  if [ -e "$STATE_DIR/gwbridge-absent" ]; then as_root docker network rm docker_gwbridge >/dev/null 2>&1 || true; fi
  as_root rm -f "$STATE_DIR/gwbridge-absent" "$STATE_DIR/gwbridge-present"
}

# forget_state_dir: remove this stack's notes on the host, and their parent once empty.
forget_state_dir() {
  as_root rmdir "$STATE_DIR" "$STATE_ROOT" 2>/dev/null || true
}
