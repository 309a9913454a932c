"""The key/value store on the kv (login) host: Consul, or etcd for engines without Consul support."""

from __future__ import annotations

import pulumi
import pulumi_docker as docker

from components.distributed_image import DistributedImage
from components.machines import Machines
from components.spec_container import container_from_spec
from model.cluster import Cluster, KvStore
from model.constants import component_type
from render.containers import consul_spec, etcd_spec


class KeyValueStore(pulumi.ComponentResource):
    container: docker.Container

    def __init__(self, cluster: Cluster, provider: docker.Provider, etcd_image: DistributedImage | None,
                 machines: Machines, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("kv", "KeyValueStore"), "kv-store", None, opts)
        assert cluster.store is not None
        host = cluster.store.host
        if cluster.store.kind is KvStore.CONSUL:
            image = docker.RemoteImage("consul-image", name=cluster.images.consul_image, keep_locally=True,
                                       triggers=machines.labels(host) or None,
                                       opts=pulumi.ResourceOptions(parent=self, provider=provider))
            spec, image_id, after = consul_spec(cluster, host), image.image_id, []
        else:
            assert etcd_image is not None
            spec, image_id, after = etcd_spec(cluster, host), etcd_image.image_id, [etcd_image.ready_on[host.name]]
        self.container = container_from_spec(spec, image=image_id, provider=provider, parent=self, depends_on=after,
                                             wait_timeout=cluster.readiness_timeout,
                                             machine_labels=machines.labels(host))
        self.register_outputs({"container": self.container.name})
