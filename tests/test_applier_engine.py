"""The engine's rules as the applier follows them, one test per rule, with a stand-in provider.

Each test drives a deployment the way the engine does (registrations in dependency order, then the
deletes) and names the pulumi/pulumi source it follows (SG = pkg/resource/deploy/step_generator.go,
ST = step.go, DE = deployment_executor.go, at 1b5949891b)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from applier import Applier, ApplyError, InitError
from applier.providers.base import Context, Diff, Provider
from applier.state import Resource
from applier.values import UNKNOWN

THING = "test:index/thing:Thing"


@dataclass
class Toy(Provider):
    """Replaces on a change of any input in `force_new`, asks for delete-first when `dbr`."""

    type: str = THING
    force_new: frozenset[str] = frozenset({"size"})
    dbr: bool = False
    journal: list[tuple[str, str]] = field(default_factory=list)
    fail_create: set[str] = field(default_factory=set)
    half_create: set[str] = field(default_factory=set)  # created, then failed to initialise
    fail_delete: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)  # what a refresh finds missing
    diffed: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    def diff(self, old: Resource, inputs: dict[str, Any]) -> Diff:
        self.diffed.append((old.outputs, inputs))
        changed = {k for k in set(old.outputs) | set(inputs) if k != "id" and old.outputs.get(k) != inputs.get(k)}
        replace = changed & self.force_new
        return Diff(changes=bool(changed), replace_keys=frozenset(replace), detailed={k: "update" for k in changed},
                    delete_before_replace=self.dbr)

    def create(self, ctx: Context, new: Resource) -> tuple[str, dict[str, Any]]:
        if new.name in self.fail_create:
            raise ApplyError(f"cannot create {new.name}")
        self.journal.append(("create", new.name))
        if new.name in self.half_create:
            raise InitError(f"{new.name} did not start", f"{new.name}-id", dict(new.inputs))
        return f"{new.name}-{len(self.journal)}", dict(new.inputs)

    def update(self, ctx: Context, old: Resource, new: Resource, diff: Diff) -> dict[str, Any]:
        self.journal.append(("update", new.name))
        return dict(new.inputs)

    def delete(self, ctx: Context, old: Resource) -> None:
        if old.name in self.fail_delete:
            raise ApplyError(f"cannot delete {old.name}")
        self.journal.append(("delete", old.name))

    def read(self, ctx: Context, old: Resource) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        return ("", {}, None) if old.name in self.gone else (old.id, old.outputs, None)


def thing(name: str, *, needs: Iterable[str] = (), uses: dict[str, str] | None = None, **options: Any) -> Resource:
    """A registration: `needs` are dependsOn edges, `uses` maps an input to the resource it comes from."""
    inputs = options.pop("inputs", {"size": 1})
    uses = uses or {}
    return Resource(urn=urn(name), type=THING, name=name, custom=True, inputs=dict(inputs),
                    dependencies=[urn(n) for n in [*needs, *uses.values()]],
                    property_dependencies={key: [urn(n)] for key, n in uses.items()}, **options)


def urn(name: str) -> str:
    return f"urn:pulumi:test::project::{THING}::{name}"


@pytest.fixture
def toy() -> Toy:
    return Toy()


@pytest.fixture
def applier(tmp_path: Path, toy: Toy) -> Applier:
    return Applier({}, stack="test", state_path=tmp_path / "state.json", providers={THING: toy}, log=lambda _: None,
                   shuffle_seed=1)


def deploy(applier: Applier, *resources: Resource, targets: Iterable[str] = ()) -> list[str]:
    """One deployment: every registration in order, then the deletes; the ops performed."""
    applier.begin(targets)
    for resource in resources:
        applier.register(copy.deepcopy(resource))
    applier.finish()
    return [f"{c.op} {c.name}" for c in applier._changes]


def state(applier: Applier) -> dict[str, Resource]:
    return {r.name + (" (pending delete)" if r.pending_delete else ""): r for r in applier.snapshot.resources}


def test_create_when_the_state_has_nothing_and_same_when_nothing_changed(applier: Applier, toy: Toy) -> None:
    """SG:1952-2199: no old state, a create; an unchanged resource, "same" (no provider call)."""
    assert deploy(applier, thing("a")) == ["create a"]
    assert deploy(applier, thing("a")) == ["same a"]
    assert toy.journal == [("create", "a")]


def test_diff_compares_new_inputs_with_the_state_not_the_old_inputs(applier: Applier, toy: Toy) -> None:
    """SG:2974-2994: Diff gets the old outputs; the bridge diffs against them (bridge provider.go:1137)."""
    deploy(applier, thing("a", inputs={"size": 1, "period": "60s"}))
    applier.snapshot.resources[0].outputs["period"] = "1m0s"  # what a Read wrote back
    applier.snapshot.save()
    assert deploy(applier, thing("a", inputs={"size": 1, "period": "60s"})) == ["update a"]
    assert toy.diffed[-1][0]["period"] == "1m0s"


def test_replace_on_changes_matches_every_path_below_it(applier: Applier) -> None:
    """SG:3170-3260 with properties_path.go Contains: `healthcheck` matches `healthcheck.startPeriod`,
    `triggers[*]` matches `triggers[0]`, but `a.b` does not match a change reported only as `a`."""
    from applier.engine import _apply_replace_on_changes

    nested = Diff(changes=True, detailed={"healthcheck.startPeriod": "update"})
    assert _apply_replace_on_changes(nested, ["healthcheck"], False).replaces
    assert _apply_replace_on_changes(Diff(changes=True, detailed={"triggers[0]": "update"}), ["triggers[*]"],
                                     False).replaces
    assert not _apply_replace_on_changes(Diff(changes=True, detailed={"a": "update"}), ["a.b"], False).replaces
    deploy(applier, thing("a", inputs={"size": 1, "colour": "red"}, replace_on_changes=["colour"]))
    assert deploy(applier, thing("a", inputs={"size": 1, "colour": "blue"}, replace_on_changes=["colour"])) \
        == ["replace a", "delete a"]  # create first, the old one deleted at the end


def test_replace_on_changes_replaces_a_resource_that_failed_to_initialise_only_with_a_star(applier: Applier,
                                                                                           toy: Toy) -> None:
    """SG:2180-2196, 3233-3251: unchanged but with init errors it is updated, replaced only for `*`."""
    toy.half_create.add("a")
    with pytest.raises(InitError):
        deploy(applier, thing("a"))
    assert state(applier)["a"].init_errors and state(applier)["a"].id == "a-id"
    assert deploy(applier, thing("a")) == ["update a"]  # the next up takes it as it is
    assert not state(applier)["a"].init_errors
    toy.half_create.add("b")
    with pytest.raises(InitError):
        deploy(applier, thing("a"), thing("b", replace_on_changes=["*"]))
    toy.half_create.clear()
    assert deploy(applier, thing("a"), thing("b", replace_on_changes=["*"])) == ["same a", "replace b", "delete b"]


def test_a_failed_create_records_nothing(applier: Applier, toy: Toy) -> None:
    """ST:439-441: a plain error leaves no state; the next up creates it."""
    toy.fail_create.add("a")
    with pytest.raises(ApplyError):
        deploy(applier, thing("a"))
    assert state(applier) == {}


def test_up_replace_replaces_the_named_resource_whatever_its_diff(applier: Applier) -> None:
    """SG:2891-2893: `--replace` blames `id`."""
    deploy(applier, thing("a"))
    assert deploy(applier, thing("a"), targets=["a"]) == ["replace a", "delete a"]


def test_replace_with_replaces_a_resource_once_the_one_it_names_is_replaced(applier: Applier) -> None:
    """SG:2896-2906: B is replaced, without its own diff, when A is replaced earlier in the run."""
    resources = [thing("a"), thing("b", replace_with=[urn("a")], needs=["a"]), thing("c", needs=["a"])]
    deploy(applier, *resources)
    resources[0] = thing("a", inputs={"size": 2})
    assert deploy(applier, *resources) == ["replace a", "replace b", "same c", "delete b", "delete a"]


def test_create_first_replacement_deletes_the_old_one_at_the_end(applier: Applier, toy: Toy) -> None:
    """SG:2159-2165, ST:467-473: the new one is made first; the old is deleted after everything else."""
    deploy(applier, thing("a"), thing("b", needs=["a"]))
    toy.journal.clear()
    deploy(applier, thing("a", inputs={"size": 2}), thing("b", needs=["a"], inputs={"size": 1, "x": 1}))
    assert toy.journal == [("create", "a"), ("update", "b"), ("delete", "a")]


def test_a_failed_deployment_runs_no_deletes_and_keeps_the_old_half_pending(applier: Applier, toy: Toy) -> None:
    """DE:318-323: a failed step cancels the run; the replaced resource stays `Delete: true` and is
    deleted by the next successful deployment (SG:2390-2423)."""
    deploy(applier, thing("a"), thing("b"))
    toy.fail_create.add("b2")
    toy.journal.clear()
    with pytest.raises(ApplyError):
        deploy(applier, thing("a", inputs={"size": 2}), thing("b2"))
    assert ("delete", "a") not in toy.journal and "a (pending delete)" in state(applier)
    toy.fail_create.clear()
    deploy(applier, thing("a", inputs={"size": 2}), thing("b2"))
    assert ("delete", "a") in toy.journal and "a (pending delete)" not in state(applier)


def test_delete_first_replacement_deletes_condemned_dependents_first(applier: Applier, toy: Toy) -> None:
    """SG:2047-2158, 3268-3414: a dependent whose input comes from the replaced resource, and whose
    Diff with that input unknown says replace, is deleted first (dependents before what they need)
    and made again when it registers; one linked only by dependsOn is left alone."""
    toy.dbr = True
    resources = [thing("a"), thing("b", uses={"size": "a"}), thing("c", uses={"size": "b"}),
                 thing("d", needs=["a"]), thing("e", uses={"colour": "a"})]
    deploy(applier, *resources)
    toy.journal.clear()
    resources[0] = thing("a", inputs={"size": 2})
    ops = deploy(applier, *resources)
    assert toy.journal[:4] == [("delete", "c"), ("delete", "b"), ("delete", "a"), ("create", "a")]
    # e's input comes from a too, but would not replace it: it stays
    assert ops == ["replace a", "replace b", "replace c", "same d", "same e"]


def test_replace_with_dependents_of_a_delete_first_replacement_go_first_in_no_fixed_order(applier: Applier,
                                                                                          toy: Toy) -> None:
    """SG:2074-2078, 3419-3442: everything naming the root in `replaceWith` is deleted before it, in
    the order of a Go map (none), and made again when it registers."""
    toy.dbr = True
    resources = [thing("a"), *(thing(f"b{i}", replace_with=[urn("a")], needs=["a"]) for i in range(6))]
    deploy(applier, *resources)
    toy.journal.clear()
    resources[0] = thing("a", inputs={"size": 2})
    deploy(applier, *resources)
    deleted = [name for op, name in toy.journal if op == "delete"]
    assert deleted[-1] == "a" and set(deleted[:-1]) == {f"b{i}" for i in range(6)}
    assert deleted[:-1] != sorted(deleted[:-1]) and deleted[:-1] != sorted(deleted[:-1], reverse=True)
    assert [name for op, name in toy.journal if op == "create"] == ["a", *(f"b{i}" for i in range(6))]


def test_a_failed_delete_first_keeps_the_old_resource_and_a_failed_create_after_it_is_pending(
        applier: Applier, toy: Toy) -> None:
    """ST:756-784: the old resource is marked pending replacement only once its delete succeeded; the
    next up then creates it without deleting again (SG:2139-2149)."""
    toy.dbr = True
    deploy(applier, thing("a"))
    toy.fail_delete.add("a")
    with pytest.raises(ApplyError):
        deploy(applier, thing("a", inputs={"size": 2}))
    assert not state(applier)["a"].pending_replacement and state(applier)["a"].inputs == {"size": 1}
    toy.fail_delete.clear()
    toy.fail_create.add("a")
    with pytest.raises(ApplyError):
        deploy(applier, thing("a", inputs={"size": 2}))
    assert state(applier)["a"].pending_replacement
    toy.fail_create.clear()
    toy.journal.clear()
    assert deploy(applier, thing("a", inputs={"size": 2})) == ["replace a"]
    assert toy.journal == [("create", "a")]


def test_a_replaced_provider_does_not_replace_its_resources(tmp_path: Path) -> None:
    """SG:2800-2879: with a provider reference changed, the new provider's DiffConfig decides;
    pulumi-docker's never asks for a replacement (bridge provider.go:842-894), so its containers
    are diffed as usual and stay."""
    from applier.providers.docker import DockerProvider

    toy = Toy()
    applier = Applier({}, stack="t", state_path=tmp_path / "s.json", log=lambda _: None,
                      providers={THING: toy, DockerProvider.type: DockerProvider()})
    provider_urn = "urn:pulumi:test::project::pulumi:providers:docker::p"

    def provider() -> Resource:
        return Resource(urn=provider_urn, type=DockerProvider.type, name="p", custom=True, inputs={"host": "h"})

    applier.begin()
    applier.register(provider())
    old_id = applier.snapshot.by_urn(provider_urn).id
    applier.register(thing("a", provider=f"{provider_urn}::{old_id}"))
    applier.finish()
    applier.begin(targets=["p"])
    applier.register(provider())
    new_id = applier.snapshot.by_urn(provider_urn).id
    applier.register(thing("a", provider=f"{provider_urn}::{new_id}"))
    applier.finish()
    assert new_id != old_id
    assert [(c.op, c.name) for c in applier._changes] == [("replace", "p"), ("same", "a"), ("delete", "p")]


def test_resources_no_longer_declared_are_deleted_dependents_first(applier: Applier, toy: Toy) -> None:
    """SG:2747-2796, DE:483-553: after the program, in antichains, dependents before what they need."""
    deploy(applier, thing("a"), thing("b", needs=["a"]), thing("c", uses={"size": "b"}), thing("keep"))
    toy.journal.clear()
    deploy(applier, thing("keep"))
    assert toy.journal == [("delete", "c"), ("delete", "b"), ("delete", "a")]


def test_a_failed_delete_keeps_what_it_needs(applier: Applier, toy: Toy) -> None:
    """DE:513-547: a resource a failed delete needs, directly or not (`TransitiveDependenciesOf`),
    is not deleted in that run; what the failed one does not need still goes."""
    deploy(applier, thing("a"), thing("b", needs=["a"]), thing("c", needs=["b"]), thing("d"))
    toy.fail_delete.add("c")
    toy.journal.clear()
    with pytest.raises(ApplyError, match="cannot delete c"):
        deploy(applier)
    assert set(state(applier)) == {"a", "b", "c"}
    assert toy.journal == [("delete", "d")]


def test_retain_on_delete_drops_the_state_entry_without_the_provider_delete(applier: Applier, toy: Toy) -> None:
    """ST:656-663: a retained resource leaves the state; the real thing stays."""
    deploy(applier, thing("a", retain_on_delete=True))
    toy.journal.clear()
    deploy(applier)
    assert toy.journal == [] and state(applier) == {}


def test_deleted_with_skips_the_delete_of_what_goes_with_another(applier: Applier, toy: Toy) -> None:
    """ST:603-612, 663-664: B, deleted with A, is not deleted itself when A goes in the same run."""
    deploy(applier, thing("a"), thing("b", needs=["a"], deleted_with=urn("a")))
    toy.journal.clear()
    deploy(applier)
    assert toy.journal == [("delete", "a")]


def test_a_protected_resource_is_neither_deleted_nor_replaced(applier: Applier, toy: Toy) -> None:
    """ST:644-649, SG:1954-1974."""
    deploy(applier, thing("a", protect=True))
    with pytest.raises(ApplyError, match="protected"):
        deploy(applier, thing("a", protect=True, inputs={"size": 2}))
    with pytest.raises(ApplyError, match="protected"):
        deploy(applier)
    assert "a" in state(applier)


def test_refresh_drops_what_is_gone_and_the_next_up_creates_it(applier: Applier, toy: Toy) -> None:
    """ST:1616-1620: an empty ID from Read removes the entry; `up --refresh` then creates it."""
    deploy(applier, thing("a"), thing("b"))
    toy.gone.add("a")
    applier.refresh()
    assert set(state(applier)) == {"b"}
    toy.gone.clear()
    assert deploy(applier, thing("a"), thing("b")) == ["create a", "same b"]


def test_an_unknown_input_of_a_force_new_attribute_replaces() -> None:
    """The question the engine asks a dependent of a delete-first replacement (SG:3326-3372): a
    container's labels are ForceNew, its restart policy is updated in place."""
    from applier.providers import bridged
    from components.provider_rules import DOCKER_CONTAINER

    schema = {"labels": bridged.Attr("set"), "restart": bridged.Attr("str")}
    assert bridged.diff(schema, DOCKER_CONTAINER, {"labels": ["x"], "restart": "no"},
                        {"labels": UNKNOWN, "restart": "no"}, False).replaces
    assert not bridged.diff(schema, DOCKER_CONTAINER, {"labels": ["x"], "restart": "no"},
                            {"labels": ["x"], "restart": UNKNOWN}, False).replaces
