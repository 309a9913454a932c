"""Run the project's own __main__.py under Pulumi's mock runtime with a given stack config.

Shared by the unit tests (with fake provider outputs), the benchmarks and the applier, whose
monitor performs each resource for real.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import runpy
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
import yaml

from applier import sdk

REPO = Path(__file__).resolve().parent.parent
PROJECT = yaml.safe_load((REPO / "Pulumi.yaml").read_text())["name"]
SECRET_KEYS = ("sshPrivateKey",)


def stack_file_config(stack: str) -> dict[str, Any]:
    """The `config:` of a committed Pulumi.<stack>.yaml, keys without the project prefix."""
    data = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text()) or {}
    prefix = f"{PROJECT}:"
    return {k[len(prefix):]: v for k, v in (data.get("config") or {}).items() if k.startswith(prefix)}


def _config_text(value: Any) -> str:
    """As the CLI hands config to a program: strings as they are, everything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def run_program(monitor: Any, config: Mapping[str, Any], *, stack: str,
                rpc_threads: int | None = None) -> dict[str, Any]:
    """Run __main__.py; return the resolved stack outputs. Raises what the program raises.

    Each run gets an event loop and RPC threads of its own, and returns only once every
    registration in flight has finished, so that a failed run leaves nothing behind for the next.
    `rpc_threads`: how many registrations may be performed at once (Python's default otherwise).
    """
    loop = asyncio.new_event_loop()
    # When one registration fails the program stops; the others' failures are its consequences.
    loop.set_exception_handler(lambda lp, context: None if "never retrieved" in context.get("message", "")
                               else lp.default_exception_handler(context))
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=rpc_threads)
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    try:
        return _run(monitor, config, stack=stack)
    finally:
        executor.shutdown(wait=True)
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)


def _run(monitor: Any, config: Mapping[str, Any], *, stack: str) -> dict[str, Any]:
    sdk.reset_runtime()
    sdk.install(monitor, project=PROJECT, stack=stack,
                config={f"{PROJECT}:{k}": _config_text(v) for k, v in config.items()},
                secret_keys=[f"{PROJECT}:{k}" for k in SECRET_KEYS if k in config])
    outputs: dict[str, Any] = {}

    async def resolve() -> None:
        root = pulumi.runtime.get_root_resource()
        for name, value in root.outputs.items():  # type: ignore[union-attr]
            outputs[name] = await pulumi.Output.from_input(value).future()

    def program() -> None:
        if str(REPO) not in sys.path:
            sys.path.insert(0, str(REPO))
        runpy.run_path(str(REPO / "__main__.py"), run_name="__pulumi_program__")
        sdk.sync_await(resolve())

    sdk.run_program(program)
    return outputs
