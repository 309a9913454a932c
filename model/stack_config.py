"""Read this stack's Pulumi config into plain data for `model.config.parse_cluster`."""

from __future__ import annotations

import json
from typing import Any

import pulumi

from model.cluster import Cluster
from model.config import KNOWN_KEYS, PROJECT, ConfigError, SecretState, parse_cluster


def _configured_keys() -> set[str]:
    """Every key set in this project's namespace, so that a typo is reported, not ignored."""
    everything = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    prefix = f"{PROJECT}:"
    return {k[len(prefix):] for k in everything if k.startswith(prefix)}


def _decode(key: str, text: str) -> Any:
    """Config values arrive as strings; structured ones (lists, maps) as JSON text."""
    try:
        return json.loads(text)
    except ValueError:
        if text.lstrip().startswith(("[", "{")):
            raise ConfigError(f"{PROJECT}:{key}: the value is not valid JSON/YAML. Fix: check its brackets and "
                              "quotes in the stack file") from None
        return text


def load_cluster() -> tuple[Cluster, pulumi.Output[str] | None]:
    """The validated model and the SSH private key (a secret Output, or None when not set)."""
    config = pulumi.Config(PROJECT)
    raw: dict[str, Any] = {}
    for key in _configured_keys() | set(KNOWN_KEYS):
        if key == "sshPrivateKey":
            continue
        text = config.get(key)
        if text is not None:
            raw[key] = _decode(key, text)
    for key in _configured_keys() - set(KNOWN_KEYS):
        raw.setdefault(key, None)
    key_text = config.get_secret("sshPrivateKey")
    key_name = f"{PROJECT}:sshPrivateKey"
    state = SecretState(
        present=pulumi.runtime.get_config(key_name) is not None,
        secret=pulumi.runtime.is_config_secret(key_name),
    )
    cluster = parse_cluster(raw, project=pulumi.get_project(), stack=pulumi.get_stack(), ssh_key=state)
    return cluster, key_text
