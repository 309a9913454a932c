"""A shell script run on a host over SSH, with the settings every such command here shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_command as command

from components.ssh_access import SshAccess
from model.cluster import Host

# A script that hangs (a host that accepts SSH but never answers) fails instead of blocking `up`.
SCRIPT_TIMEOUT = "15m"


def remote_script(
    name: str,
    access: SshAccess,
    host: Host,
    *,
    create: str,
    delete: str | None = None,
    stdin: pulumi.Input[str] | None = None,
    secret_output: bool = False,
    triggers: Sequence[Any] | None = None,
    opts: pulumi.ResourceOptions,
) -> command.remote.Command:
    """`create`/`delete` are whole scripts, shown verbatim in `pulumi preview --diff`.

    With `secret_output` the command's stdout is kept secret and never logged (join tokens).
    """
    extra = pulumi.ResourceOptions(
        custom_timeouts=pulumi.CustomTimeouts(create=SCRIPT_TIMEOUT, update=SCRIPT_TIMEOUT, delete=SCRIPT_TIMEOUT),
        additional_secret_outputs=["stdout"] if secret_output else None,
        delete_before_replace=delete is not None,
    )
    return command.remote.Command(
        name,
        connection=access.connection(host),
        create=create,
        delete=delete,
        stdin=stdin,
        triggers=list(triggers) if triggers is not None else None,
        add_previous_output_in_env=False,
        logging=command.remote.Logging.NONE if secret_output else None,
        opts=pulumi.ResourceOptions.merge(opts, extra),
    )
