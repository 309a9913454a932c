"""Shell scripts that configure each host's Docker Engine, run over SSH by `remote.Command`.

They are plain POSIX sh, rendered whole into the commands' `create`/`delete` inputs so that a
`pulumi preview` diff shows reviewers exactly what will run on their hosts. Every script is
idempotent, names its host in every error, and keeps what it changes under
/var/lib/multihost-slurm/<stack> so that `delete` puts the host back as it was.
"""

from __future__ import annotations

import ipaddress
import json
import shlex
from typing import Any

from model.cluster import ENGINE_ADVERTISE_PORT, Cluster, Host, KvStore, OverlayMode

SWARM_PORT = 2377
GOSSIP_PORT = 7946
LAB_SUPERVISOR = "/usr/local/sbin/lab-dockerd"
ENGINE_WAIT_SECONDS = 90


STATE_ROOT = "/var/lib/multihost-slurm"


def state_dir(cluster: Cluster) -> str:
    return f"{STATE_ROOT}/{cluster.stack}"


def _preamble(host: Host, purpose: str) -> str:
    return f"""\
# {purpose} on host '{host.name}' ({host.address})
set -eu
fail() {{ echo "host {host.name}: $*" >&2; exit 1; }}
if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi
command -v docker >/dev/null 2>&1 || fail "no docker CLI on PATH: install Docker Engine (the ssh:// connection uses it too)"
"""


_ENGINE_CONTROL = f"""\
restart_engine() {{
  if [ -x {LAB_SUPERVISOR} ]; then $SUDO {LAB_SUPERVISOR} restart
  elif [ -d /run/systemd/system ]; then $SUDO systemctl restart docker
  elif command -v service >/dev/null 2>&1; then $SUDO service docker restart
  else fail "cannot restart the Docker Engine: no systemd, no service command, no {LAB_SUPERVISOR}"
  fi
}}
since=$(date '+%Y-%m-%d %H:%M:%S')
engine_log() {{  # what the engine said since this script began, less its chatter
  if [ -x {LAB_SUPERVISOR} ]; then
    $SUDO awk '/^=== lab-dockerd start/ {{ last = "" }} {{ last = last $0 "\\n" }} END {{ printf "%s", last }}' \\
      /var/log/dockerd.log | grep -v -e 'level=info' -e '^===' | tail -n 6
  elif [ -d /run/systemd/system ]; then $SUDO journalctl -u docker --since "$since" -p warning -n 6 --no-pager
  else $SUDO grep -v 'level=info' /var/log/docker.log 2>/dev/null | tail -n 6
  fi
}}
wait_engine() {{
  i=0
  while [ $i -lt {ENGINE_WAIT_SECONDS} ]; do
    $SUDO docker version >/dev/null 2>&1 && return 0
    sleep 1; i=$((i + 1))
  done
  return 1
}}
"""


def _gwbridge(cluster: Cluster) -> str:
    """Overlays make the engine create docker_gwbridge; remove it on the way out only if this stack
    was first to touch the engine and it was not there then."""
    state = state_dir(cluster)
    return f"""\
note_gwbridge() {{
  $SUDO mkdir -p {state}
  [ -e {state}/gwbridge-absent ] || [ -e {state}/gwbridge-present ] || {{
    if $SUDO docker network inspect docker_gwbridge >/dev/null 2>&1; then $SUDO touch {state}/gwbridge-present
    else $SUDO touch {state}/gwbridge-absent; fi
  }}
}}
forget_gwbridge() {{
  if [ -e {state}/gwbridge-absent ]; then $SUDO docker network rm docker_gwbridge >/dev/null 2>&1 || true; fi
  $SUDO rm -f {state}/gwbridge-absent {state}/gwbridge-present
}}
"""


def _join_address(host: Host) -> str:
    """The IP (or name) other engines dial to reach this one; an interface name can't be dialled."""
    try:
        ipaddress.ip_address(host.advertise)
    except ValueError:
        return host.address
    return host.advertise


# ---- swarm mode -------------------------------------------------------------------------------

def swarm_init_script(cluster: Cluster, host: Host) -> str:
    state = state_dir(cluster)
    return _preamble(host, "Swarm mode: initialise the swarm") + _gwbridge(cluster) + f"""\
swarm=$($SUDO docker info --format '{{{{.Swarm.LocalNodeState}}}} {{{{.Swarm.ControlAvailable}}}}' 2>&1) \\
  || fail "the Docker Engine does not answer: $swarm"
case "$swarm" in
  "active true") echo "host {host.name}: already a swarm manager; left as it is" ;;
  active*) fail "the engine is a worker of another swarm; run 'docker swarm leave' on it first" ;;
  inactive*)
    note_gwbridge
    $SUDO docker swarm init --advertise-addr {host.advertise} >/dev/null
    $SUDO mkdir -p {state} && $SUDO touch {state}/swarm-created
    echo "host {host.name}: swarm initialised, advertising {host.advertise}" ;;
  *) fail "swarm state is '$swarm'; repair it (docker swarm leave --force) and run again" ;;
esac
"""


def swarm_join_token_script(host: Host) -> str:
    return _preamble(host, "Swarm mode: read the worker join token (stdout is kept secret)") + """\
$SUDO docker swarm join-token -q worker
"""


def swarm_join_script(cluster: Cluster, host: Host, manager: Host) -> str:
    """Join a worker; the join token arrives on stdin, never in the command."""
    state = state_dir(cluster)
    target = f"{_join_address(manager)}:{SWARM_PORT}"
    return _preamble(host, f"Swarm mode: join the swarm of '{manager.name}'") + _gwbridge(cluster) + f"""\
token=$(cat)
[ -n "$token" ] || fail "no join token on stdin"
swarm=$($SUDO docker info --format '{{{{.Swarm.LocalNodeState}}}} {{{{range .Swarm.RemoteManagers}}}}{{{{.Addr}}}} {{{{end}}}}' 2>&1) \\
  || fail "the Docker Engine does not answer: $swarm"
case "$swarm" in
  *" {target} "*) echo "host {host.name}: already in this swarm; left as it is" ;;
  active*) fail "the engine is in another swarm ($swarm); run 'docker swarm leave' on it first" ;;
  inactive*)
    note_gwbridge
    $SUDO docker swarm join --token "$token" --advertise-addr {host.advertise} {target} >/dev/null \\
      || fail "could not join the swarm at {target}: check that TCP 2377, TCP/UDP 7946 and UDP 4789 are open"
    $SUDO mkdir -p {state} && $SUDO touch {state}/swarm-joined
    echo "host {host.name}: joined the swarm at {target}" ;;
  *) fail "swarm state is '$swarm'; repair it (docker swarm leave --force) and run again" ;;
esac
"""


def swarm_leave_script(cluster: Cluster, host: Host, *, manager: bool) -> str:
    """Leave only a swarm this stack created or joined; a swarm that was there before stays."""
    state = state_dir(cluster)
    marker = f"{state}/swarm-created" if manager else f"{state}/swarm-joined"
    force = " --force" if manager else ""
    return _preamble(host, "Swarm mode: leave the swarm") + _gwbridge(cluster) + f"""\
if [ -e {marker} ]; then
  $SUDO docker swarm leave{force} >/dev/null 2>&1 || $SUDO docker swarm leave --force >/dev/null
  $SUDO rm -f {marker}
  forget_gwbridge
  $SUDO rmdir {state} {STATE_ROOT} 2>/dev/null || true
  echo "host {host.name}: left the swarm"
else
  echo "host {host.name}: the swarm membership was not made by this stack; left as it is"
fi
"""


# ---- daemon.json: the stack's engine settings, and kv mode's cluster-store -------------------

DAEMON_JSON = "/etc/docker/daemon.json"


def kv_store_url(cluster: Cluster) -> str:
    kv = cluster.kv_host
    assert kv is not None and cluster.kv_store is not None
    if cluster.kv_store is KvStore.CONSUL:
        return f"consul://{_join_address(kv)}:8500/network"
    return f"etcd://{_join_address(kv)}:2379"


def engine_settings(cluster: Cluster, host: Host) -> dict[str, Any]:
    """The top-level daemon.json keys this stack sets on a host (every other key is kept)."""
    wanted = dict(cluster.docker_daemon)
    if cluster.overlay is OverlayMode.KV:
        wanted["cluster-store"] = kv_store_url(cluster)
        wanted["cluster-advertise"] = f"{host.advertise}:{ENGINE_ADVERTISE_PORT}"
    return wanted


def needs_engine_config(cluster: Cluster) -> bool:
    return bool(cluster.docker_daemon) or cluster.overlay is OverlayMode.KV


# Writes the merged file to `out` (with the current file's mode) and says whether it differs.
_MERGE_DAEMON_JSON = """\
import json, os, shutil, sys
path, out, wanted = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
try:
    with open(path) as f:
        current = json.load(f)
except FileNotFoundError:
    current = {}
except ValueError as e:
    sys.exit(f"{path} is not valid JSON ({e}); fix it by hand first")
merged = dict(current, **wanted)
with open(out, "w") as f:
    json.dump(merged, f, indent=2)
    f.write("\\n")
if os.path.exists(path):
    shutil.copymode(path, out)
print("unchanged" if merged == current else "changed")
"""


def engine_config_script(cluster: Cluster, host: Host) -> str:
    """Merge the stack's keys into daemon.json, keeping every other key, and restart the engine.

    The first run keeps the host's original daemon.json (or notes there was none) so that
    `engine_restore_script` puts it back byte for byte; a first run that fails leaves nothing of
    that behind (no resource is recorded, so nothing would remove it). Docker 23+ validates the new file before
    any restart (`dockerd --validate`); an engine that does not come back with it gets the
    previous file back, is restarted on it, and the deployment fails with the engine's own error.
    kv mode refuses Docker 23+ (no cluster-store there) and waits for the engine's gossip port.
    """
    state = state_dir(cluster)
    wanted = engine_settings(cluster, host)
    wanted_json = json.dumps(wanted, sort_keys=True)
    kv = cluster.overlay is OverlayMode.KV
    purpose = f"kv mode: point the engine at {wanted['cluster-store']}" if kv else "engine settings"
    script = _preamble(host, f"{purpose}; daemon.json keys: {', '.join(sorted(wanted))}") + _ENGINE_CONTROL
    script += _gwbridge(cluster) + """\
version=$($SUDO docker version --format '{{.Server.Version}}' 2>&1) || fail "the Docker Engine does not answer: $version"
major=${version%%.*}
"""
    if kv:
        script += """\
[ "$major" -lt 23 ] 2>/dev/null || fail "runs Docker Engine $version, which has no cluster-store (removed in 23.0). \\
Fix: set overlay: swarm for this stack, or run Docker Engine 20.10-22.x on every host"
"""
    script += f"""\
command -v python3 >/dev/null 2>&1 || fail "merging keys into {DAEMON_JSON} needs python3, which is missing: install python3"
first=
[ -e {state}/daemon.json.orig ] || [ -e {state}/daemon.json.absent ] || first=1
undo_first() {{  # a first run that does not get through leaves the host as it found it
  $SUDO rm -f {state}/daemon.json.next
  [ -n "$first" ] || return 0
  $SUDO rm -f {state}/daemon.json.orig {state}/daemon.json.absent {state}/daemon.json.previous
  $SUDO rmdir {state} {STATE_ROOT} 2>/dev/null || true
}}
$SUDO mkdir -p {state}
merge=$($SUDO python3 -c '{_MERGE_DAEMON_JSON}' {DAEMON_JSON} {state}/daemon.json.next {shlex.quote(wanted_json)} 2>&1) \
  || {{ undo_first; fail "$merge"; }}
"""
    if kv:
        store = wanted["cluster-store"]
        script += f"""\
if [ "$merge" = unchanged ] && $SUDO docker info --format '{{{{json .}}}}' | grep -q '"ClusterStore":"{store}"'; then
  undo_first
  echo "host {host.name}: engine already uses {store}; nothing to do"
  exit 0
fi
"""
    else:
        script += f"""\
if [ "$merge" = unchanged ]; then
  undo_first
  echo "host {host.name}: engine settings already in place; nothing to do"
  exit 0
fi
"""
    backend = "Consul" if cluster.kv_store is KvStore.CONSUL else "etcd"
    script += f"""\
if [ "$major" -ge 23 ] 2>/dev/null; then
  checked=$($SUDO dockerd --validate --config-file {state}/daemon.json.next 2>&1) || {{
    undo_first
    fail "the engine rejects the new daemon.json, which is not installed; the engine was not restarted: $checked"
  }}
fi
if [ -n "$first" ]; then
  if [ -e {DAEMON_JSON} ]; then $SUDO cp -p {DAEMON_JSON} {state}/daemon.json.orig; else $SUDO touch {state}/daemon.json.absent; fi
fi
note_gwbridge
$SUDO mkdir -p /etc/docker
if [ -e {DAEMON_JSON} ]; then $SUDO cp -p {DAEMON_JSON} {state}/daemon.json.previous; else $SUDO rm -f {state}/daemon.json.previous; fi
$SUDO mv {state}/daemon.json.next {DAEMON_JSON}
if ! restart_engine >/dev/null 2>&1 || ! wait_engine; then
  log=$(engine_log 2>&1 || true)
  if [ -e {state}/daemon.json.previous ]; then $SUDO cp -p {state}/daemon.json.previous {DAEMON_JSON}; else $SUDO rm -f {DAEMON_JSON}; fi
  restart_engine >/dev/null 2>&1 || true
  wait_engine || true
  [ -z "$first" ] || forget_gwbridge
  undo_first
  hint=""
  case "$log" in *"discovery service not supported"*)
    hint=" This dockerd was built without the {backend} backend (Debian's docker.io has no Consul): \\
set kvStore: etcd, or install upstream Docker Engine 20.10-22.x." ;; esac
  fail "the engine did not come back with the new daemon.json; the previous daemon.json is restored.$hint \\
Engine log: $log"
fi
"""
    if kv:
        store = wanted["cluster-store"]
        script += f"""\
$SUDO docker info --format '{{{{json .}}}}' | grep -q '"ClusterStore":"{store}"' \\
  || fail "the engine restarted but does not report cluster-store {store}; is dockerd started with its own flags?"
# The next engine restarts only once this one gossips (serf, TCP {GOSSIP_PORT}): an engine that joins
# while its peer is down can stay cut off from the overlay.
i=0
until grep -Eq ':{GOSSIP_PORT:04X} [0-9A-F]+:0000 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
  i=$((i + 1))
  [ $i -lt 60 ] || fail "the engine restarted but its gossip port {GOSSIP_PORT} is not listening after 60 s"
  sleep 1
done
"""
    script += f"""\
echo "host {host.name}: engine restarted with daemon.json keys {', '.join(sorted(wanted))}"
"""
    return script


def engine_restore_script(cluster: Cluster, host: Host) -> str:
    state = state_dir(cluster)
    return _preamble(host, "restore the original daemon.json") + _ENGINE_CONTROL + _gwbridge(cluster) + f"""\
if [ -e {state}/daemon.json.orig ]; then
  $SUDO cp -p {state}/daemon.json.orig {DAEMON_JSON}
elif [ -e {state}/daemon.json.absent ]; then
  $SUDO rm -f {DAEMON_JSON}
else
  echo "host {host.name}: no saved daemon.json; left as it is"
  exit 0
fi
restart_engine || true
wait_engine || fail "the engine did not come back after restoring {DAEMON_JSON}. Engine log: $(engine_log 2>&1)"
$SUDO rm -f {state}/daemon.json.orig {state}/daemon.json.absent {state}/daemon.json.previous
forget_gwbridge
$SUDO rmdir {state} {STATE_ROOT} 2>/dev/null || true
echo "host {host.name}: original daemon.json restored, engine restarted"
"""
