"""Names and run settings of lab hosts (see components/lab_hosts.py)."""

from __future__ import annotations

from model.cluster import Cluster, Host
from model.constants import IMAGE_REPOSITORY, LAB_SHARED_ROOT, LABEL_PREFIX
from render.containers import Healthcheck

# --privileged minus CAP_SYS_RESOURCE, which some kernels withhold from every process.
LAB_CAPABILITIES_DROPPED = ("SYS_RESOURCE",)
# (Docker's "systempaths=unconfined" is a CLI flag, not an API option: the lab host's entrypoint
# makes /proc/sys writable itself.)
LAB_SECURITY_OPTS = ("seccomp=unconfined", "apparmor=unconfined")
LAB_DEVICE_CGROUP_RULES = ("a *:* rwm",)
# The provider waits until a lab host is healthy (its engine answers, sshd listens): commands dial
# sshd with few quick retries (pulumi-command), which a host still starting would exhaust.
LAB_HEALTHCHECK = Healthcheck(("CMD", "lab-healthcheck"), interval=1, timeout=5, retries=3, start_period=60)


def lab_image_tag(cluster: Cluster) -> str:
    assert cluster.lab is not None
    return f"{IMAGE_REPOSITORY}/labhost:{cluster.lab.debian_release}"


def lab_network_name(cluster: Cluster) -> str:
    return f"{LABEL_PREFIX}-{cluster.stack}-lab"


def lab_container_name(cluster: Cluster, host: Host) -> str:
    return f"{LABEL_PREFIX}-{cluster.stack}-{host.name}"


def lab_shared_directory(cluster: Cluster, path: str) -> str:
    """The lab's stand-in for a site's shared file system at `path`: one directory of the machine
    whose engine runs the lab, mounted at `path` in every lab host (the kernel needs no NFS client)."""
    return f"{LAB_SHARED_ROOT}/{cluster.stack}{path}"
