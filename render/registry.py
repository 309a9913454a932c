"""The stack's image registry, from the hosts' side: the names images are pushed and pulled by, the
engines' trust in the registry's CA, and the account the build engine and the hosts sign in with.

Each image is built once and pushed once to the registry on the registry host (model/cluster.py);
every host that runs it pulls it by digest, in parallel, fetching only the layers it lacks.
"""

from __future__ import annotations

from model.cluster import Cluster, Host
from model.constants import DOCKER_CERTS_DIR
from render.kv_tls import ServerNames, certificate_names
from render.scripts import render_script


def push_name(cluster: Cluster, tag: str) -> str:
    """What the build engine tags and pushes: the image's name under the registry's address."""
    return f"{cluster.push_address}/{tag}"


def pull_name(cluster: Cluster, tag: str, repo_digest: str) -> str:
    """What a host pulls: the pushed image, by its digest, under the address hosts dial. The push's
    repoDigest (`<push address>/<repository>@sha256:...`) names the same manifest."""
    repository = tag.rsplit(":", 1)[0] if ":" in tag.rsplit("/", 1)[-1] else tag
    _, _, digest = repo_digest.partition("@")
    if not digest:
        raise ValueError(f"{tag}: the push reported no digest ({repo_digest!r})")
    return f"{cluster.registry_address}/{repository}@{digest}"


def server_names(cluster: Cluster) -> ServerNames:
    """The registry's certificate: hosts dial its join address, this machine its address."""
    return certificate_names(cluster.registry_host)


def htpasswd(user: str, bcrypt_hash: str) -> str:
    return f"{user}:{bcrypt_hash}\n"


def trust_dir(cluster: Cluster) -> str:
    return f"{DOCKER_CERTS_DIR}/{cluster.registry_address}"


def trust_install_script(cluster: Cluster, host: Host) -> str:
    """Reads the stack CA's certificate on stdin."""
    return render_script("registry-trust-install.sh", where=f"host {host.name}", CERTS_DIR=trust_dir(cluster))


def trust_remove_script(cluster: Cluster, host: Host) -> str:
    return render_script("registry-trust-remove.sh", where=f"host {host.name}", CERTS_DIR=trust_dir(cluster))


