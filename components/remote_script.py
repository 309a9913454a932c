"""A shell script run on a host over SSH, with the settings every such command here shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_command as command

from components.ssh_access import SshAccess
from model.cluster import Host


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
    opts: pulumi.ResourceOptions,
) -> command.remote.Command:
    """`create`/`delete` are whole scripts (render/scripts.py), shown verbatim in `pulumi preview
    --diff`; each stops itself on the host past its deadline.

    `triggers`: a change of any replaces the command (the machine's identity among them, see
    components/machines.py). With `secret_output` the command's stdout is kept secret and never
    logged (join tokens)."""
    extra = pulumi.ResourceOptions(
        additional_secret_outputs=["stdout"] if secret_output else None,
        delete_before_replace=delete is not None,
    )
    return command.remote.Command(
        name,
        connection=access.connection(host),
        create=create,
        delete=delete,
        stdin=stdin,
        triggers=list(triggers) or None,
        add_previous_output_in_env=False,
        logging=command.remote.Logging.NONE if secret_output else None,
        opts=pulumi.ResourceOptions.merge(opts, extra),
    )
