"""pulumi-command: `remote.Command` over SSH (paramiko), `local.Command` with /bin/sh."""

from __future__ import annotations

import io
import select
import subprocess
import time
from typing import Any

import paramiko

from tests.applier.errors import ApplyError, Unsupported
from tests.applier.handler import Context, Handler
from tests.applier.state import ResourceRecord

COMMAND_INPUTS = frozenset({"create", "update", "delete", "stdin", "triggers", "addPreviousOutputInEnv",
                            "logging"})
DEFAULT_TIMEOUT = 3600.0


def _private_key(text: str) -> paramiko.PKey:
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise ApplyError("the SSH private key is in no format paramiko reads")


def _connect(conn: dict[str, Any]) -> paramiko.SSHClient:
    unknown = set(conn) - {"host", "port", "user", "privateKey", "dialErrorLimit", "perDialTimeout"}
    if unknown:
        raise Unsupported(f"remote.Command connection input(s) {sorted(unknown)}")
    host, port = conn["host"], int(conn.get("port", 22))
    attempts = int(conn.get("dialErrorLimit", 10))
    per_dial = float(conn.get("perDialTimeout", 15))
    key = _private_key(conn["privateKey"])
    last: Exception | None = None
    for _ in range(max(attempts, 1)):
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # as pulumi-command without host_key
        try:
            client.connect(host, port=port, username=conn.get("user", "root"), pkey=key, timeout=per_dial,
                           banner_timeout=per_dial, auth_timeout=per_dial, look_for_keys=False, allow_agent=False)
            return client
        except (OSError, paramiko.SSHException) as exc:
            last = exc
            client.close()
            time.sleep(1)
    raise ApplyError(f"could not dial {host}:{port} after {attempts} attempts: {last}")


def run_remote(conn: dict[str, Any], script: str, stdin: str | None, timeout: float) -> tuple[str, str]:
    client = _connect(conn)
    try:
        channel = client.get_transport().open_session()  # type: ignore[union-attr]
        channel.exec_command(script)
        if stdin:
            channel.sendall(stdin.encode())
        channel.shutdown_write()
        out, err = bytearray(), bytearray()
        deadline = time.monotonic() + timeout
        while True:
            if channel.recv_ready():
                out += channel.recv(65536)
            elif channel.recv_stderr_ready():
                err += channel.recv_stderr(65536)
            elif channel.exit_status_ready():
                break
            else:
                if time.monotonic() > deadline:
                    raise ApplyError(f"command on {conn['host']} still running after {timeout:.0f} s")
                select.select([channel], [], [], 0.2)
        while channel.recv_ready():
            out += channel.recv(65536)
        while channel.recv_stderr_ready():
            err += channel.recv_stderr(65536)
        status = channel.recv_exit_status()
    finally:
        client.close()
    stdout, stderr = out.decode(errors="replace").rstrip("\n"), err.decode(errors="replace").rstrip("\n")
    if status != 0:
        raise ApplyError(f"exit status {status} on {conn['host']}:\n{stderr or stdout}")
    return stdout, stderr


def run_local(script: str, stdin: str | None, cwd: str, timeout: float) -> tuple[str, str]:
    try:
        result = subprocess.run(["/bin/sh", "-c", script], input=stdin or "", capture_output=True, text=True,
                                cwd=cwd, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ApplyError(f"local command still running after {timeout:.0f} s") from exc
    stdout, stderr = result.stdout.rstrip("\n"), result.stderr.rstrip("\n")
    if result.returncode != 0:
        raise ApplyError(f"local command exited with status {result.returncode}:\n{stderr or stdout}")
    return stdout, stderr


class _CommandHandler(Handler):
    replace_on = frozenset({"triggers"})

    def _run(self, ctx: Context, record: ResourceRecord, script: str, timeout_key: str) -> tuple[str, str]:
        raise NotImplementedError

    def check(self, record: ResourceRecord) -> None:
        super().check(record)
        if record.inputs.get("addPreviousOutputInEnv", True):
            raise Unsupported(f"{record.type} '{record.name}': addPreviousOutputInEnv (the program sets it false)")

    def _outputs(self, record: ResourceRecord, stdout: str, stderr: str) -> dict[str, Any]:
        return {**record.inputs, "stdout": stdout, "stderr": stderr}

    def create(self, ctx: Context, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        script = record.inputs.get("create")
        stdout, stderr = self._run(ctx, record, script, "create") if script else ("", "")
        return f"{record.name}-{time.time_ns()}", self._outputs(record, stdout, stderr)

    def update(self, ctx: Context, old: ResourceRecord, new: ResourceRecord, changed: set[str]) -> dict[str, Any]:
        script = new.inputs.get("update") or new.inputs.get("create")
        stdout, stderr = self._run(ctx, new, script, "update") if script else ("", "")
        return self._outputs(new, stdout, stderr)

    def delete(self, ctx: Context, record: ResourceRecord) -> None:
        script = record.inputs.get("delete")
        if script:
            self._run(ctx, record, script, "delete")


class RemoteCommand(_CommandHandler):
    type = "command:remote:Command"
    inputs = COMMAND_INPUTS | {"connection"}

    def _run(self, ctx: Context, record: ResourceRecord, script: str, timeout_key: str) -> tuple[str, str]:
        timeout = record.timeouts.get(timeout_key, DEFAULT_TIMEOUT)
        return run_remote(record.inputs["connection"], script, record.inputs.get("stdin"), timeout)


class LocalCommand(_CommandHandler):
    type = "command:local:Command"
    inputs = COMMAND_INPUTS

    def _run(self, ctx: Context, record: ResourceRecord, script: str, timeout_key: str) -> tuple[str, str]:
        timeout = record.timeouts.get(timeout_key, DEFAULT_TIMEOUT)
        return run_local(script, record.inputs.get("stdin"), ctx.project_dir, timeout)
