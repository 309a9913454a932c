"""Command lines that copy an image from its build engine to the hosts, and remove it again.

The image is exported once, to a gzip-compressed archive on the machine running Pulumi (`docker
load` reads it as it is), and every host loads that archive in parallel: one `docker save`
however many hosts there are.
"""

from __future__ import annotations

import shlex

from model.cluster import Cluster, Host
from model.constants import HOME_CACHE
from render.ssh import ssh_command


def image_archive(cluster: Cluster, name: str, image_id: str) -> str:
    """The exported image, under `$HOME` of whoever runs Pulumi; one file per image ID."""
    return f"$HOME/{HOME_CACHE}/{cluster.stack}/{name}-{image_id.removeprefix('sha256:')[:16]}.tar.gz"


def _save(cluster: Cluster, tag: str, build_host: Host | None) -> str:
    if build_host is None:
        return f"docker -H {shlex.quote(cluster.local_docker_host)} save {shlex.quote(tag)}"
    return ssh_command(cluster, build_host, f"docker save {tag}")


def _export(cluster: Cluster, tag: str, build_host: Host | None, archive: str) -> str:
    """One line: save the image to a temporary file next to `archive`, compress it (a failed save
    stops there: sh has no pipefail), then move it into place."""
    return (f'mkdir -p "$(dirname "{archive}")" && {_save(cluster, tag, build_host)} > "{archive}.$$.tar" '
            f'&& gzip -1 -c "{archive}.$$.tar" > "{archive}.$$" && rm -f "{archive}.$$.tar" '
            f'&& mv "{archive}.$$" "{archive}"')


def export_image_command(cluster: Cluster, name: str, tag: str, image_id: str, build_host: Host | None) -> str:
    archive = image_archive(cluster, name, image_id)
    return (
        "set -eu\n"
        f"# export {tag} ({image_id}) once, for every host to load\n"
        f"{_export(cluster, tag, build_host, archive)}\n"
    )


def remove_archive_command(cluster: Cluster, name: str, image_id: str) -> str:
    return f'rm -f "{image_archive(cluster, name, image_id)}"'


def load_image_command(cluster: Cluster, name: str, tag: str, image_id: str, target: Host,
                       build_host: Host | None) -> str:
    """Load the exported image into `target`'s engine, then check that its ID arrived."""
    archive = image_archive(cluster, name, image_id)
    load = ssh_command(cluster, target, "docker load -q")
    check = ssh_command(cluster, target, f"docker image inspect --format '{{{{.Id}}}}' {tag}")
    return (
        "set -eu\n"
        f"# copy {tag} ({image_id}) to host '{target.name}'\n"
        f'[ -s "{archive}" ] || {{ {_export(cluster, tag, build_host, archive)}; }}\n'
        f'{load} < "{archive}" >/dev/null\n'
        f"loaded=$({check})\n"
        f'[ "$loaded" = "{image_id}" ] || {{ echo "host {target.name}: expected image {image_id}, '
        'found $loaded" >&2; exit 1; }\n'
    )


def remove_image_command(cluster: Cluster, tag: str, target: Host) -> str:
    """Best effort: an image still used by a container there stays."""
    return ssh_command(cluster, target, f"docker image rm {tag}") + " >/dev/null 2>&1 || true"
