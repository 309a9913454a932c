"""Test tooling, not a product feature: applies the program to real Docker engines without the
Pulumi CLI (which cannot be installed where this project's tests run). See README.md, Tests."""

from tests.applier.applier import Applier, ApplyResult, Change
from tests.applier.errors import ApplyError, Unsupported

__all__ = ["Applier", "ApplyError", "ApplyResult", "Change", "Unsupported"]
