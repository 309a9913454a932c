"""Stand-ins for providers, shared by the unit tests and the benchmarks: fake outputs for Pulumi's
mock runtime, and a fake handler that lets the test applier run without touching anything."""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from tests.applier import applier as applier_module
from tests.applier.handler import Context, Handler
from tests.applier.state import ResourceRecord

FAKE_PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nbW9jay1rZXk=\n-----END OPENSSH PRIVATE KEY-----\n"
FAKE_JOIN_TOKEN = "SWMTKN-1-mock-join-token"
FAKE_DB_PASSWORD = "MockDatabasePassword0123456789ab"
FAKE_MUNGE_KEY = base64.b64encode(b"mock-munge-key-" * 70).decode()


class FakeOutputs(Mocks):
    """Computed outputs a real provider would return, with recognisable fake values."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.typ == "docker:index/image:Image":
            outputs["repoDigest"] = "sha256:" + hashlib.sha256(args.inputs["imageName"].encode()).hexdigest()
        elif args.typ == "docker:index/remoteImage:RemoteImage":
            outputs["imageId"] = "sha256:" + hashlib.sha256(args.inputs["name"].encode()).hexdigest()
        elif args.typ == "random:index/randomBytes:RandomBytes":
            outputs.update(base64=FAKE_MUNGE_KEY, hex=base64.b64decode(FAKE_MUNGE_KEY).hex())
        elif args.typ == "random:index/randomPassword:RandomPassword":
            outputs["result"] = FAKE_DB_PASSWORD
        elif args.typ == "tls:index/privateKey:PrivateKey":
            outputs.update(privateKeyOpenssh=FAKE_PRIVATE_KEY, publicKeyOpenssh="ssh-ed25519 AAAAmock lab")
        elif args.typ == "command:remote:Command":
            outputs["stdout"] = FAKE_JOIN_TOKEN if args.name == "swarm-join-token" else f"{args.name} done"
        return f"{args.name}-id", outputs

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], None]:
        raise AssertionError(f"the program must not invoke provider functions (it called {args.token})")


class FakeHandler(Handler):
    """Performs nothing; answers like the provider would and remembers the order of operations."""

    def __init__(self, real: Handler, journal: list[tuple[str, str]]) -> None:
        self.type, self.inputs, self.replace_on, self.real = real.type, real.inputs, real.replace_on, real
        self.journal = journal

    def check(self, record: ResourceRecord) -> None:
        self.real.check(record)

    def replaces(self, changed: set[str]) -> bool:
        return self.real.replaces(changed)

    def create(self, ctx: Context, record: ResourceRecord) -> tuple[str, dict[str, Any]]:
        self.journal.append(("create", record.name))
        _, outputs = FakeOutputs().new_resource(MockResourceArgs(record.type, record.name, dict(record.inputs)))
        return f"{record.name}-{len(self.journal)}", outputs  # a new ID each time, as real resources get

    def update(self, ctx: Context, old: ResourceRecord, new: ResourceRecord, changed: set[str]) -> dict[str, Any]:
        self.journal.append(("update", new.name))
        return {**old.outputs, **new.inputs}

    def delete(self, ctx: Context, record: ResourceRecord) -> None:
        self.journal.append(("delete", record.name))




@contextmanager
def faked_resources(home: str | None = None) -> Iterator[list[tuple[str, str]]]:
    """The test applier with every resource faked; yields the journal of what it did. HOME is `home`,
    or a new temporary directory (the program writes the SSH key file there)."""
    journal: list[tuple[str, str]] = []
    real, previous_home = applier_module.HANDLERS, os.environ.get("HOME")
    applier_module.HANDLERS = {t: FakeHandler(h, journal) for t, h in real.items()}
    os.environ["HOME"] = home or tempfile.mkdtemp()
    try:
        yield journal
    finally:
        applier_module.HANDLERS = real
        if previous_home is None:
            del os.environ["HOME"]
        else:
            os.environ["HOME"] = previous_home
