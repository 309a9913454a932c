"""Docker API clients for the program's Docker providers, dialled as the provider dials them.

A `unix://` host is used directly. For an `ssh://` host the provider uses docker/cli's connection
helper (kreuzwerker/terraform-provider-docker v4.5.0 internal/provider/config.go:168,
`connhelper.GetConnectionHelperWithSSHOpts`): every new HTTP connection starts one
`ssh <sshOpts> -o ConnectTimeout=30 -T -p PORT -l USER -- HOST docker system dial-stdio` and speaks
HTTP over its stdin and stdout. The applier does the same: a local socket whose every accepted
connection runs that command, so the hosts see the same ssh sessions (and the same need for a
`docker` CLI on the SSH user's PATH) as under the real provider. The provider pings the engine
once, without retries (config.go:190-200).
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import docker

from applier.errors import ApplyError, Unsupported

PROVIDER_INPUTS = frozenset({"host", "sshOpts", "version", "registryAuth"})


def dial_stdio_command(host: str, ssh_opts: list[str]) -> list[str]:
    """docker/cli cli/connhelper: the ssh command line for one connection to `host`."""
    url = urlparse(host)
    options = list(ssh_opts)
    if not any("ConnectTimeout" in o for o in options):
        options += ["-o", "ConnectTimeout=30"]
    remote = "docker system dial-stdio" if not url.path else f"docker --host=unix://{url.path} system dial-stdio"
    command = ["ssh", *options, "-T"]
    if url.port:
        command += ["-p", str(url.port)]
    if url.username:
        command += ["-l", url.username]
    return [*command, "--", str(url.hostname), remote]


class _DialStdioSocket:
    """A unix socket; each connection to it is piped through its own `ssh ... dial-stdio`."""

    def __init__(self, path: Path, command: list[str]) -> None:
        self.path = path
        self.command = command
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(path))
        self._server.listen(64)
        self._processes: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            with self._lock:
                if self._closed:
                    proc.kill()
                    conn.close()
                    return
                self._processes.append(proc)
            threading.Thread(target=self._pump_in, args=(conn, proc), daemon=True).start()
            threading.Thread(target=self._pump_out, args=(conn, proc), daemon=True).start()

    @staticmethod
    def _pump_in(conn: socket.socket, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None
        try:
            while data := conn.recv(65536):
                proc.stdin.write(data)
                proc.stdin.flush()
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                proc.stdin.close()

    @staticmethod
    def _pump_out(conn: socket.socket, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        try:
            while data := proc.stdout.read1(65536):
                conn.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):  # wakes the other pump and tells the client: EOF
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
            proc.wait()

    def last_error(self) -> str:
        """What the last connection's ssh said, once it has ended."""
        with self._lock:
            proc = self._processes[-1] if self._processes else None
        if proc is None or proc.stderr is None:
            return ""
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return ""
        return proc.stderr.read().decode(errors="replace").strip() if proc.returncode else ""

    def close(self) -> None:
        with self._lock:
            self._closed = True
            processes, self._processes = self._processes, []
        self._server.close()
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()


class DockerConnections:
    """One client per provider configuration (host and ssh options), made on first use."""

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="mhs-docker-"))
        self._clients: dict[tuple[str, tuple[str, ...]], docker.DockerClient] = {}
        self._sockets: dict[tuple[str, tuple[str, ...]], _DialStdioSocket] = {}
        self._lock = threading.Lock()

    def client(self, provider_inputs: dict[str, Any]) -> docker.DockerClient:
        unknown = set(provider_inputs) - PROVIDER_INPUTS
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
            if key not in self._clients:
                self._clients[key] = self._connect(key, host, list(opts))
            return self._clients[key]

    def _connect(self, key: tuple[str, tuple[str, ...]], host: str, opts: list[str]) -> docker.DockerClient:
        if host.startswith("unix://"):
            base_url = host
        elif host.startswith("ssh://"):
            sock = self._sockets.get(key)
            if sock is None:
                sock = _DialStdioSocket(self._dir / f"{len(self._sockets)}.sock", dial_stdio_command(host, opts))
                self._sockets[key] = sock
            base_url = f"unix://{sock.path}"
        else:
            raise Unsupported(f"docker provider host {host}")
        try:
            client = docker.DockerClient(base_url=base_url, timeout=900)  # negotiates the API version
            client.ping()
        except Exception as exc:
            said = self._sockets[key].last_error() if key in self._sockets else ""
            raise ApplyError(f"Error pinging Docker server, please make sure that {host} is reachable and has a "
                             f"'_ping' endpoint. Error: {said or exc}") from exc
        return client

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
            for sock in self._sockets.values():
                sock.close()
            self._sockets.clear()
