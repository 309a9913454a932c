"""The private parts of the Pulumi SDK that the applier relies on (applier/sdk.py) are still there.

When an SDK upgrade moves one of them, this fails naming it, before any applier test fails in a
way that is hard to read."""

from __future__ import annotations

import inspect
from importlib.metadata import version

import pytest
from pulumi.runtime import rpc
from pulumi.runtime.proto import resource_pb2

from applier import sdk


def test_the_sdk_is_the_version_the_adapter_was_written_for() -> None:
    assert version("pulumi") == sdk.SDK_VERSION, (
        f"pulumi {version('pulumi')} is installed, applier/sdk.py was written against {sdk.SDK_VERSION}: "
        "check every name it imports, then update SDK_VERSION and requirements-dev.txt together")


def test_the_special_value_signatures_are_pulumis() -> None:
    assert sdk.SPECIAL_VALUE_KEY == "4dabf18193072939515e22adb298388d"
    assert sdk.SECRET_SIGNATURE == "1b47061264138c4ac30d75fd1eb44270"
    secret = {sdk.SPECIAL_VALUE_KEY: sdk.SECRET_SIGNATURE, "value": "x"}
    assert sdk.is_secret(secret) and sdk.unwrap_secrets({"a": [secret]}) == {"a": ["x"]}


@pytest.mark.parametrize("field", sdk.REQUEST_FIELDS)
def test_every_registration_field_the_applier_reads_exists(field: str) -> None:
    names = {f.name for f in resource_pb2.RegisterResourceRequest.DESCRIPTOR.fields}
    assert field in names, f"RegisterResourceRequest has no field {field} any more"


def test_the_mock_monitor_is_still_what_the_applier_extends() -> None:
    for method in ("RegisterResource", "ReadResource", "make_urn"):
        assert callable(getattr(sdk.MockMonitor, method, None)), f"MockMonitor.{method} is gone"
    assert {"mocks", "monitor", "project", "stack", "preview"} <= set(
        inspect.signature(sdk.pulumi.runtime.set_mocks).parameters)
    assert "keep_unknowns" in inspect.signature(rpc.deserialize_properties).parameters
