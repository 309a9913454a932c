"""Docker API clients for the program's docker providers.

A `unix://` host is used directly. For an `ssh://` host the applier runs the local `ssh` client
with the provider's own `sshOpts` (as Docker's ssh connection helper does) and forwards the
remote engine's socket to a local one.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import docker

from tests.applier.errors import ApplyError, Unsupported

FORWARD_WAIT_SECONDS = 30


class DockerConnections:
    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="mhs-docker-"))
        self._clients: dict[tuple[str, tuple[str, ...]], docker.DockerClient] = {}
        self._forwards: list[subprocess.Popen[bytes]] = []
        self._forward_of: dict[tuple[str, tuple[str, ...]], subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def client(self, provider_inputs: dict[str, Any]) -> docker.DockerClient:
        unknown = set(provider_inputs) - {"host", "sshOpts", "version"}
        if unknown:
            raise Unsupported(f"docker provider input(s) {sorted(unknown)}")
        host = provider_inputs.get("host")
        if not host:
            raise Unsupported("a docker provider without an explicit host (the program must set one per host)")
        opts = provider_inputs.get("sshOpts") or []
        if isinstance(opts, str):
            opts = json.loads(opts)
        key = (host, tuple(opts))
        with self._lock:
            forward = self._forward_of.get(key)
            if forward is not None and forward.poll() is not None:  # the host went away: dial again
                del self._forward_of[key]
                stale = self._clients.pop(key, None)  # None when the host was already unreachable at dial
                if stale is not None:
                    stale.close()
            if key not in self._clients:
                self._clients[key] = self._connect(key, host, list(opts))
            return self._clients[key]

    def _connect(self, key: tuple[str, tuple[str, ...]], host: str, opts: list[str]) -> docker.DockerClient:
        if host.startswith("unix://"):
            base_url = host
        elif host.startswith("ssh://"):
            base_url = self._forward(key, host, opts)
        else:
            raise Unsupported(f"docker provider host {host}")
        client = docker.DockerClient(base_url=base_url, timeout=900)
        client.ping()
        return client

    def _forward(self, key: tuple[str, tuple[str, ...]], host: str, opts: list[str]) -> str:
        url = urlparse(host)
        sock = self._dir / f"{len(self._forwards)}.sock"
        remote = url.path or "/var/run/docker.sock"
        cmd = ["ssh", "-nNT", "-o", "ExitOnForwardFailure=yes", "-o", "StreamLocalBindUnlink=yes",
               "-o", "ServerAliveInterval=15", *opts,
               "-p", str(url.port or 22), "-L", f"{sock}:{remote}", f"{url.username or 'root'}@{url.hostname}"]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._forwards.append(proc)
        self._forward_of[key] = proc
        deadline = time.monotonic() + FORWARD_WAIT_SECONDS
        while not sock.exists():
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise ApplyError(f"ssh to {host} failed: {err.strip()}")
            if time.monotonic() > deadline:
                raise ApplyError(f"ssh to {host} did not forward the Docker socket within {FORWARD_WAIT_SECONDS} s")
            time.sleep(0.1)
        return f"unix://{sock}"

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
            for proc in self._forwards:
                proc.terminate()
            for proc in self._forwards:
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
            self._forwards.clear()
            self._forward_of.clear()
