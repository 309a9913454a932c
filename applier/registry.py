"""The provider of each resource type the program uses."""

from __future__ import annotations

from applier.providers.base import Provider
from applier.providers.command import LocalCommand, RemoteCommand
from applier.providers.docker import (
    DockerContainer,
    DockerImage,
    DockerNetwork,
    DockerProvider,
    DockerRemoteImage,
    DockerVolume,
)
from applier.providers.generated import (
    DynamicResource,
    RandomBytes,
    RandomPassword,
    TlsCertRequest,
    TlsLocallySignedCert,
    TlsPrivateKey,
    TlsSelfSignedCert,
)


def real_providers() -> dict[str, Provider]:
    providers: list[Provider] = [
        DockerProvider(), DockerImage(), DockerRemoteImage(), DockerNetwork(), DockerVolume(), DockerContainer(),
        RemoteCommand(), LocalCommand(), RandomBytes(), RandomPassword(), TlsPrivateKey(), TlsSelfSignedCert(),
        TlsCertRequest(), TlsLocallySignedCert(), DynamicResource(),
    ]
    return {p.type: p for p in providers}
