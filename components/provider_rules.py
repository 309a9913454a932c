"""What each provider does with a changed input, written once.

The components choose their resource options from these rules (a container setting that the
provider's update only writes into the state is made to replace the container instead), and the
test applier (applier/) performs updates and replacements by them. Each rule names where it was
read:
- TF: kreuzwerker/terraform-provider-docker v4.5.0 (commit 5074970c), which pulumi-docker 5.x
  bridges; internal/provider/resource_docker_container.go (schema), _funcs.go (Update).
  pulumi-docker 5.2.0 already has container fields that v4.5.0 lacks (device_cgroup_rules, upload
  owner/group): it bridges a later upstream, whose source was not available here. For those
  fields the rules below follow the SDK's documentation and say so.
- PD: pulumi/pulumi-docker provider/resources.go, provider/provider.go (the native Image).
- PC: pulumi/pulumi-command v1.2.1.
- BR: pulumi/pulumi-terraform-bridge v3.136 pkg/tfbridge/provider.go.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = frozenset({"*"})


@dataclass(frozen=True)
class ProviderRules:
    type: str
    # inputs whose change replaces the resource (ForceNew); ALL: every input not in the three sets below
    replaced_by: frozenset[str]
    applied_by_update: frozenset[str]  # inputs an update applies to the real object
    recorded_by_update: frozenset[str]  # inputs of the real object an update only writes into the state
    settings: frozenset[str]  # inputs that steer the provider itself, not the object (an update records them)
    delete_before_replace: bool  # the provider asks to delete the old resource before creating the new one
    source: str

    def replaces(self, changed: set[str]) -> bool:
        if self.replaced_by == ALL:
            return bool(changed - self.applied_by_update - self.recorded_by_update - self.settings)
        return bool(changed & self.replaced_by)


CONTAINER_UPDATE_APPLIES = frozenset({
    # TF _funcs.go:1016-1073: one ContainerUpdate for these; mustRun false -> true starts it (998-1013)
    "restart", "maxRetryCount", "cpuShares", "memory", "memoryReservation", "cpuSet", "memorySwap",
    "deviceReadBps", "deviceReadIops", "deviceWriteBps", "deviceWriteIops", "mustRun",
})

DOCKER_CONTAINER = ProviderRules(
    type="docker:index/container:Container",
    # TF resource_docker_container.go: every field is ForceNew but these (checked over lines 49-1187)
    replaced_by=ALL,
    applied_by_update=CONTAINER_UPDATE_APPLIES,
    # not ForceNew, and Update never applies them (_funcs.go:991-1077): a change is written into the
    # state only, and the running container keeps its old health check, init, tmpfs, CPU period
    recorded_by_update=frozenset({"healthcheck", "init", "tmpfs", "cpuPeriod", "cpuQuota", "rm"}),
    settings=frozenset({"wait", "waitTimeout", "destroyGraceSeconds", "start", "attach", "logs", "removeVolumes",
                        "containerReadRefreshTimeoutMilliseconds"}),
    delete_before_replace=True,  # PD resources.go:112-114 DeleteBeforeReplace: true
    source="TF resource_docker_container.go, resource_docker_container_funcs.go; PD resources.go:112",
)

DOCKER_VOLUME = ProviderRules(
    type="docker:index/volume:Volume",
    replaced_by=ALL,  # TF resource_docker_volume.go:40-152: every field ForceNew (Update: cluster only)
    applied_by_update=frozenset(), recorded_by_update=frozenset(), settings=frozenset(),
    # BR provider.go:1275 + schema.go:195-246: delete-before-replace when the auto-named `name` is set
    # explicitly, but only where the provider's own Diff replaces; a replacement the engine forces
    # (--replace, replaceWith) follows the resource option alone
    delete_before_replace=False,
    source="TF resource_docker_volume.go; BR provider.go:1275",
)

DOCKER_NETWORK = ProviderRules(
    type="docker:index/network:Network",
    replaced_by=ALL,  # TF resource_docker_network.go:24-144: no Update function, every input ForceNew
    applied_by_update=frozenset(), recorded_by_update=frozenset(), settings=frozenset(),
    delete_before_replace=False,  # as for volumes
    source="TF resource_docker_network.go",
)

DOCKER_REMOTE_IMAGE = ProviderRules(
    type="docker:index/remoteImage:RemoteImage",
    replaced_by=ALL,  # TF resource_docker_image.go:30-97: name, triggers, platform, build are ForceNew
    applied_by_update=frozenset(), recorded_by_update=frozenset(),
    settings=frozenset({"keepLocally", "forceRemove"}),  # not ForceNew: updated in place
    delete_before_replace=False,
    source="TF resource_docker_image.go",
)

DOCKER_IMAGE = ProviderRules(
    type="docker:index/image:Image",
    # PD provider.go:271-348: the native Image's Diff never replaces; any change (build inputs,
    # context digest, platform, imageName) is an update, which builds again
    replaced_by=frozenset(), applied_by_update=ALL, recorded_by_update=frozenset(), settings=frozenset(),
    delete_before_replace=False,
    source="PD provider.go:271-348",
)

DOCKER_PROVIDER = ProviderRules(
    type="pulumi:providers:docker",
    # BR provider.go:842-894: DiffConfig replaces only for ForcesProviderReplace fields; PD marks none.
    # A changed provider is updated in place, and the resources it manages are diffed as usual.
    replaced_by=frozenset(), applied_by_update=ALL, recorded_by_update=frozenset(), settings=frozenset(),
    delete_before_replace=False,
    source="BR provider.go:842-894; PD resources.go (no ForcesProviderReplace)",
)

COMMAND_INPUTS = frozenset({"create", "update", "delete", "stdin", "environment", "logging", "connection",
                            "interpreter", "dir", "assetPaths", "archivePaths", "addPreviousOutputInEnv"})
REMOTE_COMMAND = ProviderRules(
    type="command:remote:Command",
    # PC common/inputs.go:6-15 (only triggers is replaceOnChanges) and the SDK's own
    # replace_on_changes=["triggers[*]"]; every other change is an update that runs `update` if set,
    # else `create` (remote/commandController.go:63-83), with the new connection
    replaced_by=frozenset({"triggers"}),
    applied_by_update=COMMAND_INPUTS, recorded_by_update=frozenset(), settings=frozenset(),
    delete_before_replace=False,  # never set by the provider (go-provider infer/resource.go:1247)
    source="PC common/inputs.go, remote/commandController.go",
)
LOCAL_COMMAND = ProviderRules(
    type="command:local:Command",
    replaced_by=frozenset({"triggers"}),
    applied_by_update=COMMAND_INPUTS, recorded_by_update=frozenset(), settings=frozenset(),
    delete_before_replace=False,
    source="PC common/inputs.go, local/commandController.go",
)

# pulumi-random and pulumi-tls are bridged Terraform providers whose every input is ForceNew.
RANDOM_BYTES = ProviderRules("random:index/randomBytes:RandomBytes", ALL, frozenset(), frozenset(), frozenset(),
                             False, "terraform-provider-random resource_bytes.go")
RANDOM_PASSWORD = ProviderRules("random:index/randomPassword:RandomPassword", ALL, frozenset(), frozenset(),
                                frozenset(), False, "terraform-provider-random resource_password.go")
TLS_PRIVATE_KEY = ProviderRules("tls:index/privateKey:PrivateKey", ALL, frozenset(), frozenset(), frozenset(),
                                False, "terraform-provider-tls resource_private_key.go")


BY_TYPE = {r.type: r for r in (DOCKER_CONTAINER, DOCKER_VOLUME, DOCKER_NETWORK, DOCKER_REMOTE_IMAGE, DOCKER_IMAGE,
                               DOCKER_PROVIDER, REMOTE_COMMAND, LOCAL_COMMAND, RANDOM_BYTES, RANDOM_PASSWORD,
                               TLS_PRIVATE_KEY)}
