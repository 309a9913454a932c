"""Test tooling, not a product feature: applies the program to real Docker engines without the
Pulumi CLI (which cannot be installed where this project's tests run), following the engine's and
the providers' rules as their sources state them. See README.md, "The test applier"."""

from applier.engine import Applier, ApplyResult, Change
from applier.errors import ApplyError, InitError, Unsupported
from applier.providers.base import Provider
from applier.registry import real_providers

__all__ = ["Applier", "ApplyError", "ApplyResult", "Change", "InitError", "Provider", "Unsupported",
           "real_providers"]
