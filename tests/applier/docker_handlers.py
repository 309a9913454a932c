"""pulumi-docker resources through the Docker Engine API (docker-py), with the provider's semantics:
which changes replace, what update applies, how create waits."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import tarfile
import time
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.types

from tests.applier.errors import ApplyError, Unsupported
from tests.applier.handler import Context, Handler
from tests.applier.state import ResourceRecord


def _duration_ns(text: str | None) -> int | None:
    if not text:
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
    if not match:
        raise Unsupported(f"duration '{text}'")
    factor = {"ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}[match.group(2)]
    return int(float(match.group(1)) * factor)


def _client(ctx: Context, record: ResourceRecord) -> docker.DockerClient:
    return ctx.docker.client(ctx.provider_inputs(record))


class DockerProvider(Handler):
    type = "pulumi:providers:docker"
    inputs = frozenset({"host", "sshOpts", "version"})

    replace_on = frozenset()  # a provider's new settings apply to the next operations; nothing to redo

    def create(self, ctx: Context, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        return f"{record.name}-provider", dict(record.inputs)

    def update(self, ctx: Context, old: ResourceRecord, new: ResourceRecord, changed: set[str]) -> dict[str, Any]:
        return dict(new.inputs)

    def delete(self, ctx: Context, record: ResourceRecord) -> None:
        return None


def context_digest(context: Path) -> str:
    """The build context's content, so that a changed Dockerfile or file rebuilds the image."""
    digest = hashlib.sha256()
    for path in sorted(p for p in context.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(context)).encode())
        digest.update(oct(path.stat().st_mode & 0o777).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class DockerImage(Handler):
    type = "docker:index/image:Image"
    inputs = frozenset({"imageName", "build", "skipPush", "buildOnPreview"})
    build_keys = frozenset({"context", "dockerfile", "builderVersion", "args", "target"})

    def check(self, record: ResourceRecord) -> None:
        super().check(record)
        build = record.inputs.get("build") or {}
        extra = set(build) - self.build_keys
        if extra:
            raise Unsupported(f"docker Image '{record.name}': build input(s) {sorted(extra)}")
        if record.inputs.get("skipPush") is not True:
            raise Unsupported(f"docker Image '{record.name}': pushing to a registry")
        if build.get("builderVersion") != "BuilderV1":
            raise Unsupported(f"docker Image '{record.name}': builder {build.get('builderVersion')}")

    def diff_inputs(self, ctx: Context, record: ResourceRecord) -> dict[str, Any]:
        context = Path(ctx.project_dir) / record.inputs["build"]["context"]
        return {**record.inputs, "contextDigest": context_digest(context)}

    def replaces(self, changed: set[str]) -> bool:
        return "imageName" in changed  # a changed context or build rebuilds in place, like the provider

    def create(self, ctx: Context, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        build = record.inputs["build"]
        context = Path(ctx.project_dir) / build["context"]
        dockerfile = Path(ctx.project_dir) / build["dockerfile"]
        client = _client(ctx, record)
        try:
            image, _ = client.images.build(path=str(context), dockerfile=str(dockerfile.relative_to(context)),
                                           tag=record.inputs["imageName"], buildargs=build.get("args") or None,
                                           target=build.get("target"), rm=True, forcerm=True, pull=False)
        except docker.errors.BuildError as exc:
            tail = "".join(str(line.get("stream", line.get("error", ""))) for line in list(exc.build_log)[-15:])
            raise ApplyError(f"building {record.inputs['imageName']} failed: {exc.msg}\n{tail}") from exc
        outputs = {**record.inputs, "repoDigest": image.id}
        return record.inputs["imageName"], outputs

    def update(self, ctx: Context, old: ResourceRecord, new: ResourceRecord, changed: set[str]) -> dict[str, Any]:
        return self.create(ctx, new)[1]

    def delete(self, ctx: Context, record: ResourceRecord) -> None:
        return None  # like the provider: destroying an Image leaves the local image and tag


class DockerRemoteImage(Handler):
    type = "docker:index/remoteImage:RemoteImage"
    inputs = frozenset({"name", "keepLocally"})

    def create(self, ctx: Context, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        image = _client(ctx, record).images.pull(record.inputs["name"])
        return image.id, {**record.inputs, "imageId": image.id, "repoDigest": (image.attrs.get("RepoDigests")
                                                                               or [""])[0]}

    def delete(self, ctx: Context, record: ResourceRecord) -> None:
        if not record.inputs.get("keepLocally"):
            _client(ctx, record).images.remove(record.outputs["imageId"])


class DockerNetwork(Handler):
    type = "docker:index/network:Network"
    inputs = frozenset({"name", "driver", "attachable", "ipamConfigs", "labels", "options", "internal"})

    def create(self, ctx: Context, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        inputs = record.inputs
        for ipam in inputs.get("ipamConfigs") or []:
            if set(ipam) - {"subnet", "gateway", "ipRange"}:
                raise Unsupported(f"network '{record.name}': ipam input(s) {sorted(set(ipam))}")
        pools = [docker.types.IPAMPool(subnet=c.get("subnet"), gateway=c.get("gateway"), iprange=c.get("ipRange"))
                 for c in inputs.get("ipamConfigs") or []]
        network = _client(ctx, record).networks.create(
            inputs["name"], driver=inputs.get("driver", "bridge"), attachable=inputs.get("attachable"),
            internal=bool(inputs.get("internal", False)), options=inputs.get("options") or None,
            ipam=docker.types.IPAMConfig(pool_configs=pools) if pools else None,
            labels={lab["label"]: lab["value"] for lab in inputs.get("labels") or []} or None,
        )
        return network.id, {**inputs, "id": network.id}

    def delete(self, ctx: Context, record: ResourceRecord) -> None:
        client = _client(ctx, record)
        for attempt in range(20):
            try:
                client.networks.get(record.id).remove()
                return
            except docker.errors.NotFound:
                return
            except docker.errors.APIError as exc:
                if "active endpoints" not in str(exc) or attempt == 19:
                    raise
                time.sleep(1)


class DockerVolume(Handler):
    type = "docker:index/volume:Volume"
    inputs = frozenset({"name", "labels"})

    def create(self, ctx: Context, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        labels = {lab["label"]: lab["value"] for lab in record.inputs.get("labels") or []}
        volume = _client(ctx, record).volumes.create(name=record.inputs["name"], labels=labels or None)
        return volume.name, {**record.inputs, "mountpoint": volume.attrs.get("Mountpoint", "")}

    def delete(self, ctx: Context, record: ResourceRecord) -> None:
        try:
            _client(ctx, record).volumes.get(record.id).remove(force=True)
        except docker.errors.NotFound:
            return


CONTAINER_INPUTS = frozenset({
    "name", "hostname", "image", "command", "envs", "ports", "volumes", "uploads", "networksAdvanced", "healthcheck",
    "wait", "waitTimeout", "restart", "labels", "capabilities", "securityOpts", "deviceCgroupRules",
    "destroyGraceSeconds",
})
# What the provider changes on a running container without replacing it (or only records).
CONTAINER_UPDATABLE = frozenset({"restart", "wait", "waitTimeout", "destroyGraceSeconds"})


class DockerContainer(Handler):
    type = "docker:index/container:Container"
    inputs = CONTAINER_INPUTS
    replace_on = CONTAINER_INPUTS - CONTAINER_UPDATABLE

    def create(self, ctx: Context, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        inputs = record.inputs
        client = _client(ctx, record)
        api = client.api
        networks = inputs.get("networksAdvanced") or []
        if len(networks) > 1:
            raise Unsupported(f"container '{record.name}': more than one network")
        for net in networks:
            if set(net) - {"name", "aliases", "ipv4Address"}:
                raise Unsupported(f"container '{record.name}': network input(s) {sorted(net)}")
        ports = inputs.get("ports") or []
        for p in ports:
            if set(p) - {"internal", "external"}:
                raise Unsupported(f"container '{record.name}': port input(s) {sorted(p)}")
        binds = []
        for v in inputs.get("volumes") or []:
            if set(v) - {"volumeName", "containerPath", "readOnly"}:
                raise Unsupported(f"container '{record.name}': volume input(s) {sorted(v)}")
            binds.append(f"{v['volumeName']}:{v['containerPath']}{':ro' if v.get('readOnly') else ''}")
        caps = inputs.get("capabilities") or {}
        host_config = api.create_host_config(
            binds=binds or None,
            port_bindings={f"{int(p['internal'])}/tcp": int(p["external"]) for p in ports} or None,
            restart_policy={"Name": inputs["restart"]} if inputs.get("restart") else None,
            cap_add=caps.get("adds"), cap_drop=caps.get("drops"),
            security_opt=inputs.get("securityOpts"),
            device_cgroup_rules=inputs.get("deviceCgroupRules"),
            network_mode=networks[0]["name"] if networks else None,
        )
        networking = None
        if networks:
            net = networks[0]
            networking = api.create_networking_config({net["name"]: api.create_endpoint_config(
                aliases=net.get("aliases"), ipv4_address=net.get("ipv4Address"))})
        check = inputs.get("healthcheck")
        if check and set(check) - {"tests", "interval", "timeout", "retries", "startPeriod"}:
            raise Unsupported(f"container '{record.name}': healthcheck input(s) {sorted(check)}")
        healthcheck = {
            "test": check["tests"], "interval": _duration_ns(check.get("interval")),
            "timeout": _duration_ns(check.get("timeout")), "retries": int(check.get("retries", 0)),
            "start_period": _duration_ns(check.get("startPeriod")),
        } if check else None
        try:
            created = api.create_container(
                inputs["image"], command=inputs.get("command"), hostname=inputs.get("hostname"), name=inputs["name"],
                environment=inputs.get("envs"),
                labels={lab["label"]: lab["value"] for lab in inputs.get("labels") or []},
                ports=[int(p["internal"]) for p in ports] or None, host_config=host_config,
                networking_config=networking, healthcheck=healthcheck,
            )
        except docker.errors.APIError as exc:
            raise ApplyError(f"creating container {inputs['name']}: {exc.explanation or exc}") from exc
        cid = created["Id"]
        if inputs.get("uploads"):
            api.put_archive(cid, "/", _upload_tar(record))
        api.start(cid)
        if inputs.get("wait"):
            self._wait_healthy(client, cid, inputs["name"], float(inputs.get("waitTimeout", 60)))
        return cid, {**inputs, "id": cid}

    @staticmethod
    def _wait_healthy(client: docker.DockerClient, cid: str, name: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        state: dict[str, Any] = {}
        while time.monotonic() < deadline:
            state = client.api.inspect_container(cid)["State"]
            health = (state.get("Health") or {}).get("Status")
            if health == "healthy":
                return
            if not state.get("Running") or health == "unhealthy":
                break
            time.sleep(1)
        logs = client.api.logs(cid, tail=20).decode(errors="replace")
        probes = [p.get("Output", "").strip() for p in (state.get("Health") or {}).get("Log") or []][-2:]
        raise ApplyError(f"container {name} is not healthy (state {state.get('Status')}, health "
                         f"{(state.get('Health') or {}).get('Status')}); last checks: {probes}\n{logs}")

    def update(self, ctx: Context, old: ResourceRecord, new: ResourceRecord, changed: set[str]) -> dict[str, Any]:
        if "restart" in changed:
            _client(ctx, new).api.update_container(old.id, restart_policy={"Name": new.inputs.get("restart") or "no"})
        return {**new.inputs, "id": old.id}

    def delete(self, ctx: Context, record: ResourceRecord) -> None:
        """As the provider does: stop (SIGTERM, then kill) only with destroyGraceSeconds, else kill."""
        api = _client(ctx, record).api
        grace = int(record.inputs.get("destroyGraceSeconds") or 0)
        try:
            if grace > 0:
                api.stop(record.id, timeout=grace)
            api.remove_container(record.id, v=True, force=True)
        except docker.errors.NotFound:
            return


def _upload_tar(record: ResourceRecord) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for upload in record.inputs["uploads"]:
            unknown = set(upload) - {"file", "content", "contentBase64", "permissions", "owner", "group"}
            if unknown:
                raise Unsupported(f"container '{record.name}': upload input(s) {sorted(unknown)}")
            if "contentBase64" in upload:
                data = base64.b64decode(upload["contentBase64"])
            else:
                data = str(upload["content"]).encode()
            info = tarfile.TarInfo(upload["file"].lstrip("/"))
            info.size = len(data)
            info.mode = int(upload.get("permissions", "0644"), 8)
            info.uid = int(upload.get("owner") or 0)
            info.gid = int(upload.get("group") or 0)
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()

