#!/bin/sh
# slurm-restore < backup.tar: put back a backup that slurm-backup made: slurmctld's state and the
# accounting database, replacing what they hold now. slurmctld (and slurmdbd) stop meanwhile; the
# slurmd containers keep running and register again. Installed on the controller host by the stack
# (the stack output restoreCommand runs it).
#   CONTROLLER    the slurmctld container
#   STATE_VOLUME  its StateSaveLocation volume
#   MARIADB       the MariaDB container ("" without accounting)
#   SLURMDBD      the slurmdbd container ("" without accounting)
#   DB_NAME       slurmdbd's database
#   WAIT_SECONDS  how long slurmdbd and slurmctld get to become healthy again
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

[ ! -t 0 ] || fail "give the backup on stdin. Fix: ... < backup.tar"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xf - 2>/dev/null || fail "stdin is not a tar archive. Fix: give the file slurm-backup wrote"
[ -f "$work/state.tar" ] || fail "the archive holds no state.tar. Fix: give the file slurm-backup wrote"
if [ -n "$MARIADB" ]; then
  [ -f "$work/accounting.sql" ] || fail "the archive holds no accounting.sql, and this cluster keeps \
accounting. Fix: give a backup of a cluster with accounting"
  is_running "$MARIADB" || fail "MariaDB ($MARIADB) is not running. Fix: run pulumi up, then restore"
fi
image=$(docker inspect --format '{{.Config.Image}}' "$CONTROLLER") \
  || fail "there is no slurmctld container ($CONTROLLER) here. Fix: run pulumi up, then restore"

docker stop "$CONTROLLER" >/dev/null
if [ -n "$MARIADB" ]; then
  docker stop "$SLURMDBD" >/dev/null
  # shellcheck disable=SC2016 # backquotes for SQL
  printf 'DROP DATABASE IF EXISTS `%s`;\n' "$DB_NAME" | docker exec -i "$MARIADB" mariadb \
    || fail "dropping $DB_NAME failed; slurmctld and slurmdbd are stopped. Fix: see docker logs $MARIADB, then restore again"
  docker exec -i "$MARIADB" mariadb < "$work/accounting.sql" \
    || fail "loading accounting.sql failed; slurmctld and slurmdbd are stopped. Fix: see docker logs $MARIADB, then restore again"
  docker start "$SLURMDBD" >/dev/null
  wait_until "$WAIT_SECONDS" is_healthy "$SLURMDBD" || fail "slurmdbd is not healthy after $WAIT_SECONDS s. \
Fix: see docker logs $SLURMDBD"
  note "accounting database $DB_NAME restored"
fi
# shellcheck disable=SC2016 # expanded by the container's shell
docker run --rm -i --network none -v "$STATE_VOLUME:/state" --entrypoint sh "$image" \
  -c 'find /state -mindepth 1 -delete && tar -C /state -xpf -' < "$work/state.tar" \
  || fail "writing $STATE_VOLUME failed; slurmctld is stopped. Fix: restore again"
docker start "$CONTROLLER" >/dev/null
wait_until "$WAIT_SECONDS" is_healthy "$CONTROLLER" || fail "slurmctld is not healthy after $WAIT_SECONDS s. \
Fix: see docker logs $CONTROLLER"
# The state holds each node's address as it was at the backup. A slurmd that runs now may have
# another (a container made since), and a running slurmd does not register again by itself: point
# each node at the address its container has now (Docker's DNS on the overlay network).
docker exec "$CONTROLLER" scontrol show nodes -o \
  | sed -n 's/^NodeName=\([^ ]*\) .*NodeAddr=\([^ ]*\) .*/\1 \2/p' \
  | while read -r node recorded; do
      current=$(docker exec "$CONTROLLER" getent hosts "$node" | awk '{print $1; exit}')
      if [ -n "$current" ] && [ "$current" != "$recorded" ]; then
        docker exec "$CONTROLLER" scontrol update nodename="$node" nodeaddr="$current"
        note "node $node: at $current now (the backup had $recorded)"
      fi
    done
note "slurmctld's state restored; slurmctld runs"
