"""Property paths as the engine writes and matches them (`healthcheck.startPeriod`, `triggers[0]`).

pulumi/pulumi sdk/go/common/resource/properties_path.go: ParsePropertyPath, and Contains (a path
matches every path it is a prefix of, `*` matching any one segment); the detailed diff's keys are
such paths (sdk/go/common/resource/plugin/provider.go, NewDetailedDiffFromObjectDiff).
"""

from __future__ import annotations

import re
from typing import Any

from applier.values import UNKNOWN

_SEGMENT = re.compile(r'\[(\d+|\*|"[^"]*")\]|\.?([^.\[\]]+)')

Path = tuple[str | int, ...]


def parse(text: str) -> Path:
    segments: list[str | int] = []
    for index, name in _SEGMENT.findall(text):
        if name:
            segments.append(name)
        elif index.isdigit():
            segments.append(int(index))
        else:
            segments.append(index.strip('"'))
    return tuple(segments)


def render(path: Path) -> str:
    out = ""
    for segment in path:
        out += f"[{segment}]" if isinstance(segment, int) else (f".{segment}" if out else segment)
    return out


def contains(pattern: Path, path: Path) -> bool:
    """Does `pattern` (a replaceOnChanges entry) match `path` (a changed property)?"""
    if len(path) < len(pattern):
        return False
    return all(p == "*" or p == q for p, q in zip(pattern, path, strict=False))


def changed_paths(old: Any, new: Any, prefix: Path = ()) -> dict[str, str]:
    """The engine's object diff, as detailed-diff keys: `add`, `delete` or `update` per leaf path.

    Descends into maps and into arrays of equal kind (pulumi/pulumi
    sdk/go/common/resource/plugin/provider.go: NewDetailedDiffFromObjectDiff)."""
    if old == new and new is not UNKNOWN:
        return {}
    key = render(prefix)
    if old is None:
        return {key: "add"}
    if new is None:
        return {key: "delete"}
    if isinstance(old, dict) and isinstance(new, dict):
        out: dict[str, str] = {}
        for name in sorted(set(old) | set(new)):
            out.update(changed_paths(old.get(name), new.get(name), (*prefix, name)))
        return out
    if isinstance(old, list) and isinstance(new, list):
        out = {}
        for i in range(max(len(old), len(new))):
            out.update(changed_paths(old[i] if i < len(old) else None, new[i] if i < len(new) else None,
                                     (*prefix, i)))
        return out
    return {key: "update"}
