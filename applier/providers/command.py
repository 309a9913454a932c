"""pulumi-command v1.2.1: `remote.Command` over SSH (paramiko), `local.Command` with /bin/sh.

PC = provider/pkg/provider/ at tag v1.2.1; GP = pulumi-go-provider v1.3.0, whose `infer`
framework answers Diff and Read for it.
- Check writes the connection's defaults into the inputs (PC remote/connection.go:57-78).
- Diff: old inputs against new (not the outputs), leaf by leaf; only a change of `triggers` as a
  whole replaces (GP infer/resource.go:1132-1253). The SDK adds replace_on_changes=["triggers[*]"],
  so that a change inside `triggers` replaces too (the engine's rule). Everything else is an update,
  which runs `update` if set, else `create` (PC remote/commandController.go:63-83).
- Delete runs the old state's `delete` on the old connection; without one it does nothing.
- No Read: refresh keeps the state (GP infer/resource.go:1353-1364).
- A failed command records nothing (GP infer/resource.go:1291-1293).
- Remote: dial attempts are dialErrorLimit + 1, backoff from 0.1 s by 1.5 to 5 s, each dial limited
  to perDialTimeout (PC remote/connection.go:150-187); host keys are not checked without `hostKey`.
  A custom timeout limits only the dial: the command itself runs on (`session.Run` takes no
  context, PC remote/commandOutputs.go:95). Local: the process is killed at the timeout
  (`exec.CommandContext`, PC local/commandOutputs.go:59).
- One trailing newline is trimmed from stdout and stderr (PC remote/commandOutputs.go:103-106).
"""

from __future__ import annotations

import io
import secrets
import select
import subprocess
import time
from typing import Any

import paramiko

from applier import paths
from applier.errors import ApplyError, Unsupported
from applier.providers.base import Context, Diff, Provider
from applier.state import Resource

COMMON_INPUTS = frozenset({"create", "update", "delete", "stdin", "triggers", "addPreviousOutputInEnv", "logging"})
CONNECTION_DEFAULTS = {"user": "root", "port": 22, "dialErrorLimit": 10, "perDialTimeout": 15}
CONNECTION_INPUTS = frozenset({"host", "port", "user", "privateKey", "dialErrorLimit", "perDialTimeout"})
# Not pulumi-command's: the test harness gives up on a remote command still running after this long,
# where the real CLI would wait for ever (a failure either way, never a pass).
HARNESS_LIMIT_SECONDS = 1800.0


def _trim(text: str) -> str:
    return text[:-1] if text.endswith("\n") else text


def _private_key(text: str) -> paramiko.PKey:
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise ApplyError("the SSH private key is in no format paramiko reads")


def dial(conn: dict[str, Any]) -> paramiko.SSHClient:
    """PC remote/connection.go:150-187."""
    host, port = conn["host"], int(conn["port"])
    limit, per_dial = int(conn["dialErrorLimit"]), float(conn["perDialTimeout"])
    key = _private_key(conn["privateKey"])
    delay, failures = 0.1, 0
    while True:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # InsecureIgnoreHostKey without hostKey
        try:
            client.connect(host, port=port, username=conn["user"], pkey=key, timeout=per_dial or None,
                           banner_timeout=per_dial or None, auth_timeout=per_dial or None,
                           look_for_keys=False, allow_agent=False)
            return client
        except (OSError, paramiko.SSHException) as exc:
            client.close()
            failures += 1
            if 0 <= limit < failures:
                raise ApplyError(f"Dial {host}:{port}: after {failures - 1} failed attempts: {exc}") from exc
            time.sleep(delay)
            delay = min(delay * 1.5, 5.0)


def run_remote(conn: dict[str, Any], script: str, stdin: str | None) -> tuple[str, str]:
    client = dial(conn)
    try:
        channel = client.get_transport().open_session()  # type: ignore[union-attr]
        channel.exec_command(script)
        if stdin:
            channel.sendall(stdin.encode())
        channel.shutdown_write()
        out, err = bytearray(), bytearray()
        deadline = time.monotonic() + HARNESS_LIMIT_SECONDS
        while True:
            if channel.recv_ready():
                out += channel.recv(65536)
            elif channel.recv_stderr_ready():
                err += channel.recv_stderr(65536)
            elif channel.exit_status_ready():
                break
            else:
                if time.monotonic() > deadline:
                    raise ApplyError(f"command on {conn['host']} still running after {HARNESS_LIMIT_SECONDS:.0f} s: "
                                     "pulumi-command would wait for ever (test harness limit)")
                select.select([channel], [], [], 0.2)
        while channel.recv_ready():
            out += channel.recv(65536)
        while channel.recv_stderr_ready():
            err += channel.recv_stderr(65536)
        status = channel.recv_exit_status()
    finally:
        client.close()
    stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
    if status != 0:
        raise ApplyError(f"Process exited with status {status} on {conn['host']}:\n{_trim(stderr) or _trim(stdout)}")
    return _trim(stdout), _trim(stderr)


def run_local(script: str, stdin: str | None, cwd: str, timeout: float | None) -> tuple[str, str]:
    try:
        result = subprocess.run(["/bin/sh", "-c", script], input=stdin or "", capture_output=True, text=True,
                                cwd=cwd, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ApplyError(f"signal: killed: local command still running after its {timeout:.0f} s timeout") from exc
    if result.returncode != 0:
        raise ApplyError(f"exit status {result.returncode}: running {script[:80]!r}:\n{result.stdout}{result.stderr}")
    return _trim(result.stdout), _trim(result.stderr)


class _Command(Provider):
    inputs = COMMON_INPUTS

    def check(self, ctx: Context, resource: Resource, olds: dict[str, Any] | None) -> dict[str, Any]:
        extra = set(resource.inputs) - self.inputs
        if extra:
            raise Unsupported(f"{resource.type} '{resource.name}': input(s) {sorted(extra)} are not implemented")
        if resource.inputs.get("addPreviousOutputInEnv", True):
            raise Unsupported(f"{resource.type} '{resource.name}': addPreviousOutputInEnv (the program sets it false)")
        return resource.inputs

    def diff(self, old: Resource, inputs: dict[str, Any]) -> Diff:
        detailed = paths.changed_paths(old.inputs, inputs)
        replace = {k for k in detailed if k == "triggers"}
        return Diff(changes=bool(detailed), replace_keys=frozenset(replace),
                    detailed={k: f"{v}-replace" if k in replace else v for k, v in detailed.items()})

    def _run(self, ctx: Context, resource: Resource, script: str, operation: str) -> tuple[str, str]:
        raise NotImplementedError

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        script = new.inputs.get("create")
        stdout, stderr = self._run(ctx, new, script, "create") if script else ("", "")
        return f"{new.name}{secrets.token_hex(4)}", {**new.inputs, "stdout": stdout, "stderr": stderr}

    def update(self, ctx: Context, old: Resource, new: Resource, diff: Diff) -> dict[str, Any]:
        script = new.inputs.get("update") or new.inputs.get("create")
        if not script:
            return {**new.inputs, "stdout": old.outputs.get("stdout", ""), "stderr": old.outputs.get("stderr", "")}
        stdout, stderr = self._run(ctx, new, script, "update")
        return {**new.inputs, "stdout": stdout, "stderr": stderr}

    def delete(self, ctx: Context, old: Resource) -> None:
        script = old.outputs.get("delete", old.inputs.get("delete"))
        if script:
            self._run(ctx, old, script, "delete")


class RemoteCommand(_Command):
    type = "command:remote:Command"
    inputs = COMMON_INPUTS | {"connection"}

    def check(self, ctx: Context, resource: Resource, olds: dict[str, Any] | None) -> dict[str, Any]:
        inputs = dict(super().check(ctx, resource, olds))
        connection = inputs["connection"]
        extra = set(connection) - CONNECTION_INPUTS
        if extra:
            raise Unsupported(f"remote.Command '{resource.name}': connection input(s) {sorted(extra)}")
        inputs["connection"] = {**CONNECTION_DEFAULTS, **{k: v for k, v in connection.items() if v is not None}}
        return inputs

    def _run(self, ctx: Context, resource: Resource, script: str, operation: str) -> tuple[str, str]:
        state = resource.outputs if operation == "delete" else resource.inputs
        return run_remote(state["connection"], script, state.get("stdin"))


class LocalCommand(_Command):
    type = "command:local:Command"

    def _run(self, ctx: Context, resource: Resource, script: str, operation: str) -> tuple[str, str]:
        state = resource.outputs if operation == "delete" else resource.inputs
        return run_local(script, state.get("stdin"), ctx.project_dir, resource.timeouts.get(operation))
