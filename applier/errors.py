"""Errors of the test applier."""

from __future__ import annotations

from typing import Any


class ApplyError(Exception):
    """A resource could not be created, updated or deleted; the message says which and why."""


class Unsupported(ApplyError):
    """The program used a resource type, input or option the applier does not implement.

    The applier stops instead of ignoring it: a test that passes must have performed everything
    the program declared.
    """


class InitError(ApplyError):
    """The resource was created but failed to initialise (a container that did not start or never
    became healthy). As the engine does with a provider's ErrorResourceInitFailed, the applier keeps
    it in the state, with its ID, outputs and the reasons, and the deployment fails."""

    def __init__(self, message: str, resource_id: str, outputs: dict[str, Any]) -> None:
        super().__init__(message)
        self.resource_id = resource_id
        self.outputs = outputs
