#!/bin/sh
# slurm-backup > backup.tar: a consistent backup of the cluster's accounting database and
# slurmctld's state, written to stdout as a tar archive (accounting.sql, state.tar). slurmctld stops
# while both are taken: on SIGTERM it writes its whole state (saved a few seconds behind
# otherwise), the next job ID and the accounting messages slurmdbd has not taken yet among it, so
# that the state and the database describe the same moment. Running jobs go on; Slurm's commands
# wait or fail for the few seconds it takes. Then slurmctld starts again.
# Installed on the controller host by the stack (the stack output backupCommand runs it).
#   CONTROLLER    the slurmctld container
#   STATE_VOLUME  its StateSaveLocation volume
#   MARIADB       the MariaDB container ("" without accounting)
#   DB_NAME       slurmdbd's database
#   STOP_SECONDS  how long slurmctld gets to save its state and stop
#   WAIT_SECONDS  how long it gets to become healthy again
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
stopped=""
trap '[ -z "$stopped" ] || docker start "$CONTROLLER" >/dev/null; rm -rf "$work"' EXIT

docker stop -t "$STOP_SECONDS" "$CONTROLLER" >/dev/null
stopped=yes
if [ -n "$MARIADB" ]; then
  docker exec "$MARIADB" mariadb-dump --single-transaction --routines --databases "$DB_NAME" \
    > "$work/accounting.sql" || fail "mariadb-dump of $DB_NAME failed"
fi
docker run --rm --network none -v "$STATE_VOLUME:/state:ro" --entrypoint tar "$image" -C /state -cf - . \
  > "$work/state.tar" || fail "reading $STATE_VOLUME failed"
docker start "$CONTROLLER" >/dev/null
stopped=""
wait_until "$WAIT_SECONDS" is_healthy "$CONTROLLER" || fail "slurmctld is not healthy after $WAIT_SECONDS s; \
the backup is not taken. Fix: see docker logs $CONTROLLER on this host"

tar -C "$work" -cf - .
note "backup taken: slurmctld's state${MARIADB:+ and the accounting database $DB_NAME}" >&2
