"""A shell script run on a host over SSH, with the settings every such command here shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_command as command

from components.ssh_access import SshAccess
from model.cluster import Host
from render.deadline import with_deadline

# A script that hangs (a host that accepts SSH but never answers) is stopped by the host after this
# long, unless its caller gives it a deadline of its own (a drain that waits drainTimeout).
SCRIPT_DEADLINE_SECONDS = 900


def remote_script(
    name: str,
    access: SshAccess,
    host: Host,
    *,
    create: pulumi.Input[str],
    delete: str | None = None,
    stdin: pulumi.Input[str] | None = None,
    secret_output: bool = False,
    triggers: Sequence[Any] = (),
    deadline: int = SCRIPT_DEADLINE_SECONDS,
    opts: pulumi.ResourceOptions,
) -> command.remote.Command:
    """`create`/`delete` are whole scripts, shown verbatim in `pulumi preview --diff`; each runs
    under a deadline on the host (render/deadline.py).

    `triggers`: a change of any replaces the command (the machine's identity among them, see
    components/machines.py). With `secret_output` the command's stdout is kept secret and never
    logged (join tokens)."""
    where = f"host {host.name}"
    extra = pulumi.ResourceOptions(
        additional_secret_outputs=["stdout"] if secret_output else None,
        delete_before_replace=delete is not None,
    )
    return command.remote.Command(
        name,
        connection=access.connection(host),
        create=pulumi.Output.from_input(create).apply(lambda text: with_deadline(text, deadline, where)),
        delete=with_deadline(delete, deadline, where) if delete is not None else None,
        stdin=stdin,
        triggers=list(triggers) or None,
        add_previous_output_in_env=False,
        logging=command.remote.Logging.NONE if secret_output else None,
        opts=pulumi.ResourceOptions.merge(opts, extra),
    )
