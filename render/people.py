"""The stack's users on the hosts: identity files, homes, shared-path checks and Slurm associations.

Identities reach the containers as files (libnss-extrausers' passwd and group, sshd's keys) in a
directory of each host that its Slurm containers mount read-only, so that adding or removing a
user changes files, never a container. Everything here is a script for a host (scripts/*.sh) or
the text of a file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from model.cluster import Account, Cluster, Host, People, User
from model.constants import SHARED_MARKER, STATE_ROOT
from model.validators import shared_path_slug
from render.node_lifecycle import slurm_script
from render.scripts import render_script

# how long a marker written on one host gets to appear on another (NFS caches a missing name)
SHARED_MARKER_WAIT_SECONDS = 90


def identity_dir(cluster: Cluster) -> str:
    """On every Slurm host: the directory its containers mount at IDENTITY_DIR."""
    return f"{cluster.host_state_dir}/identities"


def passwd_file(people: People) -> str:
    """libnss-extrausers' passwd: no password (`*`): users log in with keys only."""
    return "".join(f"{u.name}:*:{u.uid}:{u.gid}::{u.home}:{u.shell}\n" for u in people.users)


def group_file(people: People) -> str:
    return "".join(f"{g.name}:*:{g.gid}:{','.join(g.members)}\n" for g in people.groups)


def authorized_keys(keys: Mapping[str, Sequence[str]]) -> str:
    """Lines "<user> <key>", which scripts/identities-install.sh files per user."""
    return "".join(f"{user} {key.strip()}\n" for user, user_keys in keys.items() for key in user_keys)


def identities_script(cluster: Cluster, host: Host, keys: Mapping[str, Sequence[str]]) -> str:
    """`keys`: each user's public keys, the configured ones or the one a lab generated."""
    return render_script("identities-install.sh", where=f"host {host.name}", IDENTITY_DIR=identity_dir(cluster),
                         PASSWD=passwd_file(cluster.people), GROUP=group_file(cluster.people),
                         AUTHORIZED_KEYS=authorized_keys(keys))


def identities_remove_script(cluster: Cluster, host: Host) -> str:
    return render_script("identities-remove.sh", where=f"host {host.name}", IDENTITY_DIR=identity_dir(cluster),
                         STATE_DIR=cluster.host_state_dir, STATE_ROOT=STATE_ROOT)


def home_script(host: Host, user: User) -> str:
    return render_script("home-create.sh", where=f"host {host.name}", HOME_DIR=user.home, USER_NAME=user.name,
                         USER_ID=user.uid, GROUP_ID=user.gid)


def home_remove_script(cluster: Cluster, host: Host, user: User) -> str:
    return render_script("home-remove.sh", where=f"host {host.name}", HOME_DIR=user.home, USER_NAME=user.name,
                         DELETE_HOMES=str(cluster.people.delete_homes).lower())


def shared_resource_name(path: str) -> str:
    return f"shared-{shared_path_slug(path)}"


def shared_marker(cluster: Cluster) -> str:
    """The marker's file name: the stack's own, as two stacks may share one file system."""
    return f"{SHARED_MARKER}-{cluster.stack}"


def shared_mark_script(cluster: Cluster, host: Host, path: str) -> str:
    return render_script("shared-mark.sh", where=f"host {host.name}", SHARED_PATH=path, MARKER=shared_marker(cluster))


def shared_unmark_script(cluster: Cluster, host: Host, path: str) -> str:
    return render_script("shared-unmark.sh", where=f"host {host.name}", SHARED_PATH=path,
                         MARKER=shared_marker(cluster))


def shared_check_script(cluster: Cluster, host: Host, path: str, writer: Host, token: str) -> str:
    return render_script("shared-check.sh", where=f"host {host.name}", SHARED_PATH=path,
                         MARKER=shared_marker(cluster), TOKEN=token.strip(), WRITER=writer.name,
                         WAIT_SECONDS=SHARED_MARKER_WAIT_SECONDS)


def account_script(cluster: Cluster, account: Account) -> str:
    return slurm_script("account-add.sh", cluster, CLUSTER=cluster.cluster_name, ACCOUNT=account.name,
                        DESCRIPTION=account.description)


def account_remove_script(cluster: Cluster, account: Account) -> str:
    return slurm_script("account-remove.sh", cluster, CLUSTER=cluster.cluster_name, ACCOUNT=account.name)


def association_script(cluster: Cluster, user: User) -> str:
    return slurm_script("user-add.sh", cluster, CLUSTER=cluster.cluster_name, USER_NAME=user.name,
                        ACCOUNT=user.account)


def association_remove_script(cluster: Cluster, user: User) -> str:
    """Waits up to drainTimeout for the user's jobs (scripts/user-remove.sh)."""
    return slurm_script("user-remove.sh", cluster, CLUSTER=cluster.cluster_name, USER_NAME=user.name,
                        USER_ID=user.uid)
