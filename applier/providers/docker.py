"""pulumi-docker's resources through the Docker Engine API, as the provider performs them.

Bridged resources (container, volume, network, remote image) follow kreuzwerker/terraform-provider-
docker v4.5.0 (TF = internal/provider/ at commit 5074970c; line numbers at that commit); the
native Image follows pulumi/pulumi-docker provider/ (PD). Their update-or-replace rules are
`components.provider_rules`, which the components read too.

What the state holds is what the provider's Read wrote at the end of Create (TF _funcs.go:673):
for a container, `docker inspect` turned into attributes the way Read does it (TF _funcs.go:750-989),
durations in Go's form among them; fields Read never sets (env, labels, volumes, uploads,
networks_advanced) keep the inputs. pulumi-docker 5.2.0 has two container inputs that v4.5.0 lacks
(device_cgroup_rules, upload owner/group); the applier takes them as ForceNew, not read back, and
(owner/group) as the numeric owner of the uploaded file, as the SDK documents them: not confirmed
from source.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
import time
import uuid
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.types

from applier.errors import ApplyError, InitError, Unsupported
from applier.providers import bridged
from applier.providers.base import Context, Diff, Provider
from applier.providers.bridged import Attr
from applier.state import Resource
from components.provider_rules import (
    DOCKER_CONTAINER,
    DOCKER_IMAGE,
    DOCKER_NETWORK,
    DOCKER_REMOTE_IMAGE,
    DOCKER_VOLUME,
    ProviderRules,
)
from model.config import local_platform
from render.durations import go_duration, parse_go_duration


def _client(ctx: Context, resource: Resource) -> docker.DockerClient:
    return ctx.docker.client(ctx.provider_inputs(resource))


def _labels(items: list[dict[str, str]] | None) -> dict[str, str]:
    return {item["label"]: item["value"] for item in items or []}


def _label_set(labels: dict[str, str] | None) -> list[dict[str, str]]:
    """TF helpers.go mapToLabelSet."""
    return [{"label": k, "value": v} for k, v in sorted((labels or {}).items())]


def duration_ns(text: str | None) -> int:
    try:
        return parse_go_duration(text or "0s")
    except ValueError as exc:
        raise ApplyError(str(exc)) from exc


def _ignorable(exc: Exception, *messages: str) -> bool:
    """TF helpers.go containsIgnorableErrorMessage: a case-insensitive substring match."""
    return any(m.lower() in str(exc).lower() for m in messages)


def _retry(action: Any, pending: str, what: str) -> None:
    """The SDK's StateChangeConf as TF uses it for volume and network deletes: a first try after
    2 s, again every 5 s while the engine says `pending`, giving up after 30 s (TF
    resource_docker_volume.go:23-25, resource_docker_network_funcs.go:16-22)."""
    time.sleep(2)
    deadline = time.monotonic() + 30
    while True:
        try:
            action()
            return
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as exc:
            if not _ignorable(exc, pending) or time.monotonic() > deadline:
                if _ignorable(exc, pending):
                    raise ApplyError(f"timeout while waiting for state to become 'removed' ({what}: {exc})") from exc
                raise
        time.sleep(5)


# ---- the provider resource ------------------------------------------------------------------------

class DockerProvider(Provider):
    """`pulumi:providers:docker`: DiffConfig never replaces (components.provider_rules.DOCKER_PROVIDER)."""

    type = "pulumi:providers:docker"

    def diff(self, old: Resource, inputs: dict[str, Any]) -> Diff:
        return Diff(changes=old.inputs != inputs)

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        return str(uuid.uuid4()), dict(new.inputs)

    def update(self, ctx: Context, old: Resource, new: Resource, diff: Diff) -> dict[str, Any]:
        return dict(new.inputs)

    def delete(self, ctx: Context, old: Resource) -> None:
        return None


# ---- bridged resources ---------------------------------------------------------------------------

class Bridged(Provider):
    """Check and Diff as the bridge does them (applier/providers/bridged.py), by `schema` and `rules`."""

    schema: dict[str, Attr]
    rules: ProviderRules
    auto_named = True  # `name` is auto-named in Pulumi (PD resources.go:404 SetAutonaming)

    def check(self, ctx: Context, resource: Resource, olds: dict[str, Any] | None) -> dict[str, Any]:
        return bridged.fill_defaults(self.schema, resource.inputs, f"{resource.type} '{resource.name}'")

    def diff(self, old: Resource, inputs: dict[str, Any]) -> Diff:
        # BR provider.go:1275-1276: delete-first when the resource says so, or when an auto-named
        # `name` is given explicitly (BR schema.go:195-246)
        delete_first = self.rules.delete_before_replace or (self.auto_named and "name" in inputs)
        return bridged.diff(self.schema, self.rules, old.outputs, inputs, delete_first)


# ---- docker_container -----------------------------------------------------------------------------

def _ports_unchanged(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> bool:
    """TF resource_docker_container.go:1192-1247 suppressIfPortsDidNotChangeForMigrationV0ToV1: the
    same ports, matched by internal port, in any order."""
    if len(old) != len(new):
        return False
    by_internal = {int(p["internal"]): p for p in new}
    for port in old:
        match = by_internal.get(int(port["internal"]))
        if match is None or any(str(match.get(k) or "") != str(port.get(k) or "")
                                for k in ("protocol", "external", "ip")):
            return False
    return True


_LABEL = {"label": Attr("str"), "value": Attr("str")}

# TF resource_docker_container.go (line numbers in the comments); Pulumi names.
CONTAINER_SCHEMA: dict[str, Attr] = {
    "name": Attr("str"),  # 50
    "hostname": Attr("str", computed=True),  # 148
    "image": Attr("str"),  # 141
    "command": Attr("list", computed=True),  # 163
    "entrypoints": Attr("list", computed=True),  # 172
    "envs": Attr("set", computed=True),  # 590
    "labels": Attr("set_block", computed=True, block=_LABEL),  # 833
    "ports": Attr("list_block", suppress=_ports_unchanged, block={  # 487-535
        "internal": Attr("int"), "external": Attr("int", computed=True),
        "ip": Attr("str", default="0.0.0.0"), "protocol": Attr("str", default="tcp")}),
    "volumes": Attr("set_block", block={  # 434-481
        "volumeName": Attr("str"), "containerPath": Attr("str"), "readOnly": Attr("bool"),
        "hostPath": Attr("str"), "fromContainer": Attr("str")}),
    "uploads": Attr("set_block", block={  # 987-1043
        "file": Attr("str"), "content": Attr("str"), "contentBase64": Attr("str"), "executable": Attr("bool"),
        "permissions": Attr("str"), "owner": Attr("str"), "group": Attr("str"), "source": Attr("str"),
        "sourceHash": Attr("str")}),
    "networksAdvanced": Attr("set_block", block={  # 909-972
        "name": Attr("str"), "aliases": Attr("set"), "ipv4Address": Attr("str"), "ipv6Address": Attr("str")}),
    "networkMode": Attr("str", default="bridge"),  # 901
    "healthcheck": Attr("block", computed=True, block={  # 1045-1096: not ForceNew
        "tests": Attr("list"), "interval": Attr("str", default="0s"), "timeout": Attr("str", default="0s"),
        "startPeriod": Attr("str", default="0s"), "startInterval": Attr("str", default="0s"),
        "retries": Attr("int")}),
    "capabilities": Attr("block", block={"adds": Attr("set"), "drops": Attr("set")}),  # 262
    "securityOpts": Attr("set", computed=True),  # 291
    "deviceCgroupRules": Attr("set"),  # not in v4.5.0 (see the module's docstring)
    "init": Attr("bool", computed=True),  # 1126
    "tmpfs": Attr("map"),  # 482
    "privileged": Attr("bool"),  # 656
    "sysctls": Attr("map"),  # 1105
    "restart": Attr("str", default="no"),  # 230
    "mustRun": Attr("bool", default=True),  # 122
    "wait": Attr("bool"),  # 79
    "waitTimeout": Attr("int", default=60),  # 86
    "start": Attr("bool", default=True),  # 72
    "removeVolumes": Attr("bool", default=True),  # 256
    "destroyGraceSeconds": Attr("int"),  # 827
    "rm": Attr("bool"),  # 57
    "logDriver": Attr("str", computed=True),  # 886
    "ipcMode": Attr("str", computed=True),  # 1111
    "groupAdds": Attr("set"),  # 1118
    "dns": Attr("set"),  # 196
}
CONTAINER_INPUTS = frozenset({
    "name", "hostname", "image", "command", "envs", "labels", "ports", "volumes", "uploads", "networksAdvanced",
    "healthcheck", "capabilities", "securityOpts", "deviceCgroupRules", "restart", "wait", "waitTimeout",
    "destroyGraceSeconds",
})  # what the applier performs; anything else the program sets stops it


def read_container(inspect: dict[str, Any], configured: dict[str, Any]) -> dict[str, Any]:
    """TF _funcs.go:750-989 resourceDockerContainerRead: the attributes Read writes from inspect."""
    config, host, state = inspect["Config"], inspect["HostConfig"], inspect["State"]
    out: dict[str, Any] = {
        "id": inspect["Id"],
        "name": inspect["Name"].lstrip("/"),  # 828
        # 840-845: the image ID when the configuration names one by ID, else the configured name
        "image": inspect["Image"] if str(configured.get("image", "")).startswith("sha256:") else config["Image"],
        "hostname": config.get("Hostname"),
        "command": config.get("Cmd") or [],
        "entrypoints": config.get("Entrypoint") or [],
        "restart": (host.get("RestartPolicy") or {}).get("Name", ""),  # 852-858
        "init": bool(host.get("Init")),  # 864-868
        "securityOpts": host.get("SecurityOpt") or [],
        "privileged": bool(host.get("Privileged")),
        "sysctls": host.get("Sysctls") or {},
        "tmpfs": host.get("Tmpfs") or {},
        "rm": bool(host.get("AutoRemove")),
        "networkMode": host.get("NetworkMode", ""),  # 953-958
        "logDriver": (host.get("LogConfig") or {}).get("Type", ""),
        "ipcMode": host.get("IpcMode", ""),
        "groupAdds": host.get("GroupAdd") or [],
        "dns": host.get("Dns") or [],
        "mustRun": configured.get("mustRun", True),
    }
    if host.get("CapAdd") or host.get("CapDrop"):  # 870-878, only when either is set
        out["capabilities"] = {"adds": host.get("CapAdd") or [], "drops": host.get("CapDrop") or []}
    # 800-806: ports only while running (or must_run), and only when configured; one entry per
    # binding Docker reports, its IP verbatim, sorted by port (structures.go:35-59)
    bindings = inspect["NetworkSettings"].get("Ports") or {}
    if configured.get("ports") is not None and (state.get("Running") or configured.get("mustRun", True)):
        out["ports"] = [{"internal": int(key.split("/")[0]), "external": int(binding["HostPort"]),
                         "ip": binding["HostIp"], "protocol": key.split("/")[1]}
                        for key in sorted(bindings, key=lambda k: int(k.split("/")[0]))
                        for binding in bindings[key] or []]
    check = config.get("Healthcheck")
    if check is not None:  # 960-971: Go's Duration.String()
        out["healthcheck"] = {
            "tests": check.get("Test") or [], "retries": check.get("Retries") or 0,
            **{name: go_duration(check.get(field) or 0) for name, field in (
                ("interval", "Interval"), ("timeout", "Timeout"), ("startPeriod", "StartPeriod"),
                ("startInterval", "StartInterval"))},
        }
    if not state.get("Running"):  # 815-824: a stopped container stays, with must_run false
        out["exitCode"] = state.get("ExitCode")
        out["mustRun"] = False
    return out


class DockerContainer(Bridged):
    type = "docker:index/container:Container"
    schema = CONTAINER_SCHEMA
    rules = DOCKER_CONTAINER

    def check(self, ctx: Context, resource: Resource, olds: dict[str, Any] | None) -> dict[str, Any]:
        extra = set(resource.inputs) - CONTAINER_INPUTS
        if extra:
            raise Unsupported(f"container '{resource.name}': input(s) {sorted(extra)} are not implemented")
        inputs = super().check(ctx, resource, olds)
        for upload in inputs.get("uploads") or []:
            if upload.get("permissions") and not re.fullmatch(r"0[0-7]{3}", upload["permissions"]):
                raise ApplyError(f"uploads: permissions '{upload['permissions']}' is not ^0[0-7]{{3}}$")
        return inputs

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        """TF _funcs.go:43-674."""
        inputs = new.inputs
        client = _client(ctx, new)
        api = client.api
        try:
            client.images.get(inputs["image"])  # findImage: a local image, else a pull (image_funcs.go:343-378)
        except docker.errors.ImageNotFound as exc:
            raise ApplyError(f"Unable to create container with image {inputs['image']}: not on the host, and "
                             "the applier pulls nothing") from exc
        ports = inputs.get("ports") or []
        caps = inputs.get("capabilities") or {}
        check = inputs.get("healthcheck")
        host_config = api.create_host_config(
            binds=_binds(inputs.get("volumes") or []) or None,
            port_bindings={f"{p['internal']}/{p['protocol']}": (p["ip"], p.get("external") or None) for p in ports}
            or None,
            restart_policy={"Name": inputs["restart"]},
            cap_add=caps.get("adds"), cap_drop=caps.get("drops"),
            security_opt=inputs.get("securityOpts"), device_cgroup_rules=inputs.get("deviceCgroupRules"),
            network_mode=inputs["networkMode"], init=bool(inputs.get("init")),  # 391-399, 447-448
        )
        healthcheck = {
            "test": check.get("tests"), "interval": duration_ns(check["interval"]),
            "timeout": duration_ns(check["timeout"]), "start_period": duration_ns(check["startPeriod"]),
            "retries": int(check.get("retries") or 0),
        } if check else None
        try:
            config = api.create_container_config(
                inputs["image"], command=inputs.get("command"), hostname=inputs.get("hostname"),
                environment=inputs.get("envs"), labels=_labels(inputs.get("labels")),
                ports=[(int(p["internal"]), p["protocol"]) for p in ports] or None,
                host_config=host_config, healthcheck=healthcheck,
            )
            if check and duration_ns(check.get("startInterval")):  # 156-158 (docker-py has no such argument)
                config["Healthcheck"]["StartInterval"] = duration_ns(check["startInterval"])
            created = api.create_container_from_config(config, inputs["name"])
        except docker.errors.APIError as exc:
            raise ApplyError(f"Unable to create container: {exc.explanation or exc}") from exc
        cid = created["Id"]  # 460: the ID is set here; any later failure is an initialisation error
        try:
            self._initialise(api, cid, inputs)
        except Exception as exc:
            raise InitError(f"container {inputs['name']}: {exc}", cid, self._state(api, cid, inputs)) from exc
        return cid, self._state(api, cid, inputs)

    def _initialise(self, api: Any, cid: str, inputs: dict[str, Any]) -> None:
        for network in inputs.get("networksAdvanced") or []:  # 463-503
            try:
                api.disconnect_container_from_network(cid, "bridge")
            except docker.errors.APIError as exc:
                if not _ignorable(exc, "is not connected to the network bridge", "is not connected to network bridge"):
                    raise
            api.connect_container_to_network(cid, network["name"], aliases=network.get("aliases") or None,
                                             ipv4_address=network.get("ipv4Address") or None)
        for upload in inputs.get("uploads") or []:  # 505-582: one single-file archive each
            api.put_archive(cid, "/", _upload_tar(upload))
        if inputs.get("start", True):
            api.start(cid)  # 584-588
            if inputs.get("wait"):
                _wait_healthy(api, cid, int(inputs.get("waitTimeout", 60)))

    @staticmethod
    def _state(api: Any, cid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {**inputs, **read_container(api.inspect_container(cid), inputs)}

    def read(self, ctx: Context, old: Resource) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        """TF _funcs.go:750-773: a container that no longer exists is gone from the state."""
        try:
            inspect = _client(ctx, old).api.inspect_container(old.id)
        except docker.errors.NotFound:
            return "", {}, None
        return old.id, {**old.outputs, **read_container(inspect, old.inputs)}, None

    def update(self, ctx: Context, old: Resource, new: Resource, diff: Diff) -> dict[str, Any]:
        """TF _funcs.go:991-1077: start it if must_run became true; one ContainerUpdate for the
        restart policy and resources; everything else is only written into the state. No Read."""
        api = _client(ctx, new).api
        changed = {key.split(".")[0].split("[")[0] for key in diff.detailed}
        if "mustRun" in changed and new.inputs.get("mustRun", True) and new.inputs.get("start", True):
            api.start(old.id)
        if changed & (self.rules.applied_by_update - {"mustRun"}):
            api.update_container(old.id, restart_policy={"Name": new.inputs.get("restart") or "no"})
        return {**old.outputs, **new.inputs, "id": old.id}

    def delete(self, ctx: Context, old: Resource) -> None:
        """TF _funcs.go:1079-1131: stop with destroy_grace_seconds (0: kill at once), force-remove,
        wait until it is not running; a container already gone is no error."""
        api = _client(ctx, old).api
        grace = int(old.outputs.get("destroyGraceSeconds") or old.inputs.get("destroyGraceSeconds") or 0)
        try:
            api.stop(old.id, timeout=grace)
            api.remove_container(old.id, v=bool(old.inputs.get("removeVolumes", True)), force=True)
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as exc:
            if not _ignorable(exc, "No such container", "is already in progress"):
                raise ApplyError(f"Error deleting container {old.id}: {exc}") from exc


def _wait_healthy(api: Any, cid: str, timeout: int) -> None:
    """TF _funcs.go:590-628: poll every second until healthy; nothing but `healthy` ends the wait
    early, not `unhealthy` and not an exited container; at wait_timeout the create fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = api.inspect_container(cid)["State"].get("Health")
        if health is None:
            raise ApplyError("you have supplied a 'wait' argument, but the container does not have a healthcheck "
                             "defined")
        if health.get("Status") == "healthy":
            return
        time.sleep(1)
    state = api.inspect_container(cid)["State"]
    probes = [p.get("Output", "").strip() for p in (state.get("Health") or {}).get("Log") or []][-2:]
    logs = api.logs(cid, tail=20).decode(errors="replace")
    raise ApplyError(f"container failed to be in healthy state (test applier diagnostics: state "
                     f"{state.get('Status')}, health {(state.get('Health') or {}).get('Status')}, last checks "
                     f"{probes}, logs:\n{logs})")


def _upload_tar(upload: dict[str, Any]) -> bytes:
    if sum(1 for k in ("content", "contentBase64", "source") if upload.get(k)) != 1:
        raise ApplyError(f"upload {upload['file']}: exactly one of content, content_base64 or source must be set")
    if upload.get("source"):
        raise Unsupported(f"upload {upload['file']} from a source file")
    data = base64.b64decode(upload["contentBase64"]) if upload.get("contentBase64") else str(upload["content"]).encode()
    info = tarfile.TarInfo(upload["file"].lstrip("/"))
    info.size = len(data)
    default_mode = 0o744 if upload.get("executable") else 0o644
    info.mode = int(upload["permissions"], 8) if upload.get("permissions") else default_mode
    info.uid = int(upload.get("owner") or 0)
    info.gid = int(upload.get("group") or 0)
    info.mtime = int(time.time())
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _binds(volumes: list[dict[str, Any]]) -> list[str]:
    """HostConfig.Binds as TF writes them (resource_docker_container_structures.go:289-330,
    volumeSetToDockerVolumes): a host path wins over a volume name; the mode is always spelled out."""
    binds = []
    for volume in volumes:
        if volume.get("fromContainer"):
            raise Unsupported("volumes from another container")
        source = volume.get("hostPath") or volume.get("volumeName")
        if source:
            binds.append(f"{source}:{volume['containerPath']}:{'ro' if volume.get('readOnly') else 'rw'}")
    return binds


# ---- docker_volume --------------------------------------------------------------------------------

VOLUME_SCHEMA: dict[str, Attr] = {  # TF resource_docker_volume.go:40-152
    "name": Attr("str", computed=True),
    "labels": Attr("set_block", block=_LABEL),
    "driver": Attr("str", computed=True),
    "driverOpts": Attr("map"),
}


class DockerVolume(Bridged):
    type = "docker:index/volume:Volume"
    schema = VOLUME_SCHEMA
    rules = DOCKER_VOLUME

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        volume = _client(ctx, new).volumes.create(name=new.inputs.get("name"), driver=new.inputs.get("driver"),
                                                  driver_opts=new.inputs.get("driverOpts"),
                                                  labels=_labels(new.inputs.get("labels")) or None)
        return volume.name, {**new.inputs, **self._read(volume.attrs)}

    @staticmethod
    def _read(attrs: dict[str, Any]) -> dict[str, Any]:
        """TF resource_docker_volume.go:288-360."""
        return {"name": attrs["Name"], "labels": _label_set(attrs.get("Labels")), "driver": attrs.get("Driver"),
                "driverOpts": attrs.get("Options") or {}, "mountpoint": attrs.get("Mountpoint")}

    def read(self, ctx: Context, old: Resource) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        try:
            attrs = _client(ctx, old).api.inspect_volume(old.id)
        except docker.errors.NotFound:
            return "", {}, None
        return old.id, {**old.outputs, **self._read(attrs)}, None

    def delete(self, ctx: Context, old: Resource) -> None:
        """TF resource_docker_volume.go:362-445: force-remove, again while it is in use."""
        api = _client(ctx, old).api
        _retry(lambda: api.remove_volume(old.id, force=True), "volume is in use", f"volume {old.id}")


# ---- docker_network -------------------------------------------------------------------------------

NETWORK_SCHEMA: dict[str, Attr] = {  # TF resource_docker_network.go:24-144: no Update, all ForceNew
    "name": Attr("str", computed=True),
    "labels": Attr("set_block", block=_LABEL),
    "driver": Attr("str", computed=True),
    "options": Attr("map", computed=True),
    "internal": Attr("bool", computed=True),
    "attachable": Attr("bool"),
    "ingress": Attr("bool"),
    "ipv6": Attr("bool"),
    "ipamDriver": Attr("str", default="default"),
    "ipamConfigs": Attr("set_block", computed=True, block={
        "subnet": Attr("str"), "ipRange": Attr("str"), "gateway": Attr("str"), "auxAddress": Attr("map")}),
}


class DockerNetwork(Bridged):
    type = "docker:index/network:Network"
    schema = NETWORK_SCHEMA
    rules = DOCKER_NETWORK

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        """TF resource_docker_network_funcs.go:26-82, then Read."""
        inputs = new.inputs
        pools = [docker.types.IPAMPool(subnet=c.get("subnet"), gateway=c.get("gateway"), iprange=c.get("ipRange"),
                                       aux_addresses=c.get("auxAddress")) for c in inputs.get("ipamConfigs") or []]
        client = _client(ctx, new)
        network = client.networks.create(
            inputs["name"], driver=inputs.get("driver"), options=inputs.get("options") or None,
            internal=bool(inputs.get("internal")), attachable=bool(inputs.get("attachable")) or None,
            ingress=bool(inputs.get("ingress")) or None, enable_ipv6=bool(inputs.get("ipv6")) or None,
            labels=_labels(inputs.get("labels")) or None,
            ipam=docker.types.IPAMConfig(driver=inputs["ipamDriver"], pool_configs=pools),
        )
        return network.id, {**inputs, **self._read(client.api, network.id)}

    @staticmethod
    def _read(api: Any, network_id: str) -> dict[str, Any]:
        """TF resource_docker_network_funcs.go:84-108, 160-203: Read waits 2 s first (StateChangeConf
        Delay), then writes the network as the engine reports it; IPAM config entries keep their
        non-empty fields (network_structures.go:11-39), the engine's gateway among them."""
        time.sleep(2)
        attrs = api.inspect_network(network_id)
        ipam = attrs.get("IPAM") or {}
        fields = (("subnet", "Subnet"), ("ipRange", "IPRange"), ("gateway", "Gateway"),
                  ("auxAddress", "AuxiliaryAddresses"))
        configs = [{name: c[key] for name, key in fields if c.get(key)} for c in ipam.get("Config") or []]
        return {"name": attrs["Name"], "labels": _label_set(attrs.get("Labels")), "driver": attrs.get("Driver"),
                "internal": attrs.get("Internal"), "attachable": attrs.get("Attachable"),
                "ingress": attrs.get("Ingress"), "ipv6": attrs.get("EnableIPv6"), "ipamDriver": ipam.get("Driver"),
                "scope": attrs.get("Scope"), "options": attrs.get("Options") or {}, "ipamConfigs": configs}

    def read(self, ctx: Context, old: Resource) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        try:
            return old.id, {**old.outputs, **self._read(_client(ctx, old).api, old.id)}, None
        except docker.errors.NotFound:
            return "", {}, None

    def delete(self, ctx: Context, old: Resource) -> None:
        """TF resource_docker_network_funcs.go:110-135, 205-225: again while endpoints are attached."""
        api = _client(ctx, old).api
        _retry(lambda: api.remove_network(old.id), "has active endpoints", f"network {old.id}")


# ---- docker_image (Pulumi RemoteImage) -----------------------------------------------------------------

REMOTE_IMAGE_SCHEMA: dict[str, Attr] = {  # TF resource_docker_image.go:30-97
    "name": Attr("str"), "triggers": Attr("map"),
    "keepLocally": Attr("bool"), "forceRemove": Attr("bool"),
}


class DockerRemoteImage(Bridged):
    """TF resource_docker_image.go and _funcs.go; keepLocally and forceRemove update in place."""

    type = "docker:index/remoteImage:RemoteImage"
    schema = REMOTE_IMAGE_SCHEMA
    rules = DOCKER_REMOTE_IMAGE
    auto_named = False  # its name is required, not an auto-named input (PD resources.go:127-131)

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        """_funcs.go:34-56: the local image if there is one, else a pull; ID = image ID + name."""
        client = _client(ctx, new)
        name = new.inputs["name"]
        try:
            image = client.images.get(name)
        except docker.errors.ImageNotFound:
            # _funcs.go:249-279: the provider's registry_auth for the name's registry, if any
            auth = registry_auth(ctx.provider_inputs(new)).get(registry_of(name))
            try:
                client.api.pull(name, auth_config=auth)
            except docker.errors.APIError as exc:
                raise ApplyError(f"Unable to read Docker image into resource: unable to pull image {name}: "
                                 f"{exc.explanation or exc}") from exc
            image = client.images.get(name)
        return image.id + name, {**new.inputs, "imageId": image.id, "repoDigest": (image.attrs.get("RepoDigests")
                                                                                   or [""])[0]}

    def update(self, ctx: Context, old: Resource, new: Resource, diff: Diff) -> dict[str, Any]:
        return {**old.outputs, **new.inputs}

    def delete(self, ctx: Context, old: Resource) -> None:
        """_funcs.go:150-220: by name, unless keep_locally; a conflict (a container uses it) fails."""
        if old.inputs.get("keepLocally"):
            return
        try:
            _client(ctx, old).images.remove(old.inputs["name"], force=bool(old.inputs.get("forceRemove")))
        except docker.errors.ImageNotFound:
            return


def registry_of(name: str) -> str:
    """TF _funcs.go:294-307 parseImageOptions: the registry part of an image name, or ""."""
    first = name.find("/")
    if name.count("/") > 1 or (first != -1 and (any(c in name[:first] for c in ".:") or name[:first] == "localhost")):
        return name[:first]
    return ""


def registry_auth(provider_inputs: dict[str, Any]) -> dict[str, dict[str, str]]:
    """TF provider.go:303-353 providerSetToRegistryAuth (username and password only): by registry
    hostname. The engine hands a provider's list-valued config over as JSON text."""
    entries = provider_inputs.get("registryAuth") or []
    if isinstance(entries, str):
        entries = json.loads(entries)
    auths = {}
    for entry in entries:
        address = entry["address"].removeprefix("https://").removeprefix("http://").split("/", 1)[0]
        if entry.get("username"):
            auths[address] = {"username": entry["username"], "password": entry.get("password", ""),
                              "serveraddress": address}
    return auths


# ---- the native docker.Image --------------------------------------------------------------------------

BUILD_KEYS = frozenset({"context", "dockerfile", "builderVersion", "args", "target", "platform"})


def context_digest(context: Path) -> str:
    """PD provider.go:544-649 hashContext, for a context without .dockerignore: every file's relative
    path, mode and content."""
    digest = hashlib.sha256()
    for path in sorted(p for p in context.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(context)).encode())
        digest.update(oct(path.stat().st_mode & 0o777).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
        digest.update(b"\0")
    return digest.hexdigest()


def push_image(client: docker.DockerClient, inputs: dict[str, Any]) -> str:
    """PD image.go:302-353: push imageName with the program's credentials; repoDigest is the
    name (without its tag) at the digest the push reported."""
    registry = inputs["registry"]
    name = inputs["imageName"]
    repository, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "latest")
    auth = {"username": registry["username"], "password": registry["password"], "serveraddress": registry["server"]}
    digest = None
    for message in client.api.push(repository, tag=tag, auth_config=auth, stream=True, decode=True):
        if "error" in message:
            raise ApplyError(f"error reading push output: {message['error']}")
        digest = (message.get("aux") or {}).get("Digest") or digest
    if digest is None:
        raise ApplyError(f"pushing {name}: the push reported no digest")
    return f"{repository}@{digest}"


class DockerImage(Provider):
    """Builds on the provider's engine; never replaced, every change rebuilds (components.provider_rules
    .DOCKER_IMAGE); Read and Delete do nothing (PD provider.go:415-425, 490-495)."""

    type = "docker:index/image:Image"
    rules = DOCKER_IMAGE

    def check(self, ctx: Context, resource: Resource, olds: dict[str, Any] | None) -> dict[str, Any]:
        inputs = dict(resource.inputs)
        extra = set(inputs) - {"imageName", "build", "skipPush", "buildOnPreview", "registry"}
        build = dict(inputs.get("build") or {})
        extra |= {f"build.{k}" for k in set(build) - BUILD_KEYS}
        if extra:
            raise Unsupported(f"docker Image '{resource.name}': input(s) {sorted(extra)}")
        registry = inputs.get("registry") or {}
        if not inputs.get("skipPush") and not (registry.get("server") and registry.get("username")
                                               and registry.get("password")):
            raise Unsupported(f"docker Image '{resource.name}': a push without the registry's server and "
                              "credentials (the host's credential files)")
        # PD provider.go:212-236: without one, the platform of the machine running Pulumi
        # ("linux/" + runtime.GOARCH)
        build.setdefault("platform", local_platform())
        build["contextDigest"] = context_digest(Path(ctx.project_dir) / build["context"])
        return {**inputs, "build": build, "buildOnPreview": inputs.get("buildOnPreview", False)}

    def diff(self, old: Resource, inputs: dict[str, Any]) -> Diff:
        """PD provider.go:271-348: old inputs against new, never a replacement; in `registry` only
        the server counts (new credentials alone neither rebuild nor push, diffUpdates)."""
        def compared(values: dict[str, Any]) -> dict[str, Any]:
            registry = values.get("registry")
            return {**values, "registry": {"server": registry.get("server")}} if registry else values
        return Diff(changes=compared(old.inputs) != compared(inputs))

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        build = new.inputs["build"]
        context = Path(ctx.project_dir) / build["context"]
        dockerfile = Path(ctx.project_dir) / build.get("dockerfile", f"{build['context']}/Dockerfile")
        if build.get("builderVersion") != "BuilderV1":
            raise Unsupported(f"docker Image '{new.name}': builder {build.get('builderVersion')}")
        try:
            image, _ = _client(ctx, new).images.build(
                path=str(context), dockerfile=str(dockerfile.relative_to(context)), tag=new.inputs["imageName"],
                buildargs=build.get("args") or None, target=build.get("target"), platform=build["platform"],
                rm=True, forcerm=True, pull=False)
        except docker.errors.BuildError as exc:
            tail = "".join(str(line.get("stream", line.get("error", ""))) for line in list(exc.build_log)[-15:])
            raise ApplyError(f"building {new.inputs['imageName']} failed: {exc.msg}\n{tail}") from exc
        outputs = {**new.inputs, "platform": build["platform"]}
        if new.inputs.get("skipPush"):
            # PD image.go:286-300: without a push, repoDigest is the local image ID
            return new.inputs["imageName"], {**outputs, "repoDigest": image.id}
        return new.inputs["imageName"], {**outputs, "repoDigest": push_image(_client(ctx, new), new.inputs)}

    def update(self, ctx: Context, old: Resource, new: Resource, diff: Diff) -> dict[str, Any]:
        return self.create(ctx, new)[1]

    def delete(self, ctx: Context, old: Resource) -> None:
        return None
