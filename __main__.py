"""multihost-slurm: a Slurm cluster whose daemons run in Docker containers spread over several hosts.

Stack config -> validated model (model/) -> pure renderers (render/) -> components (components/)
-> stack outputs. Read top to bottom, this file is the dependency graph.
"""

from pathlib import Path

import pulumi
import pulumi_docker as docker
import pulumi_random as random

from components.accounting import Accounting
from components.associations import SlurmAssociations
from components.consul_catalog import ConsulCatalog
from components.distributed_image import DistributedImage
from components.docker_provider import host_docker_provider, local_docker_provider
from components.engine_api import EngineApi
from components.engine_config import EngineConfig
from components.identities import Identities
from components.image_registry import ImageRegistry
from components.key_value_store import KeyValueStore
from components.kv_certificates import KvCertificates
from components.lab_base_images import LabBaseImages
from components.lab_hosts import LabHosts
from components.login_nodes import LoginNodes
from components.machines import Machines
from components.munge_key import MungeKey
from components.operator_tools import OperatorTools
from components.overlay_network import OverlayNetwork
from components.readiness import ClusterReadiness
from components.registry_image import RegistryImage
from components.rest_api import RestApi
from components.shared_filesystems import SharedFilesystems
from components.slurm_controller import SlurmController
from components.slurm_nodes import SlurmNodes
from components.ssh_access import SshAccess
from components.swarm_engines import SwarmEngines
from model.cluster import Host, KvStore, OverlayMode
from model.stack_config import load_cluster
from render.containers import Secret
from render.engine_scripts import needs_engine_config
from render.kv_tls import client_tls_files, uses_tls
from render.operator_tools import data_outputs
from render.outputs import static_outputs

cluster, configured_key = load_cluster()
access = SshAccess(cluster, configured_key)
needs_local_engine = cluster.lab is not None or cluster.images.build_on is None
local = local_docker_provider(cluster.local_docker_host) if needs_local_engine else None

# Hosts: created here in a lab stack (each one a container), given by address otherwise.
machines = Machines({})
if cluster.lab is not None:
    assert local is not None
    machines = Machines(LabHosts(cluster, access, local).containers)


def key_value_store(provider: docker.Provider, after: list[pulumi.Resource]) -> KeyValueStore:
    """Consul (pulled, or built) or etcd (built, for kv mode's engines without Consul support) on the
    kv host; a built image is built where the stack builds images, or on the kv host itself."""
    assert cluster.store is not None
    kv = cluster.store.host
    built = None
    if cluster.store.kind is KvStore.ETCD or cluster.images.consul_built:
        name, tag = (("etcd", cluster.images.etcd_tag) if cluster.store.kind is KvStore.ETCD
                     else ("consul", cluster.images.consul_image))
        on_kv = cluster.images.build_on is not None
        built = DistributedImage(
            name, cluster, access, tag=tag,
            build_provider=provider if on_kv else local, build_host=kv if on_kv else None,
            targets=[kv], machines=machines, after={kv.name: [*after, *lab_base_images(kv, after)]})
    return KeyValueStore(cluster, provider, built, machines, certificates)


lab_bases: dict[str, list[pulumi.Resource]] = {}


def lab_base_images(host: Host, after: list[pulumi.Resource]) -> list[pulumi.Resource]:
    """A lab host that builds images (images.buildOn a lab host) gets their base images from here,
    once (`after`: what must be done on it first)."""
    if cluster.lab is None or cluster.images.build_on is None:
        return []
    assert local is not None
    if host.name not in lab_bases:
        lab_bases[host.name] = LabBaseImages(cluster, access, local, machines, host, after).ready
    return lab_bases[host.name]


# kvTls: the stack's CA, and certificates for the store, kv mode's engines and the catalog.
certificates = KvCertificates(cluster) if uses_tls(cluster) else None

# The key/value store's host, outside the overlay, is never reconfigured: its engine is usable at
# once, and kv mode's engines need the store before they restart. (In swarm mode the store may
# share a Slurm host: it then comes once that host's engine is in the swarm.)
providers: dict[str, docker.Provider] = {}
store = None
kv = cluster.store.host if cluster.store is not None else None
if kv is not None and kv not in cluster.overlay_hosts:
    providers[kv.name] = host_docker_provider(kv, access, after=machines.of(kv))
    store = key_value_store(providers[kv.name], after=[])

# Engines: daemon.json (kv mode's cluster-store, the stack's dockerDaemon keys), then the swarm in
# swarm mode; then one Docker provider each.
configured: dict[str, pulumi.Resource] = {}
if needs_engine_config(cluster):
    kv_mode = cluster.overlay is OverlayMode.KV
    configured = EngineConfig(cluster, access, machines, store.container if kv_mode and store else None,
                              certificates).configured
if cluster.overlay is OverlayMode.SWARM:
    configured = SwarmEngines(cluster, access, machines, after=configured).configured
engine_ready = {name: [resource] for name, resource in configured.items()}
registry_login, registry_password = ImageRegistry.login_for(cluster)
for host in cluster.overlay_hosts:
    providers[host.name] = host_docker_provider(host, access, after=[*machines.of(host), *engine_ready[host.name]],
                                                registry=registry_login)
engine_api = EngineApi(cluster, access, machines, after=engine_ready).version
if kv is not None and store is None:
    store = key_value_store(providers[kv.name], after=engine_ready[kv.name])

# Users: their identities on every Slurm host, the shared file systems checked and their homes made.
identities = Identities(cluster, access, machines, after=engine_ready)
shared = SharedFilesystems(cluster, access, machines)
for_users = {h.name: [identities.on_host[h.name], *shared.on_host.get(h.name, [])] for h in cluster.overlay_hosts}

# Images: the stack's registry on the controller host (its own small image shipped there as an
# archive), then each image built once, pushed once, and pulled by digest where it runs.
build_host = cluster.host(cluster.images.build_on) if cluster.images.build_on else None
build_provider = providers[build_host.name] if build_host else local
build_after = dict(engine_ready)
if build_host is not None:
    build_after[build_host.name] = [*engine_ready[build_host.name],
                                    *lab_base_images(build_host, engine_ready[build_host.name])]
ctl = cluster.controller
registry = ImageRegistry(
    cluster, access, login=registry_login, password=registry_password, provider=providers[ctl.name],
    image=DistributedImage("registry", cluster, access, tag=cluster.images.registry_tag, build_provider=build_provider,
                           build_host=build_host, targets=[ctl], machines=machines, after=build_after),
    machines=machines, engine_api=engine_api, after=engine_ready)
# MariaDB's first: the chain of daemons starts with it; Slurm's then finds their base in the registry.
mariadb_image = RegistryImage(
    "mariadb", cluster, tag=cluster.images.mariadb_tag, build_provider=build_provider, build_host=build_host,
    targets=[ctl], registry=registry, providers=providers, machines=machines,
    after=build_after) if cluster.services.accounting else None
slurm_image = RegistryImage(
    "slurm", cluster, tag=cluster.images.slurm_tag, target="slurm-mpi" if cluster.services.mpi else "slurm",
    build_provider=build_provider, build_host=build_host, targets=cluster.overlay_hosts, registry=registry,
    providers=providers, machines=machines, after=build_after, push_after=[mariadb_image] if mariadb_image else [])
# The overlay waits for the engine that creates it; every container waits for its own host's engine
# (through that host's provider). Waiting for every engine here would add nothing and would make
# evaluation quadratic: each container's dependency check walks everything the network waits for.
network = OverlayNetwork(cluster, providers[ctl.name], engine_ready[ctl.name], machines)

# Slurm: the stack's secrets, accounting, the controller, the nodes of every compute host, the REST API.
munge = MungeKey(cluster, access, controller_ready=engine_ready[ctl.name])
secrets = {Secret.MUNGE_KEY: munge.key}
if cluster.services.rest_api:
    secrets[Secret.JWT_KEY] = pulumi.Output.secret(random.RandomBytes("jwt-key", length=32).base64)
# Each container runs its host's copy of its image (an input, so it waits for that host's pull).
on_controller = [munge.drained]
slurm_daemons: list[pulumi.Resource] = []
if mariadb_image is not None:
    # MariaDB needs neither the Slurm image nor the users: it starts while they arrive
    accounting = Accounting(
        cluster, provider=providers[ctl.name], slurm_image=slurm_image.image_on[ctl.name],
        mariadb_image=mariadb_image.image_on[ctl.name], network=network.network.name, secrets=secrets,
        after=[*on_controller, *for_users[ctl.name]], machine_labels=machines.labels(ctl),
        engine_api=engine_api[ctl.name])
    slurm_daemons.append(accounting.slurmdbd)
controller = SlurmController(
    cluster, access, provider=providers[ctl.name], image_id=slurm_image.image_on[ctl.name],
    network=network.network.name, secrets=secrets, after=[*on_controller, *slurm_daemons, *for_users[ctl.name]],
    machines=machines, engine_api=engine_api[ctl.name])
slurm_daemons.append(controller.container)
for host in cluster.overlay_hosts:
    if host.node_names:
        nodes = SlurmNodes(
            cluster, host, access, provider=providers[host.name], image_id=slurm_image.image_on[host.name],
            network=network.network.name, secrets=secrets, after=[controller.container, *for_users[host.name]],
            machine_labels=machines.labels(host), engine_api=engine_api[host.name])
        slurm_daemons.extend(nodes.containers.values())
login_after = {h.name: [controller.container, *for_users[h.name]] for h in cluster.login_hosts}
logins = LoginNodes(cluster, providers=providers, image_on=slurm_image.image_on, engine_api=engine_api,
                    network=network.network.name, secrets=secrets, after=login_after, machines=machines)
slurm_daemons.extend(logins.containers.values())
if cluster.services.rest_api:
    rest = RestApi(cluster, provider=providers[ctl.name], image=slurm_image.image_on[ctl.name],
                   network=network.network.name, etc_volume=controller.etc_volume, after=[controller.container],
                   machine_labels=machines.labels(ctl), engine_api=engine_api[ctl.name])
    slurm_daemons.append(rest.container)

if cluster.services.accounting:
    SlurmAssociations(cluster, access, machines, after=[controller.container, *for_users[ctl.name]])
if store is not None and cluster.store is not None and cluster.store.kind is KvStore.CONSUL:
    ConsulCatalog(cluster, after=[store.container, *slurm_daemons], machines=machines, certificates=certificates)
# The operator's backup and restore, next to what they read and write.
OperatorTools(cluster, access, machines, after=engine_ready[ctl.name])
resumed = munge.resume_after(slurm_daemons)
readiness = ClusterReadiness(cluster, access, slurm_daemons, controller.conf_digest, after=[resumed])

kv_tls_files = client_tls_files(Path.home(), cluster.stack) if certificates and certificates.files else None
for key, value in static_outputs(cluster, access.identity_path, identities.key_files, kv_tls_files).items():
    pulumi.export(key, value)
for key, value in data_outputs(cluster).items():
    pulumi.export(key, value)
pulumi.export("readiness", readiness.result)
