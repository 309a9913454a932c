"""multihost-slurm: a Slurm cluster whose daemons run in Docker containers spread over several hosts.

Stack config -> validated model (model/) -> pure renderers (render/) -> components (components/)
-> stack outputs. Read top to bottom, this file is the dependency graph.
"""

import pulumi
import pulumi_docker as docker

from components.consul_catalog import ConsulCatalog
from components.distributed_image import DistributedImage
from components.docker_provider import host_docker_provider, local_docker_provider
from components.engine_config import EngineConfig
from components.key_value_store import KeyValueStore
from components.lab_hosts import LabHosts
from components.munge_key import MungeKey
from components.overlay_network import OverlayNetwork
from components.readiness import ClusterReadiness
from components.slurm_controller import SlurmController
from components.slurm_nodes import SlurmNodes
from components.ssh_access import SshAccess
from components.swarm_engines import SwarmEngines
from model.cluster import KvStore, OverlayMode
from model.stack_config import load_cluster
from render.engine_scripts import needs_engine_config
from render.outputs import static_outputs

cluster, configured_key = load_cluster()
access = SshAccess(cluster, configured_key)
needs_local_engine = cluster.lab is not None or cluster.images.build_on is None
local = local_docker_provider(cluster.local_docker_host) if needs_local_engine else None

# Hosts: created here in a lab stack (machines[host] is its container), given by address otherwise.
machines: dict[str, list[pulumi.Resource]] = {h.name: [] for h in cluster.hosts}
if cluster.lab is not None:
    assert local is not None
    lab = LabHosts(cluster, access, local)
    machines = {name: [container] for name, container in lab.containers.items()}

# The key/value store's host is never reconfigured; its engine is usable at once.
providers: dict[str, docker.Provider] = {}
store = None
kv = cluster.kv_host
if kv is not None:
    providers[kv.name] = host_docker_provider(kv, access, machines[kv.name], after=[])
    etcd_image = None
    if cluster.kv_store is KvStore.ETCD:
        on_kv = cluster.images.build_on is not None
        etcd_image = DistributedImage(
            "etcd", cluster, access, context="images/etcd", tag="multihost-slurm/etcd:3.5",
            build_provider=providers[kv.name] if on_kv else local, build_host=kv if on_kv else None,
            targets=[kv], machines=machines, after={})
    store = KeyValueStore(cluster, providers[kv.name], etcd_image)

# Engines: daemon.json (kv mode's cluster-store, the stack's dockerDaemon keys), then the swarm in
# swarm mode; then one Docker provider each.
configured: dict[str, pulumi.Resource] = {}
if needs_engine_config(cluster):
    kv_mode = cluster.overlay is OverlayMode.KV
    configured = EngineConfig(cluster, access, machines, store.container if kv_mode and store else None).configured
if cluster.overlay is OverlayMode.SWARM:
    configured = SwarmEngines(cluster, access, machines, after=configured).configured
engine_ready = {name: [resource] for name, resource in configured.items()}
for host in cluster.overlay_hosts:
    providers[host.name] = host_docker_provider(host, access, machines[host.name], after=engine_ready[host.name])

build_host = cluster.host(cluster.images.build_on) if cluster.images.build_on else None
slurm_image = DistributedImage(
    "slurm", cluster, access, context="images/slurm", tag=cluster.images.slurm_tag,
    build_provider=providers[build_host.name] if build_host else local, build_host=build_host,
    targets=cluster.overlay_hosts, machines=machines, after=engine_ready)
network = OverlayNetwork(cluster, providers[cluster.controller.name], list(configured.values()))

# Slurm: one munge key per stack, the controller, then the nodes of every compute host.
munge = MungeKey(cluster, access, controller_ready=engine_ready[cluster.controller.name])
controller = SlurmController(
    cluster, access, provider=providers[cluster.controller.name], image_id=slurm_image.image_id,
    network=network.network.name, munge_key=munge.key,
    after=[slurm_image.ready_on[cluster.controller.name], munge.drained])
node_containers = [controller.container]
for host in cluster.overlay_hosts:
    if host.node_names:
        nodes = SlurmNodes(
            cluster, host, access, provider=providers[host.name], image_id=slurm_image.image_id,
            network=network.network.name, munge_key=munge.key,
            after=[slurm_image.ready_on[host.name], controller.container])
        node_containers.extend(nodes.containers.values())

if store is not None and cluster.kv_store is KvStore.CONSUL:
    ConsulCatalog(cluster, after=[store.container, *node_containers])
resumed = munge.resume_after(node_containers)
readiness = ClusterReadiness(cluster, access, node_containers, controller.conf_digest, after=[resumed])

for key, value in static_outputs(cluster, access.identity_path).items():
    pulumi.export(key, value)
pulumi.export("readiness", readiness.result)
