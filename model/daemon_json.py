"""The daemon.json keys a stack may set on its hosts (`dockerDaemon`), with the kind of value each
takes, as Docker Engine documents them (docs.docker.com/reference/cli/dockerd, "Daemon
configuration file", Linux). A key Docker does not know, or a value of the wrong kind, is refused
with the config, not left for an engine to reject while it restarts."""

from __future__ import annotations

from typing import Any

# the stack's own keys (kv mode's cluster-store) and one that clashes with the engines' -H flags
RESERVED = ("cluster-store", "cluster-advertise", "cluster-store-opts", "hosts")

_STRING = ("api-cors-header", "bip", "bip6", "bridge", "cgroup-parent", "containerd", "containerd-namespace",
           "containerd-plugin-namespace", "data-root", "default-cgroupns-mode", "default-gateway",
           "default-gateway-v6", "default-ipc-mode", "default-runtime", "default-shm-size", "exec-root", "fixed-cidr",
           "fixed-cidr-v6", "group", "host-gateway-ip", "init-path", "ip", "log-driver", "log-format", "log-level",
           "metrics-addr", "pidfile", "seccomp-profile", "storage-driver", "swarm-default-advertise-addr",
           "tlscacert", "tlscert", "tlskey", "userland-proxy-path", "userns-remap")
_BOOLEAN = ("debug", "experimental", "icc", "init", "ip-forward", "ip-masq", "ip6tables", "iptables", "ipv6",
            "live-restore", "no-new-privileges", "raw-logs", "selinux-enabled", "tls", "tlsverify", "userland-proxy")
_INTEGER = ("max-concurrent-downloads", "max-concurrent-uploads", "max-download-attempts", "mtu",
            "network-control-plane-mtu", "oom-score-adjust", "shutdown-timeout")
_LIST = ("allow-nondistributable-artifacts", "authorization-plugins", "cdi-spec-dirs", "default-address-pools",
         "dns", "dns-opts", "dns-search", "exec-opts", "host-gateway-ips", "insecure-registries", "labels",
         "node-generic-resources", "registry-mirrors", "storage-opts")
_OBJECT = ("builder", "default-network-opts", "default-ulimits", "features", "log-opts", "proxies", "runtimes")
LOG_LEVELS = ("debug", "info", "warn", "error", "fatal")

KINDS: dict[str, type | tuple[type, ...]] = {
    **dict.fromkeys(_STRING, str), **dict.fromkeys(_BOOLEAN, bool), **dict.fromkeys(_INTEGER, int),
    **dict.fromkeys(_LIST, list), **dict.fromkeys(_OBJECT, dict),
}
_KIND_NAMES = {str: "a string", bool: "true or false", int: "a whole number", list: "a list", dict: "a mapping"}


def check_daemon_json(value: Any) -> dict[str, Any]:
    """The keys, each checked; every problem at once (one ConfigProblem per key would stop at the
    first, so the problems are joined)."""
    from model.schema import ConfigProblem, suggest

    if not isinstance(value, dict):
        raise ConfigProblem(f"expected a mapping of daemon.json keys, got {type(value).__name__}",
                            'write it as a mapping, e.g. {"log-level": "warn"}')
    problems = list(_problems(value, suggest))
    if problems:
        raise DaemonJsonProblems(problems)
    return dict(value)


def _problems(value: dict[str, Any], suggest: Any) -> Any:
    from model.schema import ConfigProblem

    for key, setting in value.items():
        if key in RESERVED:
            yield key, ConfigProblem("this daemon.json key is not the stack's to set (cluster-store keys come "
                                     "from overlay: kv; hosts clashes with the engine's -H flags)",
                                     "remove it from dockerDaemon")
            continue
        kind = KINDS.get(key)
        if kind is None:
            yield key, ConfigProblem(f"'{key}' is not a daemon.json key Docker knows{suggest(key, list(KINDS))}",
                                     "use a key from the dockerd reference's daemon configuration file, or remove it")
        elif not isinstance(setting, kind) or (kind is int and isinstance(setting, bool)):
            yield key, ConfigProblem(f"{setting!r} is not {_KIND_NAMES[kind]}",
                                     f"give {key} {_KIND_NAMES[kind]}, as dockerd's reference shows it")
        elif key == "log-level" and setting not in LOG_LEVELS:
            yield key, ConfigProblem(f"'{setting}' is not a log level", f"use one of {', '.join(LOG_LEVELS)}")


class DaemonJsonProblems(ValueError):
    """Problems with several dockerDaemon keys, each under its own key."""

    def __init__(self, problems: list[tuple[str, Any]]) -> None:
        super().__init__("; ".join(str(p) for _, p in problems))
        self.problems = problems
