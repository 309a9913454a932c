"""Errors of the test applier."""


class ApplyError(Exception):
    """A resource could not be created, updated or deleted; the message says which and why."""


class Unsupported(ApplyError):
    """The program used a resource type, input or option the applier does not implement.

    The applier stops instead of ignoring it: a test that passes must have performed everything
    the program declared.
    """
