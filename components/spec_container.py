"""Turn a rendered `ContainerSpec` into a named volume per mount and a `docker.Container`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_docker as docker

from components.provider_rules import DOCKER_CONTAINER
from render.containers import ContainerSpec, Secret, healthcheck_inputs

# A container setting the provider's update would only write into the state (the running container
# keeping the old one) replaces the container instead. So does `mustRun`: a refresh that finds the
# container exited records `mustRun: false` (TF _funcs.go:815-824), and the provider's update would
# only `docker start` it, which fails for a container whose overlay attachment is gone
# (moby/moby#32607); a new container gets a fresh one.
REPLACE_ON_CHANGES = sorted({*DOCKER_CONTAINER.recorded_by_update, "mustRun"})


def container_from_spec(
    spec: ContainerSpec,
    *,
    image: pulumi.Input[str],
    provider: docker.Provider,
    parent: pulumi.Resource,
    wait_timeout: int,
    network: pulumi.Input[str] | None = None,
    secrets: Mapping[Secret, pulumi.Output[str]] | None = None,
    depends_on: Sequence[pulumi.Resource] = (),
    existing_volumes: Mapping[str, docker.Volume] | None = None,
    machine_labels: Mapping[str, pulumi.Input[str]] | None = None,
    engine_api: pulumi.Input[str] | None = None,
) -> docker.Container:
    """`secrets`: the values of the spec's secret files (base64 for keys, text for passwords).
    `existing_volumes`: volumes of the spec that the caller already made (by volume name).
    `machine_labels`: the identity of the host it runs on (components/machines.py).
    `wait_timeout`: seconds the provider waits for a health-checked container to become healthy.
    `engine_api`: the host engine's API version, when known (render/containers.healthcheck_inputs)."""
    existing_volumes = existing_volumes or {}
    secrets = secrets or {}
    labels = {**spec.labels, **(machine_labels or {})}
    opts = pulumi.ResourceOptions(parent=parent, provider=provider)
    volumes = []
    for mount in spec.mounts:
        volume = existing_volumes.get(mount.volume) or docker.Volume(
            mount.volume, name=mount.volume,
            labels=[docker.VolumeLabelArgs(label=k, value=v) for k, v in labels.items()],
            # a named volume cannot exist twice: the old one goes first. A retained one stays on its
            # host when its resource goes; making it again finds it (Docker's volume create returns
            # the volume of that name, data and all)
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
                delete_before_replace=True, retain_on_delete=mount.retained or None)))
        volumes.append(docker.ContainerVolumeArgs(volume_name=volume.name, container_path=mount.path,
                                                  read_only=True if mount.read_only else None))
    volumes += [docker.ContainerVolumeArgs(host_path=bind.host_path, container_path=bind.path,
                                           read_only=True if bind.read_only else None) for bind in spec.binds]
    uploads = [docker.ContainerUploadArgs(file=u.path, content=u.content, permissions=u.mode) for u in spec.uploads]
    for upload in spec.secrets:
        if upload.secret not in secrets:
            raise ValueError(f"container {spec.name} needs the {upload.secret}")
        value = secrets[upload.secret]
        content = {"content": value} if upload.secret.is_text else {"content_base64": value}
        uploads.append(docker.ContainerUploadArgs(file=upload.path, permissions=upload.mode, owner=str(upload.owner),
                                                  group=str(upload.group), **content))
    check = None
    if spec.healthcheck is not None:
        healthcheck = spec.healthcheck
        check = pulumi.Output.from_input(engine_api).apply(lambda version: docker.ContainerHealthcheckArgs(
            **healthcheck_inputs(healthcheck, version)))
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
        healthcheck=check,
        wait=check is not None,
        wait_timeout=wait_timeout if check else None,
        security_opts=["no-new-privileges"] if spec.no_new_privileges else None,
        restart="unless-stopped",
        destroy_grace_seconds=spec.stop_grace_seconds,
        labels=[docker.ContainerLabelArgs(label=k, value=v) for k, v in labels.items()],
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
            delete_before_replace=True,
            replace_on_changes=REPLACE_ON_CHANGES,
            depends_on=list(depends_on),
        )),
    )
