"""Turn a rendered `ContainerSpec` into a named volume per mount and a `docker.Container`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_docker as docker

from render.containers import ContainerSpec, Secret

# Container fields the provider records on update without applying them (see README, pulumi-docker):
# a change to one of them must replace the container.
REPLACE_ON_CHANGES = ["healthcheck", "tmpfs", "init"]


def container_from_spec(
    spec: ContainerSpec,
    *,
    image: pulumi.Input[str],
    provider: docker.Provider,
    parent: pulumi.Resource,
    network: pulumi.Input[str] | None = None,
    secrets: Mapping[Secret, pulumi.Output[str]] | None = None,
    depends_on: Sequence[pulumi.Resource] = (),
    existing_volumes: Mapping[str, docker.Volume] | None = None,
) -> docker.Container:
    """`secrets`: the values of the spec's secret files (base64 for keys, text for passwords).
    `existing_volumes`: volumes of the spec that the caller already made (by volume name)."""
    existing_volumes = existing_volumes or {}
    secrets = secrets or {}
    opts = pulumi.ResourceOptions(parent=parent, provider=provider)
    volumes = []
    for mount in spec.mounts:
        volume = existing_volumes.get(mount.volume) or docker.Volume(
            mount.volume, name=mount.volume,
            labels=[docker.VolumeLabelArgs(label=k, value=v) for k, v in spec.labels.items()], opts=opts)
        volumes.append(docker.ContainerVolumeArgs(volume_name=volume.name, container_path=mount.path,
                                                  read_only=True if mount.read_only else None))
    uploads = [docker.ContainerUploadArgs(file=u.path, content=u.content, permissions=u.mode) for u in spec.uploads]
    for upload in spec.secrets:
        if upload.secret not in secrets:
            raise ValueError(f"container {spec.name} needs the {upload.secret}")
        value = secrets[upload.secret]
        content = {"content": value} if upload.secret is Secret.DB_PASSWORD else {"content_base64": value}
        uploads.append(docker.ContainerUploadArgs(file=upload.path, permissions=upload.mode, owner=str(upload.owner),
                                                  group=str(upload.group), **content))
    check = spec.healthcheck
    return docker.Container(
        spec.resource_name,
        name=spec.name,
        hostname=spec.name,
        image=image,
        command=list(spec.command) or None,
        envs=list(spec.env) or None,
        ports=[docker.ContainerPortArgs(internal=inside, external=outside) for inside, outside in spec.ports],
        volumes=volumes,
        uploads=uploads or None,
        networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=network, aliases=[spec.name])]
        if network is not None else None,
        healthcheck=docker.ContainerHealthcheckArgs(
            tests=list(check.test), interval=check.interval, timeout=check.timeout, retries=check.retries,
            start_period=check.start_period,
        ) if check else None,
        wait=check is not None,
        wait_timeout=300 if check else None,
        restart="unless-stopped",
        destroy_grace_seconds=spec.stop_grace_seconds,
        labels=[docker.ContainerLabelArgs(label=k, value=v) for k, v in spec.labels.items()],
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
            delete_before_replace=True,
            replace_on_changes=REPLACE_ON_CHANGES,
            depends_on=list(depends_on),
        )),
    )
