"""The providers' rules as the applier follows them, one test per rule, each naming its source.

TF = kreuzwerker/terraform-provider-docker v4.5.0 internal/provider/; BR =
pulumi-terraform-bridge v3.136 pkg/tfbridge/; PC = pulumi-command v1.2.1 provider/pkg/provider/;
PD = pulumi-docker provider/."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import pytest

from applier import ApplyError
from applier.engine import _apply_replace_on_changes
from applier.errors import Unsupported
from applier.providers import bridged
from applier.providers.base import Context
from applier.providers.command import RemoteCommand, dial
from applier.providers.docker import (
    CONTAINER_SCHEMA,
    NETWORK_SCHEMA,
    DockerContainer,
    DockerImage,
    DockerProvider,
    push_image,
    read_container,
    registry_auth,
    registry_of,
)
from applier.providers.docker_connections import DockerConnections, dial_stdio_command
from applier.state import Resource
from components.provider_rules import DOCKER_CONTAINER, DOCKER_NETWORK, REMOTE_COMMAND
from components.spec_container import REPLACE_ON_CHANGES
from render.durations import go_duration, parse_go_duration


def inspect(**changes: Any) -> dict[str, Any]:
    """`docker inspect` of a running slurmd container, as Docker 26 reports it."""
    data: dict[str, Any] = {
        "Id": "c" * 64, "Name": "/fd20_1", "Image": "sha256:" + "1" * 64,
        "Config": {"Image": "sha256:" + "1" * 64, "Hostname": "fd20_1", "Cmd": ["slurmd", "-Z"],
                   "Entrypoint": ["/usr/bin/tini", "--"], "Env": ["PATH=/usr/bin", "A=1"],
                   "Labels": {"from-image": "x", "multihost-slurm.role": "slurmd"},
                   "Healthcheck": {"Test": ["CMD", "slurm-healthcheck"], "Interval": 5_000_000_000,
                                   "Timeout": 10_000_000_000, "StartPeriod": 60_000_000_000, "Retries": 3}},
        "HostConfig": {"RestartPolicy": {"Name": "unless-stopped"}, "NetworkMode": "bridge", "Init": False,
                       "LogConfig": {"Type": "json-file"}, "IpcMode": "private"},
        "NetworkSettings": {"Ports": {"6817/tcp": None, "6818/tcp": [{"HostIp": "0.0.0.0", "HostPort": "6818"}]}},
        "State": {"Running": True},
    }
    for key, value in changes.items():
        data[key] = {**data[key], **value}
    return data


def container_inputs(**changes: Any) -> dict[str, Any]:
    inputs = {
        "name": "fd20_1", "hostname": "fd20_1", "image": "sha256:" + "1" * 64, "command": ["slurmd", "-Z"],
        "envs": ["A=1"], "labels": [{"label": "multihost-slurm.role", "value": "slurmd"}],
        "ports": [{"internal": 6818, "external": 6818}],
        "healthcheck": {"tests": ["CMD", "slurm-healthcheck"], "interval": "5s", "timeout": "10s", "retries": 3,
                        "startPeriod": "1m0s"},
        "restart": "unless-stopped", "wait": True, "waitTimeout": 300, "destroyGraceSeconds": 30,
        **changes,
    }
    return bridged.fill_defaults(CONTAINER_SCHEMA, inputs, "test")


def container_changes(state: dict[str, Any], inputs: dict[str, Any]):
    """The bridge's diff of a container, as pulumi-docker answers it."""
    return bridged.diff(CONTAINER_SCHEMA, DOCKER_CONTAINER, state, inputs, True)


def container_diff(state_inspect: dict[str, Any], inputs: dict[str, Any]):
    """What the engine decides for `inputs` against the state a Read of `state_inspect` wrote."""
    state = {**inputs, **read_container(state_inspect, inputs)}
    return _apply_replace_on_changes(container_changes(state, inputs), REPLACE_ON_CHANGES, False)


def test_go_duration_strings_are_gos() -> None:
    """Go's time.Duration.String(), which TF _funcs.go:960-971 writes health checks with."""
    expected = {0: "0s", 5: "5s", 60: "1m0s", 90: "1m30s", 3600: "1h0m0s", 0.5: "500ms", 1.5: "1.5s"}
    for seconds, text in expected.items():
        assert go_duration(round(seconds * 1e9)) == text
        assert parse_go_duration(text) == round(seconds * 1e9)


def test_container_read_writes_durations_as_go_prints_them() -> None:
    """TF _funcs.go:960-971: `60s` is `1m0s` in the state."""
    assert read_container(inspect(), container_inputs())["healthcheck"]["startPeriod"] == "1m0s"


def test_a_duration_not_in_gos_form_replaces_the_container_on_every_up() -> None:
    """The state holds `1m0s`; `60s` in the program is a change (healthcheck has no DiffSuppressFunc,
    TF resource_docker_container.go:1045-1096), which the program's replace_on_changes turns into a
    replacement."""
    diff = container_diff(inspect(), container_inputs(healthcheck={**container_inputs()["healthcheck"],
                                                                   "startPeriod": "60s"}))
    assert "healthcheck.startPeriod" in diff.detailed and diff.replaces
    assert not container_diff(inspect(), container_inputs()).changes


def test_container_read_leaves_env_labels_volumes_uploads_and_networks_as_configured() -> None:
    """TF _funcs.go:893-898 (env and labels are not read: the image's would show), 786-796
    (networks_advanced never read back), volumes and uploads not read at all."""
    read = read_container(inspect(), container_inputs())
    assert not {"envs", "labels", "volumes", "uploads", "networksAdvanced"} & set(read)
    assert not container_diff(inspect(), container_inputs()).changes


def test_a_stopped_container_has_no_ports_in_the_state_and_is_replaced() -> None:
    """TF _funcs.go:800-824: ports are read while must_run holds, from the (empty) bindings of a stopped
    container, and must_run turns false. The provider alone would only start a container without
    ports again (991-1013); the program's replaceOnChanges on mustRun replaces it too."""
    stopped = inspect(State={"Running": False, "ExitCode": 137}, NetworkSettings={"Ports": {}})
    assert container_diff(stopped, container_inputs()).replace_keys == {"ports", "mustRun"}
    no_ports = container_inputs(ports=None)
    provider_only = container_changes({**no_ports, **read_container(stopped, no_ports)}, no_ports)
    assert provider_only.changes and not provider_only.replaces and set(provider_only.detailed) == {"mustRun"}
    assert container_diff(stopped, no_ports).replace_keys == {"mustRun"}


def test_published_ports_in_another_order_are_no_change() -> None:
    """TF resource_docker_container.go:1192-1247: ports are matched by internal port."""
    inputs = container_inputs(ports=[{"internal": 8500, "external": 8500}, {"internal": 8300, "external": 8300}])
    bindings = {"8300/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8300"}],
                "8500/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8500"}]}
    assert not container_diff(inspect(NetworkSettings={"Ports": bindings}), inputs).changes


def test_a_left_out_input_keeps_a_computed_value_and_a_zero_one() -> None:
    """OpenTofu objchange.go:366-376: Optional+Computed left out keeps the state's value (the
    image's entrypoint); TSDK diffString: a zero value equals an absent input."""
    state = {**container_inputs(), "entrypoints": ["/usr/bin/tini"], "privileged": False}
    assert not container_changes(state, container_inputs()).changes
    assert container_changes({**state, "privileged": True}, container_inputs()).replaces


def test_set_inputs_compare_without_order() -> None:
    """cty sets: envs is a set (TF resource_docker_container.go:590)."""
    state = container_inputs(envs=["A=1", "B=2"])
    assert not container_changes(state, container_inputs(envs=["B=2", "A=1"])).changes


def test_an_update_applies_the_restart_policy_and_only_records_health_checks() -> None:
    """TF _funcs.go:991-1077 and the schema's ForceNew flags, as components/provider_rules.py has them."""
    assert not DOCKER_CONTAINER.replaces({"restart", "healthcheck", "waitTimeout"})
    assert DOCKER_CONTAINER.replaces({"image"}) and DOCKER_CONTAINER.replaces({"labels"})
    assert "healthcheck" in DOCKER_CONTAINER.recorded_by_update and "restart" in DOCKER_CONTAINER.applied_by_update
    assert set(REPLACE_ON_CHANGES) == {*DOCKER_CONTAINER.recorded_by_update, "mustRun"}


def test_a_network_reads_back_the_gateway_the_engine_chose() -> None:
    """TF resource_docker_network_funcs.go:196 and network_structures.go:11-39: the IPAM entries as the
    engine reports them, gateway included; ipam_config is a ForceNew set whose elements' fields are
    not Computed, so an entry without its gateway is another element: a new network every up."""
    state = {"name": "global", "driver": "overlay", "ipamDriver": "default",
             "ipamConfigs": [{"subnet": "10.20.0.0/16", "gateway": "10.20.0.1"}]}
    without = bridged.fill_defaults(NETWORK_SCHEMA, {"name": "global", "driver": "overlay",
                                                     "ipamConfigs": [{"subnet": "10.20.0.0/16"}]}, "t")
    assert bridged.diff(NETWORK_SCHEMA, DOCKER_NETWORK, state, without, True).replaces
    given = {**without, "ipamConfigs": [{"subnet": "10.20.0.0/16", "gateway": "10.20.0.1"}]}
    assert not bridged.diff(NETWORK_SCHEMA, DOCKER_NETWORK, state, given, True).changes


def command(**inputs: Any) -> Resource:
    base = {"connection": {"host": "10.0.0.1", "privateKey": "k"}, "create": "true",
            "addPreviousOutputInEnv": False}
    return Resource(urn="u", type=RemoteCommand.type, name="c", custom=True, inputs={**base, **inputs})


def test_a_command_is_replaced_only_for_its_triggers() -> None:
    """PC common/inputs.go:6-15 and the SDK's replace_on_changes=["triggers[*]"]: a new connection or
    script is an update (it runs again), a changed trigger a replacement; a trigger list added whole
    replaces by the provider's own answer."""
    provider = RemoteCommand()
    ctx = Context(docker=DockerConnections(), providers={}, project_dir=".")
    old = command(triggers=["a"])
    old.inputs = provider.check(ctx, old, None)
    assert old.inputs["connection"] == {"host": "10.0.0.1", "privateKey": "k", "user": "root", "port": 22,
                                        "dialErrorLimit": 10, "perDialTimeout": 15}  # PC remote/connection.go:57-78
    moved = provider.check(ctx, command(triggers=["a"], connection={"host": "10.0.0.2", "privateKey": "k"}), None)
    assert not provider.diff(old, moved).replaces
    retriggered = provider.check(ctx, command(triggers=["b"]), None)
    diff = provider.diff(old, retriggered)
    assert not diff.replaces and _apply_replace_on_changes(diff, ["triggers[*]"], False).replaces
    assert provider.diff(command(), retriggered).replace_keys == {"triggers"}
    assert REMOTE_COMMAND.replaced_by == {"triggers"}


def test_a_remote_command_dials_its_limit_plus_one_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """PC remote/connection.go:150-187: `dialErrorLimit` failures are allowed, the next one ends it,
    with a backoff from 0.1 s by 1.5."""
    attempts: list[float] = []
    import paramiko

    def refuse(self: Any, *args: Any, **kwargs: Any) -> None:
        attempts.append(time.monotonic())
        raise OSError("connection refused")

    monkeypatch.setattr(paramiko.SSHClient, "connect", refuse)
    monkeypatch.setattr("applier.providers.command._private_key", lambda text: None)
    with pytest.raises(ApplyError, match="after 2 failed attempts: connection refused"):
        dial({"host": "192.0.2.1", "port": 22, "user": "root", "privateKey": "k", "dialErrorLimit": 2,
              "perDialTimeout": 1})
    assert len(attempts) == 3
    assert attempts[1] - attempts[0] == pytest.approx(0.1, abs=0.05)


def test_an_ssh_docker_host_is_dialled_with_docker_system_dial_stdio() -> None:
    """TF config.go:168 via docker/cli connhelper: one `ssh ... docker system dial-stdio` per connection."""
    assert dial_stdio_command("ssh://root@10.0.0.1:2222", ["-i", "/k"]) == [
        "ssh", "-i", "/k", "-o", "ConnectTimeout=30", "-T", "-p", "2222", "-l", "root", "--", "10.0.0.1",
        "docker system dial-stdio"]


def test_an_unreachable_ssh_docker_host_fails_the_same_way_each_time() -> None:
    """TF config.go:190-200: one ping, no retry; a second use dials again and fails as clearly."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    connections = DockerConnections()
    unreachable = {"host": f"ssh://root@127.0.0.1:{port}", "sshOpts": ["-o", "BatchMode=yes"]}
    try:
        for _ in range(2):
            with pytest.raises(ApplyError, match=rf"ssh://root@127\.0\.0\.1:{port} is reachable.*refused"):
                connections.client(unreachable)
    finally:
        connections.close()


def test_a_docker_provider_change_is_an_update() -> None:
    """BR provider.go:842-894: no ForcesProviderReplace field in pulumi-docker, so never a replacement."""
    old = Resource(urn="p", type=DockerProvider.type, name="p", custom=True, inputs={"host": "ssh://a"})
    diff = DockerProvider().diff(old, {"host": "ssh://b"})
    assert diff.changes and not diff.replaces


def test_an_image_built_without_a_platform_is_built_for_this_machine(tmp_path: Path) -> None:
    """PD provider.go:212-236: Check fills `build.platform` with the platform of the machine running
    Pulumi; and the build context's digest is an input, so a changed file rebuilds (PD 202-207)."""
    from model.config import local_platform

    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Dockerfile").write_text("FROM scratch\n")
    ctx = Context(docker=DockerConnections(), providers={}, project_dir=str(tmp_path))
    image = Resource(urn="i", type=DockerImage.type, name="i", custom=True,
                     inputs={"imageName": "x", "skipPush": True, "build": {"context": "ctx"}})
    checked = DockerImage().check(ctx, image, None)
    assert checked["build"]["platform"] == local_platform()
    (tmp_path / "ctx" / "Dockerfile").write_text("FROM scratch\nLABEL a=b\n")
    again = DockerImage().check(ctx, image, None)
    old = Resource(urn="i", type=DockerImage.type, name="i", custom=True, inputs=checked)
    diff = DockerImage().diff(old, again)
    assert diff.changes and not diff.replaces  # PD provider.go:271-348: never a replacement


def test_new_registry_credentials_alone_neither_rebuild_nor_push() -> None:
    """PD provider.go:320-340 diffUpdates: in `registry`, only a new server is a change."""
    inputs = {"imageName": "r:5000/x:1", "build": {"context": "ctx"},
              "registry": {"server": "r:5000", "username": "pulumi", "password": "a"}}
    old = Resource(urn="i", type=DockerImage.type, name="i", custom=True, inputs=inputs)
    assert not DockerImage().diff(old, {**inputs, "registry": {**inputs["registry"], "password": "b"}}).changes
    assert DockerImage().diff(old, {**inputs, "registry": {**inputs["registry"], "server": "s:5000"}}).changes


def test_a_push_needs_the_programs_credentials() -> None:
    """PD image.go:736-774: without username and password the provider would read this machine's
    credential files; the applier performs only the program's credentials."""
    ctx = Context(docker=DockerConnections(), providers={}, project_dir=".")
    image = Resource(urn="i", type=DockerImage.type, name="i", custom=True,
                     inputs={"imageName": "r:5000/x:1", "build": {"context": "ctx"}})
    with pytest.raises(Unsupported, match="without the registry's server and credentials"):
        DockerImage().check(ctx, image, None)


class _PushingApi:
    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.messages = messages
        self.pushed: list[tuple[str, str, dict[str, str]]] = []

    def push(self, repository: str, *, tag: str, auth_config: dict[str, str], stream: bool, decode: bool):
        self.pushed.append((repository, tag, auth_config))
        return iter(self.messages)


def test_a_push_reports_the_pushed_manifests_digest() -> None:
    """PD image.go:302-353: the name without its tag at the digest the push's aux message reports; an
    error in the stream fails the push."""
    digest = "sha256:" + "d" * 64
    api = _PushingApi([{"status": "Pushed"}, {"aux": {"Tag": "1", "Digest": digest, "Size": 1}}])
    client = type("Client", (), {"api": api})()
    inputs = {"imageName": "127.0.0.1:12204/multihost-slurm/slurm:24.11",
              "registry": {"server": "127.0.0.1:12204", "username": "pulumi", "password": "pw"}}
    assert push_image(client, inputs) == f"127.0.0.1:12204/multihost-slurm/slurm@{digest}"
    assert api.pushed == [("127.0.0.1:12204/multihost-slurm/slurm", "24.11",
                           {"username": "pulumi", "password": "pw", "serveraddress": "127.0.0.1:12204"})]
    failing = type("Client", (), {"api": _PushingApi([{"error": "unauthorized: authentication required"}])})()
    with pytest.raises(ApplyError, match="authentication required"):
        push_image(failing, inputs)


def test_a_pull_signs_in_to_the_names_registry_with_the_providers_credentials() -> None:
    """TF _funcs.go:294-307 parseImageOptions and provider.go:303-353: the registry is the name's
    first part when it looks like a host; the provider's registry_auth is keyed by its hostname."""
    assert registry_of("172.30.0.11:5000/multihost-slurm/slurm@sha256:abc") == "172.30.0.11:5000"
    assert registry_of("node0.example.org/x") == "node0.example.org"
    assert registry_of("hashicorp/consul:1.22") == ""
    auth = registry_auth({"registryAuth": '[{"address": "https://10.0.0.10:5000", "username": "pulumi", '
                                          '"password": "pw"}]'})
    assert auth == {"10.0.0.10:5000": {"username": "pulumi", "password": "pw", "serveraddress": "10.0.0.10:5000"}}


def test_the_applier_refuses_a_container_input_it_does_not_perform() -> None:
    resource = Resource(urn="u", type=DockerContainer.type, name="c", custom=True,
                        inputs={"name": "c", "image": "x", "privileged": True})
    ctx = Context(docker=DockerConnections(), providers={}, project_dir=".")
    with pytest.raises(ApplyError, match=r"input\(s\) \['privileged'\] are not implemented"):
        DockerContainer().check(ctx, resource, None)


def test_tls_certificates_chain_as_terraform_provider_tls_makes_them() -> None:
    """terraform-provider-tls (private_key, self_signed_cert, cert_request, locally_signed_cert): an
    ECDSA P256 key in SEC1 PEM; a CA with basic constraints; a certificate with the request's subject
    and names, signed by the CA for the allowed uses. Every input replaces (all ForceNew)."""
    import ipaddress

    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from applier.providers.generated import TlsCertRequest, TlsLocallySignedCert, TlsPrivateKey, TlsSelfSignedCert

    ctx = Context(docker=DockerConnections(), providers={}, project_dir=".")

    def made(provider: Any, **inputs: Any) -> dict[str, Any]:
        return provider.create(ctx, Resource(urn="u", type=provider.type, name="r", custom=True, inputs=inputs))[1]

    ca_key = made(TlsPrivateKey(), algorithm="ECDSA", ecdsaCurve="P256")
    assert ca_key["privateKeyPem"].startswith("-----BEGIN EC PRIVATE KEY-----")
    ca = made(TlsSelfSignedCert(), privateKeyPem=ca_key["privateKeyPem"], subject={"commonName": "CA"},
              isCaCertificate=True, allowedUses=["cert_signing", "digital_signature"], validityPeriodHours=24)
    key = made(TlsPrivateKey(), algorithm="ECDSA", ecdsaCurve="P256")
    request = made(TlsCertRequest(), privateKeyPem=key["privateKeyPem"], subject={"commonName": "store"},
                   ipAddresses=["10.0.0.5"], dnsNames=["localhost"])
    signed = made(TlsLocallySignedCert(), certRequestPem=request["certRequestPem"],
                  caPrivateKeyPem=ca_key["privateKeyPem"], caCertPem=ca["certPem"],
                  allowedUses=["digital_signature", "server_auth"], validityPeriodHours=24)
    ca_cert = x509.load_pem_x509_certificate(ca["certPem"].encode())
    cert = x509.load_pem_x509_certificate(signed["certPem"].encode())
    assert ca_cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    cert.verify_directly_issued_by(ca_cert)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.0.5")]
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH]
    assert cert.subject.rfc4514_string() == "CN=store"
    old = Resource(urn="u", type=TlsLocallySignedCert.type, name="r", custom=True,
                   inputs={"validityPeriodHours": 24, "allowedUses": ["server_auth"]})
    assert TlsLocallySignedCert().diff(old, {"validityPeriodHours": 48, "allowedUses": ["server_auth"]}).replace_keys \
        == {"validityPeriodHours"}
