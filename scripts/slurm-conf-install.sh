#!/bin/sh
# Write slurm.conf (this command's stdin) into the controller's /etc/slurm volume; a running
# slurmctld reconfigures in place.
#   CONTROLLER     the slurmctld container
#   ETC_VOLUME     the volume mounted at /etc/slurm
#   SLURM_ETC_DIR  /etc/slurm
#   IMAGE          an image with a shell, to write into the volume
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -eu

# shellcheck disable=SC2016 # expanded by the container's shell
docker run --rm -i --network none -v "$ETC_VOLUME:$SLURM_ETC_DIR" -e "DIR=$SLURM_ETC_DIR" --entrypoint sh "$IMAGE" \
  -c 'cat > "$DIR/slurm.conf.new" && mv "$DIR/slurm.conf.new" "$DIR/slurm.conf"'
if is_running "$CONTROLLER"; then
  docker exec "$CONTROLLER" scontrol reconfigure
  note "slurm.conf updated; slurmctld reconfigured"
else
  note "slurm.conf installed"
fi
