#!/bin/sh
# Make the Debian base images the project's Dockerfiles start FROM, without a registry:
# debootstrap a minimal root file system, then `docker import` it under the upstream
# name (debian:trixie, debian:bookworm, debian:bullseye). Root file systems are cached as tarballs in
# $TESTBED_CACHE (default ~/.cache/multihost-slurm) and reused on the next run.
#
#   DOCKER_HOST=... tests/testbed/base-images.sh [suite ...]     (default: trixie bookworm bullseye)
set -eu
CACHE=${TESTBED_CACHE:-$HOME/.cache/multihost-slurm}
# debootstrap's own default mirror, unless DEBIAN_MIRROR names another
MIRROR=${DEBIAN_MIRROR:-}
mkdir -p "$CACHE"
[ $# -gt 0 ] || set -- trixie bookworm bullseye
for suite in "$@"; do
  if docker image inspect "debian:$suite" >/dev/null 2>&1; then
    echo "debian:$suite already in the engine"; continue
  fi
  tarball="$CACHE/debian-$suite.tar"
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || { echo "debootstrap not found: apt-get install debootstrap" >&2; exit 1; }
    rootfs=$(mktemp -d)
    # shellcheck disable=SC2086 # no mirror argument at all when MIRROR is empty
    debootstrap --variant=minbase "$suite" "$rootfs" ${MIRROR} >"$CACHE/debootstrap-$suite.log" 2>&1 \
      || { echo "debootstrap $suite failed; see $CACHE/debootstrap-$suite.log" >&2; tail -5 "$CACHE/debootstrap-$suite.log" >&2; exit 1; }
    # what the official image also drops: apt lists and caches
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  docker import -c 'CMD ["bash"]' "$tarball" "debian:$suite" >/dev/null
  echo "debian:$suite imported from $tarball"
done
