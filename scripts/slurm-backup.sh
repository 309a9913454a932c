#!/bin/sh
# slurm-backup > backup.tar: a consistent backup of the cluster's accounting database and
# slurmctld's state, written to stdout as a tar archive (accounting.sql, state.tar). slurmctld is
# frozen (docker pause) while both are taken, so that the queue and the accounting records describe
# the same moment; jobs keep running, and the daemons' messages wait the second or two it takes.
# Installed on the controller host by the stack (the stack output backupCommand runs it).
#   CONTROLLER    the slurmctld container
#   STATE_VOLUME  its StateSaveLocation volume
#   MARIADB       the MariaDB container ("" without accounting)
#   DB_NAME       slurmdbd's database
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

[ ! -t 1 ] || fail "the backup is a tar archive on stdout. Fix: send it to a file: ... > backup.tar"
is_running "$CONTROLLER" || fail "slurmctld ($CONTROLLER) is not running: its state would not be current. \
Fix: see docker logs $CONTROLLER on this host; run pulumi up to start it, then back up"
if [ -n "$MARIADB" ]; then
  is_running "$MARIADB" || fail "MariaDB ($MARIADB) is not running. Fix: see docker logs $MARIADB on this host"
fi
image=$(docker inspect --format '{{.Config.Image}}' "$CONTROLLER")
work=$(mktemp -d)
paused=""
trap '[ -z "$paused" ] || docker unpause "$CONTROLLER" >/dev/null; rm -rf "$work"' EXIT

docker pause "$CONTROLLER" >/dev/null
paused=yes
if [ -n "$MARIADB" ]; then
  docker exec "$MARIADB" mariadb-dump --single-transaction --routines --databases "$DB_NAME" \
    > "$work/accounting.sql" || fail "mariadb-dump of $DB_NAME failed"
fi
docker run --rm --network none -v "$STATE_VOLUME:/state:ro" --entrypoint tar "$image" -C /state -cf - . \
  > "$work/state.tar" || fail "reading $STATE_VOLUME failed"
docker unpause "$CONTROLLER" >/dev/null
paused=""

tar -C "$work" -cf - .
note "backup taken: slurmctld's state${MARIADB:+ and the accounting database $DB_NAME}" >&2
