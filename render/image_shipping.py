"""Command lines that copy an image from its build engine to a host, and remove it again."""

from __future__ import annotations

from pathlib import Path

from model.cluster import Cluster, Host
from render.ssh import ssh_command


def ship_image_command(cluster: Cluster, identity: Path, tag: str, image_id: str, target: Host,
                       build_host: Host | None) -> str:
    """Stream `tag` from the build engine into `target`'s engine, then check the ID arrived."""
    if build_host is None:
        save = f"docker -H {cluster.local_docker_host} save {tag}"
    else:
        save = ssh_command(cluster, identity, build_host, f"docker save {tag}")
    load = ssh_command(cluster, identity, target, "docker load -q")
    check = ssh_command(cluster, identity, target, f"docker image inspect --format '{{{{.Id}}}}' {tag}")
    return (
        "set -eu\n"
        f"# copy {tag} ({image_id}) to host '{target.name}'\n"
        f"{save} | {load} >/dev/null\n"
        f"loaded=$({check})\n"
        f'[ "$loaded" = "{image_id}" ] || {{ echo "host {target.name}: expected image {image_id}, '
        'found $loaded" >&2; exit 1; }\n'
    )


def remove_image_command(cluster: Cluster, identity: Path, tag: str, target: Host) -> str:
    """Best effort: an image still used by a container there stays."""
    return ssh_command(cluster, identity, target, f"docker image rm {tag}") + " >/dev/null 2>&1 || true"
