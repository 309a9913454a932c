"""Durations written the way Go prints them (time.Duration.String()).

The Docker provider reads a container's health check back with Go's Duration.String()
(kreuzwerker/terraform-provider-docker v4.5.0 resource_docker_container_funcs.go:960-971), so the
program writes every duration in that form: "60s" would read back as "1m0s", a change in every
later preview that replaces the container.
"""

from __future__ import annotations

import re

_SECOND = 1_000_000_000


def _decimal(whole: int, fraction: int, digits: int) -> str:
    text = str(whole)
    if fraction:
        text += "." + str(fraction).rjust(digits, "0").rstrip("0")
    return text


def go_duration(nanoseconds: int) -> str:
    """Go's time.Duration.String(): 0 -> "0s", 60 s -> "1m0s", 1 h -> "1h0m0s", 1/2 s -> "500ms"."""
    if nanoseconds == 0:
        return "0s"
    sign, ns = ("-", -nanoseconds) if nanoseconds < 0 else ("", nanoseconds)
    if ns < 1_000:
        return f"{sign}{ns}ns"
    if ns < 1_000_000:
        return f"{sign}{_decimal(ns // 1_000, ns % 1_000, 3)}µs"
    if ns < _SECOND:
        return f"{sign}{_decimal(ns // 1_000_000, ns % 1_000_000, 6)}ms"
    seconds, fraction = divmod(ns, _SECOND)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = _decimal(seconds, fraction, 9) + "s"
    if hours or minutes:
        text = f"{minutes}m" + text
    if hours:
        text = f"{hours}h" + text
    return sign + text


def seconds(count: float) -> str:
    """A whole or fractional number of seconds, as Go prints it."""
    return go_duration(round(count * _SECOND))


_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": _SECOND, "m": 60 * _SECOND, "h": 3600 * _SECOND}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_go_duration(text: str) -> int:
    """Go's time.ParseDuration, in nanoseconds: "1m0s", "1h30m", "500ms", "1.5s"."""
    if text in ("0", ""):
        return 0
    total, position = 0.0, 0
    while position < len(text):
        match = _PART.match(text, position)
        if match is None:
            raise ValueError(f"time: invalid duration {text!r}")
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    return round(total)
