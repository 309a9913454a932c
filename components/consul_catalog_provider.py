"""Dynamic provider: registers the cluster's services in Consul and writes its inventory (py-consul).

Kept in its own module so that Pulumi's dynamic-provider host can import it by name. Read (`pulumi
refresh`, `up --refresh`) reports only what Consul still holds as registered, so a service or key
removed by hand is drift that the next `up` registers again.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import consul
import requests
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

CONNECT_SECONDS = 60
CHECK_INTERVAL = "10s"
REPLACING_KEYS = ("url", "prefix", "machine")  # another Consul, or another place in it
COMPARED_KEYS = (*REPLACING_KEYS, "services", "inventory", "tls")


@contextmanager
def _connected(props: dict[str, Any]) -> Iterator[consul.Consul]:
    """A client of the stack's Consul once it has a leader; with kvTls (`tls`: the CA, this client's
    certificate and key, as PEM) it verifies Consul and shows its certificate, from files that live
    as long as the client."""
    tls = props.get("tls")
    if not tls:
        yield _client(props, {})
        return
    with tempfile.TemporaryDirectory(prefix="consul-catalog-") as directory:
        paths = {}
        for name in ("ca", "cert", "key"):
            paths[name] = os.path.join(directory, f"{name}.pem")
            fd = os.open(paths[name], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(tls[name])
        yield _client(props, {"verify": paths["ca"], "cert": (paths["cert"], paths["key"])})


def _client(props: dict[str, Any], tls: dict[str, Any]) -> consul.Consul:
    url = props["url"]
    parsed = urlparse(url)
    client = consul.Consul(host=parsed.hostname, port=parsed.port or 8500, scheme=parsed.scheme or "http", **tls)
    deadline = time.monotonic() + CONNECT_SECONDS
    last = "no answer"
    while True:
        try:
            if client.status.leader():
                return client
            last = "no leader elected"
        except (requests.exceptions.RequestException, consul.ConsulException) as exc:
            last = type(exc).__name__
        if time.monotonic() > deadline:
            host = props.get("host", "the kv host")
            raise RuntimeError(f"host {host}: Consul at {url} did not answer with a leader within "
                               f"{CONNECT_SECONDS} s ({last}); nothing was registered or removed. Fix: start the "
                               f"consul container on {host} (docker start consul) and make port "
                               f"{parsed.port or 8500} reachable from this machine, then run pulumi up again")
        time.sleep(2)


def _register(client: consul.Consul, services: list[dict[str, Any]], inventory: dict[str, str],
              before: dict[str, Any] | None = None) -> None:
    """All or nothing: what a failure leaves newly registered is removed again before the error goes
    on; what `before` (the old outputs of an update) had registered stays."""
    had_ids = {s["id"] for s in (before or {}).get("services", [])}
    had_keys = set((before or {}).get("inventory", {}))
    done_services: list[dict[str, Any]] = []
    done_keys: dict[str, str] = {}
    try:
        for s in services:
            client.agent.service.register(
                s["name"], service_id=s["id"], address=s["address"], port=int(s["port"]), tags=list(s["tags"]),
                check=consul.Check.tcp(s["address"], int(s["port"]), CHECK_INTERVAL),
            )
            if s["id"] not in had_ids:
                done_services.append(s)
        for key, value in inventory.items():
            client.kv.put(key, value)
            if key not in had_keys:
                done_keys[key] = value
    except Exception:
        _unregister(client, done_services, done_keys)
        raise


def _unregister(client: consul.Consul, services: list[dict[str, Any]], inventory: dict[str, str]) -> None:
    for s in services:
        client.agent.service.deregister(s["id"])
    for key in inventory:
        client.kv.delete(key)


def _is_registered(service: dict[str, Any], held: dict[str, Any] | None) -> bool:
    return held is not None and (held.get("Service"), held.get("Address"), held.get("Port"),
                                 sorted(held.get("Tags") or [])) == (
        service["name"], service["address"], int(service["port"]), sorted(service["tags"]))


class ConsulCatalogProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        with _connected(props) as client:
            _register(client, props["services"], props["inventory"])
        return CreateResult(id_=props["prefix"], outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in COMPARED_KEYS if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=[k for k in changed if k in REPLACING_KEYS],
                          delete_before_replace=True)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        kept_ids = {s["id"] for s in news["services"]}
        gone_services = [s for s in olds["services"] if s["id"] not in kept_ids]
        gone_keys = {k: v for k, v in olds["inventory"].items() if k not in news["inventory"]}
        with _connected(news) as client:
            _register(client, news["services"], news["inventory"], before=olds)
            _unregister(client, gone_services, gone_keys)
        return UpdateResult(outs=news)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """What of the registration Consul still holds, as it was registered."""
        with _connected(props) as client:
            held = client.agent.services()
            services = [s for s in props["services"] if _is_registered(s, held.get(s["id"]))]
            inventory = {}
            for key, value in props["inventory"].items():
                _, entry = client.kv.get(key)
                if entry is not None and (entry.get("Value") or b"").decode() == value:
                    inventory[key] = value
        return ReadResult(id_, {**props, "services": services, "inventory": inventory})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        with _connected(props) as client:
            _unregister(client, props["services"], props["inventory"])
