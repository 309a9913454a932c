"""The key/value store on the kv (login) host: Consul, or etcd for engines without Consul support."""

from __future__ import annotations

import pulumi
import pulumi_docker as docker

from components.distributed_image import DistributedImage
from components.kv_certificates import KvCertificates
from components.machines import Machines
from components.spec_container import container_from_spec
from model.cluster import Cluster, KvStore
from model.constants import component_type
from render.containers import Secret, consul_spec, etcd_spec


class KeyValueStore(pulumi.ComponentResource):
    container: docker.Container

    def __init__(self, cluster: Cluster, provider: docker.Provider, built: DistributedImage | None,
                 machines: Machines, certificates: KvCertificates | None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        """`built`: the store's image when the stack builds it (etcd always, Consul on request);
        `certificates`: with kvTls, the store's own and the CA's."""
        super().__init__(component_type("kv", "KeyValueStore"), "kv-store", None, opts)
        assert cluster.store is not None
        host = cluster.store.host
        spec = consul_spec(cluster, host) if cluster.store.kind is KvStore.CONSUL else etcd_spec(cluster, host)
        if built is not None:
            image_id, after = built.image_id, [built.ready_on[host.name]]
        else:
            image = docker.RemoteImage("consul-image", name=cluster.images.consul_image, keep_locally=True,
                                       triggers=machines.labels(host) or None,
                                       opts=pulumi.ResourceOptions(parent=self, provider=provider))
            image_id, after = image.image_id, []
        secrets = {Secret.KV_CA_CERT: certificates.ca_pem, Secret.KV_SERVER_CERT: certificates.server.cert_pem,
                   Secret.KV_SERVER_KEY: certificates.server.key_pem} if certificates is not None else None
        self.container = container_from_spec(spec, image=image_id, provider=provider, parent=self, depends_on=after,
                                             secrets=secrets,
                                             wait_timeout=cluster.readiness_timeout,
                                             machine_labels=machines.labels(host))
        self.register_outputs({"container": self.container.name})
