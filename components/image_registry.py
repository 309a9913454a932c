"""The stack's image registry: one container on the registry host, with TLS from a CA of its own and
one password-protected account; and, on every host that runs Slurm, the engine's trust in that CA
(a file under /etc/docker/certs.d, read at each pull: no engine restart). The registry's storage is
a cache of what the build pushed: it goes with the stack, and a new one is filled by a new push."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_docker as docker
import pulumi_random as random

from components.certificates import authority, signed
from components.distributed_image import DistributedImage
from components.docker_provider import RegistryLogin
from components.machines import Machines
from components.remote_script import remote_script
from components.spec_container import container_from_spec
from components.ssh_access import SshAccess
from model.cluster import Cluster
from model.constants import REGISTRY_USER, component_type
from render.containers import Secret, registry_spec
from render.kv_tls import SERVER_USES
from render.registry import htpasswd, server_names, trust_install_script, trust_remove_script


class ImageRegistry(pulumi.ComponentResource):
    """`login`: what the build engine and each host's provider sign in with (made first, as the
    providers need it: `login_for`); `container`: the running registry; `trusted[host]`: that
    host's engine trusts it."""

    login: RegistryLogin
    container: docker.Container
    trusted: dict[str, pulumi.Resource]

    @staticmethod
    def login_for(cluster: Cluster) -> tuple[RegistryLogin, random.RandomPassword]:
        """The registry's one account: the password is generated, and kept as a secret."""
        # letters and digits only: it goes into an Authorization header and a provider's config as is
        password = random.RandomPassword("registry-password", length=32, special=False)
        return RegistryLogin(cluster.registry_address, REGISTRY_USER, pulumi.Output.secret(password.result)), password

    def __init__(self, cluster: Cluster, access: SshAccess, *, login: RegistryLogin, password: random.RandomPassword,
                 provider: docker.Provider, image: DistributedImage,
                 machines: Machines, engine_api: Mapping[str, pulumi.Input[str]],
                 after: Mapping[str, Sequence[pulumi.Resource]], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("images", "ImageRegistry"), "image-registry", None, opts)
        host = cluster.registry_host
        self.login = login
        ca = authority("registry-ca", f"{cluster.project} {cluster.stack} image registry CA", self)
        server = signed("registry-server", ca, "image registry", SERVER_USES, self, server_names(cluster))
        secrets = {Secret.REGISTRY_CERT: server.cert_pem, Secret.REGISTRY_KEY: server.key_pem,
                   Secret.REGISTRY_HTPASSWD: pulumi.Output.secret(
                       password.bcrypt_hash.apply(lambda hashed: htpasswd(REGISTRY_USER, hashed)))}
        self.container = container_from_spec(
            registry_spec(cluster), image=image.image_id, provider=provider, parent=self, secrets=secrets,
            depends_on=[image.ready_on[host.name], *after.get(host.name, ())],
            wait_timeout=cluster.readiness_timeout, machine_labels=machines.labels(host),
            engine_api=engine_api.get(host.name))
        self.trusted = {
            h.name: remote_script(
                f"{h.name}-registry-trust", access, h,
                create=trust_install_script(cluster, h), delete=trust_remove_script(cluster, h),
                stdin=ca.cert.cert_pem, triggers=machines.identities(h),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*machines.of(h), *after.get(h.name, ())]))
            for h in cluster.overlay_hosts}
        self.register_outputs({"container": self.container.name})
