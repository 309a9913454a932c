"""The Consul catalog's dynamic provider against an in-memory agent with Consul's HTTP semantics:
registration all or nothing, updates that keep what stays, Read that sees what was removed by hand,
and an unreachable Consul named with its host."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from components import consul_catalog_provider as provider_module
from components.consul_catalog_provider import ConsulCatalogProvider

SERVICE_A = {"id": "lab-slurmctld", "name": "slurmctld", "address": "10.0.0.1", "port": 6817, "tags": ["fd20"]}
SERVICE_B = {"id": "lab-fd20_1", "name": "slurmd", "address": "10.0.0.2", "port": 6818, "tags": ["fd20_1"]}
PROPS: dict[str, Any] = {"url": "http://10.0.0.5:8500", "host": "login", "prefix": "p/lab", "machine": None,
                         "services": [SERVICE_A, SERVICE_B], "inventory": {"p/lab/cluster": "{}", "p/lab/x": "1"}}


class FakeAgent:
    """The agent's services and KV; `fail_on`: a service id or key whose write fails (HTTP 500)."""

    def __init__(self) -> None:
        self.services: dict[str, dict[str, Any]] = {}
        self.kv_store: dict[str, bytes] = {}
        self.fail_on: str | None = None
        self.reachable = True


class FakeConsul:
    agent_state = FakeAgent()

    def __init__(self, host: str, port: int, scheme: str) -> None:
        state = self.agent_state
        outer = self

        class Status:
            def leader(self) -> str:
                if not state.reachable:
                    raise requests.exceptions.ConnectionError("refused")
                return "10.0.0.5:8300"

        class Service:
            def register(self, name: str, service_id: str, address: str, port: int, tags: list[str],
                         check: dict[str, Any]) -> None:
                if service_id == state.fail_on:
                    raise provider_module.consul.ConsulException("500")
                state.services[service_id] = {"Service": name, "Address": address, "Port": port, "Tags": tags}

            def deregister(self, service_id: str) -> None:
                state.services.pop(service_id, None)

        class Agent:
            service = Service()

            def services(self) -> dict[str, dict[str, Any]]:
                return dict(state.services)

        class Kv:
            def put(self, key: str, value: str) -> None:
                if key == state.fail_on:
                    raise provider_module.consul.ConsulException("500")
                state.kv_store[key] = value.encode()

            def get(self, key: str) -> tuple[int, dict[str, Any] | None]:
                return 1, ({"Key": key, "Value": state.kv_store[key]} if key in state.kv_store else None)

            def delete(self, key: str) -> None:
                state.kv_store.pop(key, None)

        outer.status, outer.agent, outer.kv = Status(), Agent(), Kv()


@pytest.fixture
def agent(monkeypatch: pytest.MonkeyPatch) -> FakeAgent:
    state = FakeAgent()
    monkeypatch.setattr(FakeConsul, "agent_state", state)
    monkeypatch.setattr(provider_module.consul, "Consul", FakeConsul)
    monkeypatch.setattr(provider_module, "CONNECT_SECONDS", 0)
    monkeypatch.setattr(provider_module.time, "sleep", lambda _: None)
    return state


def test_create_registers_every_service_and_key(agent: FakeAgent) -> None:
    result = ConsulCatalogProvider().create(dict(PROPS))
    assert result.id == "p/lab"
    assert set(agent.services) == {"lab-slurmctld", "lab-fd20_1"}
    assert agent.kv_store == {"p/lab/cluster": b"{}", "p/lab/x": b"1"}


def test_a_failed_create_leaves_nothing_registered(agent: FakeAgent) -> None:
    agent.fail_on = "p/lab/x"
    with pytest.raises(provider_module.consul.ConsulException):
        ConsulCatalogProvider().create(dict(PROPS))
    assert agent.services == {} and agent.kv_store == {}


def test_a_failed_update_keeps_what_was_registered_before(agent: FakeAgent) -> None:
    provider = ConsulCatalogProvider()
    old = {**PROPS, "services": [SERVICE_A], "inventory": {"p/lab/cluster": "{}"}}
    provider.create(old)
    agent.fail_on = "p/lab/x"
    with pytest.raises(provider_module.consul.ConsulException):
        provider.update("p/lab", old, dict(PROPS))
    assert set(agent.services) == {"lab-slurmctld"} and agent.kv_store == {"p/lab/cluster": b"{}"}


def test_an_update_removes_what_the_cluster_no_longer_has(agent: FakeAgent) -> None:
    provider = ConsulCatalogProvider()
    provider.create(dict(PROPS))
    smaller = {**PROPS, "services": [SERVICE_A], "inventory": {"p/lab/cluster": "{}"}}
    provider.update("p/lab", dict(PROPS), smaller)
    assert set(agent.services) == {"lab-slurmctld"} and set(agent.kv_store) == {"p/lab/cluster"}


def test_read_reports_what_was_removed_or_changed_by_hand_and_the_diff_registers_it_again(
        agent: FakeAgent) -> None:
    provider = ConsulCatalogProvider()
    provider.create(dict(PROPS))
    del agent.services["lab-fd20_1"]
    agent.kv_store["p/lab/x"] = b"edited"
    read = provider.read("p/lab", dict(PROPS))
    assert read.outs["services"] == [SERVICE_A] and read.outs["inventory"] == {"p/lab/cluster": "{}"}
    diff = provider.diff("p/lab", read.outs, dict(PROPS))
    assert diff.changes and not diff.replaces
    provider.update("p/lab", read.outs, dict(PROPS))
    assert set(agent.services) == {"lab-slurmctld", "lab-fd20_1"} and agent.kv_store["p/lab/x"] == b"1"


def test_read_of_an_untouched_registration_is_no_drift(agent: FakeAgent) -> None:
    provider = ConsulCatalogProvider()
    provider.create(dict(PROPS))
    read = provider.read("p/lab", dict(PROPS))
    assert not provider.diff("p/lab", read.outs, dict(PROPS)).changes


def test_another_consul_replaces_the_registration_delete_first(agent: FakeAgent) -> None:
    diff = ConsulCatalogProvider().diff("p/lab", dict(PROPS), {**PROPS, "url": "http://10.0.0.6:8500"})
    assert diff.replaces == ["url"] and diff.delete_before_replace


def test_an_unreachable_consul_is_named_with_its_host_and_url(agent: FakeAgent) -> None:
    agent.reachable = False
    with pytest.raises(RuntimeError) as failure:
        ConsulCatalogProvider().create(dict(PROPS))
    message = str(failure.value)
    assert message.startswith("host login: Consul at http://10.0.0.5:8500 did not answer")
    assert "nothing was registered or removed" in message and "docker start consul" in message
    assert agent.services == {} and agent.kv_store == {}


def test_with_kv_tls_the_client_shows_its_certificate_from_files_that_go_afterwards(
        agent: FakeAgent, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    original = FakeConsul.__init__

    def recording(self: FakeConsul, host: str, port: int, scheme: str, **tls: Any) -> None:
        seen.update(scheme=scheme, **tls)
        seen["contents"] = [Path(p).read_text() for p in (tls["verify"], *tls["cert"])]
        original(self, host, port, scheme)

    monkeypatch.setattr(FakeConsul, "__init__", recording)
    props = {**PROPS, "url": "https://10.0.0.5:8501", "tls": {"ca": "CA PEM", "cert": "CERT PEM", "key": "KEY PEM"}}
    ConsulCatalogProvider().create(props)
    assert seen["scheme"] == "https" and seen["contents"] == ["CA PEM", "CERT PEM", "KEY PEM"]
    assert not any(Path(p).exists() for p in (seen["verify"], *seen["cert"]))
    assert set(agent.services) == {"lab-slurmctld", "lab-fd20_1"}


def test_a_new_client_certificate_is_an_update_not_a_replacement(agent: FakeAgent) -> None:
    old = {**PROPS, "tls": {"ca": "A", "cert": "B", "key": "C"}}
    diff = ConsulCatalogProvider().diff("p/lab", old, {**old, "tls": {"ca": "A", "cert": "D", "key": "E"}})
    assert diff.changes and not diff.replaces
