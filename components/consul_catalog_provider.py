"""Dynamic provider: registers the cluster's services in Consul and writes its inventory (py-consul).

Kept in its own module so that Pulumi's dynamic-provider host can import it by name.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlparse

import consul
import requests
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

CONNECT_SECONDS = 120
CHECK_INTERVAL = "10s"


def _client(url: str) -> consul.Consul:
    parsed = urlparse(url)
    client = consul.Consul(host=parsed.hostname, port=parsed.port or 8500, scheme=parsed.scheme or "http")
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            if client.status.leader():
                return client
        except (requests.exceptions.RequestException, consul.ConsulException):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"Consul at {url} has no leader after {CONNECT_SECONDS} s: is the consul "
                               "container running on the kv host and port 8500 reachable from this machine?")
        time.sleep(2)


def _register(client: consul.Consul, services: list[dict[str, Any]], inventory: dict[str, str]) -> None:
    for s in services:
        client.agent.service.register(
            s["name"], service_id=s["id"], address=s["address"], port=int(s["port"]), tags=list(s["tags"]),
            check=consul.Check.tcp(s["address"], int(s["port"]), CHECK_INTERVAL),
        )
    for key, value in inventory.items():
        client.kv.put(key, value)


def _unregister(client: consul.Consul, services: list[dict[str, Any]], inventory: dict[str, str]) -> None:
    for s in services:
        client.agent.service.deregister(s["id"])
    for key in inventory:
        client.kv.delete(key)


class ConsulCatalogProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        _register(_client(props["url"]), props["services"], props["inventory"])
        return CreateResult(id_=props["prefix"], outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = ("url", "prefix", "machine", "services", "inventory")
        changed = [k for k in keys if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=[k for k in changed if k in ("url", "prefix", "machine")],
                          delete_before_replace=True)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = _client(news["url"])
        kept_ids = {s["id"] for s in news["services"]}
        gone_services = [s for s in olds["services"] if s["id"] not in kept_ids]
        gone_keys = {k: v for k, v in olds["inventory"].items() if k not in news["inventory"]}
        _unregister(client, gone_services, gone_keys)
        _register(client, news["services"], news["inventory"])
        return UpdateResult(outs=news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        _unregister(_client(props["url"]), props["services"], props["inventory"])
