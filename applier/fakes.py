"""Stand-ins for the providers, for the unit tests and the benchmarks.

`FakeOutputs` answers Pulumi's mock runtime with recognisable fake values. `fake_providers` gives
the applier providers that decide like the real ones (their check and diff are the real ones) but
touch nothing: what they store is what the real provider's Read would store for a Docker Engine
that did what was asked (`engine_view`), so that a program whose inputs the provider normalises
shows the same change under them as under the real provider.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from typing import Any

from applier import sdk
from applier.providers.base import Context, Diff, Provider
from applier.providers.docker import duration_ns, read_container
from applier.registry import real_providers
from applier.state import Resource

FAKE_PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nbW9jay1rZXk=\n-----END OPENSSH PRIVATE KEY-----\n"
FAKE_JOIN_TOKEN = "SWMTKN-1-mock-join-token"
FAKE_DB_PASSWORD = "MockDatabasePassword0123456789ab"
FAKE_MUNGE_KEY = base64.b64encode(b"mock-munge-key-" * 70).decode()
FAKE_BCRYPT_HASH = "$2a$10$" + "M" * 53
FAKE_ENGINE_API = "1.45"  # Docker 26: the engines of swarm mode's lab hosts (Debian trixie)


def fake_outputs(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The computed outputs a real provider would add, with recognisable fake values."""
    outputs = dict(inputs)
    if typ == "docker:index/image:Image":
        digest = "sha256:" + hashlib.sha256(inputs["imageName"].encode()).hexdigest()
        # PD image.go:286-353: the image ID without a push, the pushed manifest's digest with one
        pushed = not inputs.get("skipPush")
        outputs["repoDigest"] = f"{inputs['imageName'].rsplit(':', 1)[0]}@{digest}" if pushed else digest
    elif typ == "docker:index/remoteImage:RemoteImage":
        outputs["imageId"] = "sha256:" + hashlib.sha256(inputs["name"].encode()).hexdigest()
    elif typ == "random:index/randomBytes:RandomBytes":
        outputs.update(base64=FAKE_MUNGE_KEY, hex=base64.b64decode(FAKE_MUNGE_KEY).hex())
    elif typ == "random:index/randomPassword:RandomPassword":
        outputs.update(result=FAKE_DB_PASSWORD, bcryptHash=FAKE_BCRYPT_HASH)
    elif typ == "tls:index/privateKey:PrivateKey":
        outputs.update(privateKeyOpenssh=FAKE_PRIVATE_KEY, publicKeyOpenssh="ssh-ed25519 AAAAmock lab",
                       privateKeyPem=f"-----BEGIN EC PRIVATE KEY-----\nmock {name}\n-----END EC PRIVATE KEY-----\n")
    elif typ in ("tls:index/selfSignedCert:SelfSignedCert", "tls:index/locallySignedCert:LocallySignedCert"):
        outputs["certPem"] = f"-----BEGIN CERTIFICATE-----\nmock {name}\n-----END CERTIFICATE-----\n"
    elif typ == "tls:index/certRequest:CertRequest":
        outputs["certRequestPem"] = (f"-----BEGIN CERTIFICATE REQUEST-----\nmock {name}\n"
                                     "-----END CERTIFICATE REQUEST-----\n")
    elif typ == "command:remote:Command":
        outputs["stdout"] = (FAKE_JOIN_TOKEN if name == "swarm-join-token"
                             else FAKE_ENGINE_API if name.endswith("-engine-api") else f"{name} done")
    return outputs


class FakeOutputs(sdk.Mocks):
    def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", fake_outputs(args.typ, args.name, dict(args.inputs))

    def call(self, args: Any) -> tuple[dict[str, Any], None]:
        raise AssertionError(f"the program must not invoke provider functions (it called {args.token})")


def simulated_inspect(container_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """`docker inspect` of a running container the provider created from `inputs`: the engine keeps
    durations in nanoseconds, capabilities and options as given (Docker 20.10 and 26, observed)."""
    check = inputs.get("healthcheck")
    caps = inputs.get("capabilities") or {}
    return {
        "Id": container_id, "Name": "/" + inputs["name"], "Image": inputs["image"],
        "Config": {
            "Image": inputs["image"], "Hostname": inputs.get("hostname") or container_id[:12],
            "Cmd": inputs.get("command"),
            "Healthcheck": {"Test": check.get("tests"), "Interval": duration_ns(check["interval"]),
                            "Timeout": duration_ns(check["timeout"]), "StartPeriod": duration_ns(check["startPeriod"]),
                            "StartInterval": duration_ns(check.get("startInterval")),
                            "Retries": check.get("retries") or 0} if check else None,
        },
        "HostConfig": {"RestartPolicy": {"Name": inputs.get("restart", "no")}, "Init": bool(inputs.get("init")),
                       "SecurityOpt": inputs.get("securityOpts"), "CapAdd": caps.get("adds"),
                       "CapDrop": caps.get("drops"), "NetworkMode": inputs.get("networkMode", "bridge"),
                       "LogConfig": {"Type": "json-file"}, "IpcMode": "private"},
        "NetworkSettings": {"Ports": {f"{p['internal']}/{p['protocol']}": [{"HostIp": p["ip"],
                                                                             "HostPort": str(p["external"])}]
                                      for p in inputs.get("ports") or []}},
        "State": {"Running": True},
    }


def engine_view(resource: Resource, resource_id: str) -> dict[str, Any]:
    """What the real provider would store after creating `resource` on a Docker Engine."""
    inputs = resource.inputs
    if resource.type == "docker:index/container:Container":
        return {**inputs, **read_container(simulated_inspect(resource_id, inputs), inputs)}
    if resource.type == "docker:index/network:Network":
        # An overlay network reports the gateway the engine picked, its subnet's first address
        # (Docker 20.10 and 26, observed); a bridge network created with a subnet reports none.
        configs = []
        for config in inputs.get("ipamConfigs") or []:
            config = dict(config)
            if inputs.get("driver") == "overlay" and not config.get("gateway"):
                config["gateway"] = str(next(ipaddress.ip_network(config["subnet"]).hosts()))
            configs.append(config)
        return {**inputs, "ipamConfigs": configs, "options": {}, "scope": "swarm"}
    return fake_outputs(resource.type, resource.name, inputs)


class FakeProvider(Provider):
    """Decides like `real` (its check and diff), performs nothing, and notes what it would do."""

    def __init__(self, real: Provider, journal: list[tuple[str, str]]) -> None:
        self.type, self.real, self.journal = real.type, real, journal

    def check(self, ctx: Context, resource: Resource, olds: dict[str, Any] | None) -> dict[str, Any]:
        return self.real.check(ctx, resource, olds)

    def diff(self, old: Resource, inputs: dict[str, Any]) -> Diff:
        return self.real.diff(old, inputs)

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        self.journal.append(("create", new.name))
        resource_id = f"{new.name}-{len(self.journal)}"  # a new ID each time, as real resources get
        return resource_id, engine_view(new, resource_id)

    def update(self, ctx: Context, old: Resource, new: Resource, diff: Diff) -> dict[str, Any]:
        self.journal.append(("update", new.name))
        return {**old.outputs, **new.inputs}

    def delete(self, ctx: Context, old: Resource) -> None:
        self.journal.append(("delete", old.name))


def fake_providers(journal: list[tuple[str, str]]) -> dict[str, Provider]:
    return {t: FakeProvider(p, journal) for t, p in real_providers().items()}
