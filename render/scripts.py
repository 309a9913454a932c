"""The host scripts (scripts/*.sh) as they run: a header of quoted variables, then the script with
every library it sources written inline.

The scripts are plain POSIX sh files, checked by shellcheck and run by the tests as they are (each
sources its libraries from scripts/). Rendered whole into a command's `create` or `delete`, they
let `pulumi preview --diff` show reviewers exactly what will run on their hosts.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

SCRIPTS_DIR = Path(__file__).resolve().parent.parent / "scripts"
# A remote script that hangs (a host that accepts SSH but never answers) stops itself after this
# long, unless given a deadline of its own (a drain waits drainTimeout); see scripts/lib.sh.
SCRIPT_DEADLINE_SECONDS = 900

_SOURCE = re.compile(r'^\. "\$\{SCRIPTS:-scripts\}/(?P<name>[\w.-]+)"$')


def _inline(name: str, done: set[str]) -> list[str]:
    lines = []
    for line in (SCRIPTS_DIR / name).read_text().splitlines():
        source = _SOURCE.match(line)
        if source:
            if source["name"] not in done:
                done.add(source["name"])
                lines += _inline(source["name"], done)
        elif not line.startswith(("#!", "# shellcheck source=")):
            lines.append(line)
    return lines


def render_script(name: str, *, where: str, deadline: int | None = SCRIPT_DEADLINE_SECONDS,
                  **variables: object) -> str:
    """scripts/`name` with its variables; `where` names the host in its messages; `deadline`
    (seconds, or None for a script that runs inside a container) stops it on the host."""
    header = {"WHERE": where, **({"DEADLINE_SECONDS": deadline} if deadline is not None else {}), **variables}
    lines = [f"# {name}", *(f"{key}={shlex.quote(str(value))}" for key, value in header.items())]
    return "\n".join(lines + _inline(name, set())) + "\n"


def script_text(name: str) -> str:
    """A file of scripts/ as it is (a program the scripts pass to python3)."""
    return (SCRIPTS_DIR / name).read_text()
