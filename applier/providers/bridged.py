"""How a bridged Terraform (SDKv2) provider checks and diffs, driven by the resource's schema.

Rules (pulumi/pulumi-terraform-bridge v3.136, the mirror's nearest to pulumi-docker's v3.137; BR =
pkg/tfbridge/, S2 = pkg/tfshim/sdk-v2/; TSDK = terraform-plugin-sdk helper/schema/):
- Check fills the schema's defaults into the inputs, except falsy ones (false, 0, ""), which the
  bridge leaves out (BR schema.go:959-1006); nested blocks get theirs too (BR schema.go:675).
- Diff compares the new inputs with the state, i.e. the outputs the provider's last Read or Update
  wrote, not with the old inputs (BR provider.go:1137-1169; S2 provider2.go:274-349).
- An input the program leaves out keeps the state's value when the attribute is Optional+Computed
  (OpenTofu objchange.go:366-376); otherwise a zero value in the state (0, "", false, empty) equals
  an absent input (TSDK schema.go diffString: a nil new value is compared as the type's zero).
- Set-typed attributes compare without order (cty sets), each element with all its fields, absent
  ones as zero (TSDK HashResource); a list compares element by element.
- A changed ForceNew attribute replaces; the detailed diff names leaf paths such as
  `healthcheck.startPeriod` (BR detailed_diff.go:77-93, 727-746); `replaces` holds top-level names
  (BR provider.go:1241-1260). Which attributes are ForceNew is the provider's rule, kept once in
  components/provider_rules.py.
- An unknown input (the engine asking whether a condemned dependency would replace this
  resource) is a change, which replaces when the attribute is ForceNew.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from applier.errors import Unsupported
from applier.providers.base import Diff
from applier.values import UNKNOWN
from components.provider_rules import ProviderRules

SCALARS = ("str", "int", "bool")


@dataclass(frozen=True)
class Attr:
    """One attribute of a Terraform schema, under its Pulumi name."""

    kind: str  # str, int, bool, list, set, map, block (MaxItems 1), list_block, set_block
    computed: bool = False  # Optional+Computed
    default: Any = None
    block: Mapping[str, Attr] = field(default_factory=dict)  # the nested schema of a block
    # a DiffSuppressFunc: (old, new) -> True when the change is to be ignored
    suppress: Callable[[Any, Any], bool] | None = None


def _zero(attr: Attr) -> Any:
    return {"str": "", "int": 0, "bool": False}.get(attr.kind)


def _is_zero(value: Any) -> bool:
    return value in (None, "", 0, False, [], {})


def _scalar(attr: Attr, value: Any) -> Any:
    if value is None:
        return _zero(attr)
    if attr.kind == "int":
        return int(value)
    if attr.kind == "bool":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    return str(value)


def canonical(attr: Attr, value: Any) -> Any:
    """The value as Terraform would hold it: defaults filled, zero for absent, sets ordered."""
    if attr.kind in SCALARS:
        return _scalar(attr, value if value is not None else attr.default)
    if attr.kind == "map":
        return {str(k): str(v) for k, v in (value or {}).items()}
    if attr.kind in ("list", "set"):
        items = [str(v) for v in (value or [])]
        return sorted(items) if attr.kind == "set" else items
    if attr.kind == "block":
        if value is None:
            return None
        return {name: canonical(sub, value.get(name)) for name, sub in attr.block.items()}
    items = [{name: canonical(sub, item.get(name)) for name, sub in attr.block.items()} for item in value or []]
    if attr.kind == "set_block":
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return items


def fill_defaults(schema: Mapping[str, Attr], inputs: dict[str, Any], where: str) -> dict[str, Any]:
    """Check: the program's inputs with the schema's non-falsy defaults; unknown inputs refused."""
    extra = set(inputs) - set(schema)
    if extra:
        raise Unsupported(f"{where}: input(s) {sorted(extra)} are not implemented")
    out = dict(inputs)
    for name, attr in schema.items():
        value = out.get(name)
        if value is None and not _is_zero(attr.default):
            out[name] = attr.default
        elif value is not None and attr.block:
            items = [value] if attr.kind == "block" else value
            filled = [fill_defaults(attr.block, dict(item), f"{where}.{name}") for item in items]
            out[name] = filled[0] if attr.kind == "block" else filled
    return out


def _changed(attr: Attr, old: Any, new: Any) -> bool:
    if new is None:
        return not (attr.computed or _is_zero(old))
    if new is UNKNOWN:
        return True
    if attr.suppress is not None and old is not None and attr.suppress(old, new):
        return False
    return canonical(attr, old) != canonical(attr, new)


def diff(schema: Mapping[str, Attr], rules: ProviderRules, state: Mapping[str, Any], inputs: Mapping[str, Any],
         delete_before_replace: bool) -> Diff:
    """The bridge's Diff of checked `inputs` against `state`; `rules` says which attributes are ForceNew."""
    detailed: dict[str, str] = {}
    replace_keys = set()
    for name, attr in schema.items():
        old, new = state.get(name), inputs.get(name)
        paths: list[str] = []
        if attr.kind == "block" and isinstance(old, dict) and isinstance(new, dict):
            paths = [f"{name}.{sub}" for sub, sub_attr in attr.block.items()
                     if _changed(sub_attr, old.get(sub), new.get(sub))]
        elif _changed(attr, old, new):
            paths = [name]
        force_new = rules.replaces({name})
        for path in paths:
            kind = "add" if old is None else "delete" if new is None else "update"
            detailed[path] = f"{kind}-replace" if force_new else kind
            if force_new:
                replace_keys.add(name)
    return Diff(changes=bool(detailed), replace_keys=frozenset(replace_keys), detailed=detailed,
                delete_before_replace=delete_before_replace and bool(replace_keys))
