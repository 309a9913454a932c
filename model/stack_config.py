"""Read this stack's Pulumi config into plain data for `model.config.parse_cluster`."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi

from model.cluster import Cluster
from model.config import ConfigError, SecretState, parse_cluster
from model.constants import PROJECT
from model.schema import TOP_LEVEL_KEYS

SSH_KEY = "sshPrivateKey"
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")


def _configured_keys() -> set[str]:
    """Every key set in this project's namespace, so that a typo is reported, not ignored."""
    everything = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    prefix = f"{PROJECT}:"
    return {k[len(prefix):] for k in everything if k.startswith(prefix)}


def _decode(key: str, text: str) -> Any:
    """Config values arrive as strings; structured ones (lists, maps) as JSON text, a YAML null as
    "null". A scalar stays text (the schema reads "8" or "false" as what they spell)."""
    if text.strip() == "null":
        return None
    if not text.lstrip().startswith(("[", "{")):
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise ConfigError(f"{PROJECT}:{key}: the value is not valid JSON/YAML. Fix: check its brackets and "
                          "quotes in the stack file") from None


def load_cluster() -> tuple[Cluster, pulumi.Output[str] | None]:
    """The validated model and the SSH private key (a secret Output, or None when not set)."""
    config = pulumi.Config(PROJECT)
    raw: dict[str, Any] = {}
    for key in (_configured_keys() | set(TOP_LEVEL_KEYS)) - {SSH_KEY}:
        text = config.get(key)
        if text is not None:
            raw[key] = _decode(key, text)
    key_name = f"{PROJECT}:{SSH_KEY}"
    key_value = pulumi.runtime.get_config(key_name)
    state = SecretState(present=key_value is not None, secret=pulumi.runtime.is_config_secret(key_name),
                        looks_like_a_private_key=bool(key_value and _PRIVATE_KEY.search(key_value)))
    cluster = parse_cluster(raw, project=pulumi.get_project(), stack=pulumi.get_stack(), ssh_key=state)
    return cluster, config.get_secret(SSH_KEY)
