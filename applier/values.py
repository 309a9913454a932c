"""Values the engine handles specially."""

from __future__ import annotations


class _Unknown:
    """A value not known yet: the engine puts one in the place of every input that depends on a
    resource about to be deleted first, to ask the provider whether that would replace it."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()
