"""Events derived from ref updates: exact types, facts and stable ids, checked against what
the real git CLI says the refs were before and after each write."""
from __future__ import annotations

import json
from pathlib import Path

from gitreg import ModelRegistry
from gitreg.features.events import derive
from gitreg.features.events.derive import TYPES
from tests.features.events.approvals import approve, lines, ref_state

REQUIRED = {"id", "type", "model", "version", "environment", "actor", "time", "ref", "old", "new"}


def events(reg, old, new):
    return [e.as_dict() for e in reg.events(lines=lines(old, new))]


def test_a_day_of_writes_gives_each_event_once_with_its_facts(reg, actor):
    seen = []

    def step(write):
        before = ref_state(reg.path)
        write()
        got = events(reg, before, ref_state(reg.path))
        seen.extend(got)
        return [(e["type"], e["version"], e["environment"]) for e in got]

    assert step(lambda: reg.register_model("majora", evaluation_scores={"accuracy": 0.8}, tags=["lora"])) == [
        ("version.registered", "v1", None)]
    assert step(lambda: reg.register_model("majora", parent_version="v1")) == [("version.registered", "v2", None)]
    assert step(lambda: reg.update_evaluation_scores("majora", "v2", accuracy=0.9)) == [("version.scored", "v2", None)]
    assert step(lambda: reg.deploy("majora", "v1", environment="production")) == [
        ("deployment.deployed", "v1", "production")]
    # a deploy that replaces v1 also deprecates it: the deployment, then the status note
    assert step(lambda: reg.deploy("majora", "v2", environment="production", reason="better")) == [
        ("deployment.deployed", "v2", "production"), ("version.status_changed", "v1", None)]
    assert step(lambda: reg.rollback("majora", environment="production", reason="regression")) == [
        ("deployment.rolled_back", "v1", "production"),
        ("version.status_changed", "v1", None), ("version.status_changed", "v2", None)]
    assert step(lambda: reg.add_tags("majora", "v1", "stable")) == [("version.tagged", "v1", None)]
    assert step(lambda: reg.update_metadata("majora", description="a router")) == [
        ("model.metadata_changed", None, None)]
    assert step(lambda: approve(reg.path, "majora", "v2", "production", "ada@example.com", "looks good")) == [
        ("approval.added", "v2", "production")]
    assert step(lambda: reg.undeploy("majora", environment="production")) == [
        ("deployment.undeployed", "v1", "production")]

    by_type = {e["type"]: e for e in seen}
    assert set(by_type) == set(TYPES)
    for e in seen:
        assert REQUIRED <= set(e) and e["schema"] == "gitreg.events/1"
        assert e["model"] == "majora" and json.loads(json.dumps(e)) == e
    reg1, = [e for e in seen if e["type"] == "version.registered" and e["version"] == "v1"]
    assert reg1["data"]["metrics"] == {"accuracy": 0.8} and reg1["data"]["tags"] == ["lora"]
    assert reg1["actor"] == actor and reg1["ref"] == "refs/tags/majora/v1" and reg1["old"] == "0" * 40
    reg2, = [e for e in seen if e["type"] == "version.registered" and e["version"] == "v2"]
    assert reg2["data"]["parent_version"] == "majora:v1"
    deployed = [e for e in seen if e["type"] == "deployment.deployed"][1]
    assert deployed["data"]["previous_version"] == "v1" and deployed["data"]["reason"] == "better"
    assert deployed["object"] == deployed["new"]  # the deployment commit it names
    rolled = by_type["deployment.rolled_back"]
    assert rolled["data"]["previous_version"] == "v2" and rolled["data"]["reason"] == "regression"
    assert by_type["version.scored"]["data"]["changed"] == {"accuracy": 0.9}
    tagged = by_type["version.tagged"]["data"]
    assert (tagged["tags"], tagged["previous_tags"]) == (["lora", "stable"], ["lora"])
    approval = by_type["approval.added"]
    assert approval["actor"] == "ada@example.com" and approval["data"]["reason"] == "looks good"
    assert approval["time"] == "2026-12-07T09:00:00+00:00"
    assert by_type["model.metadata_changed"]["data"]["changed"] == {"description": "a router"}
    assert by_type["deployment.undeployed"]["data"]["version"] is None

    # replayable: the whole history at once gives the same events (same ids), each once
    everything = [e.as_dict() for e in reg.events(since="2000-01-01")]
    assert sorted(e["id"] for e in everything) == sorted(e["id"] for e in seen)
    assert len({e["id"] for e in seen}) == len(seen)


def test_the_same_update_always_gives_the_same_ids(reg):
    before = ref_state(reg.path)
    reg.register_model("m")
    reg.deploy("m", "v1")
    after = ref_state(reg.path)
    first = events(reg, before, after)
    assert first == events(ModelRegistry(reg.path), before, after)
    assert sorted(e["id"] for e in first) == sorted(e.id for e in reg.events(since="1970-01-01T00:00:00"))


def test_since_keeps_the_later_events_only(reg):
    reg.register_model("m")
    cut = reg.events(since="2000-01-01")[0].time
    reg.deploy("m", "v1")
    later = [e.type for e in reg.events(since=cut)]
    assert later[-1] == "deployment.deployed" and "version.registered" in later  # at `cut` itself: kept
    assert reg.events(since="2999-01-01") == []


def test_one_bad_object_is_one_problem_and_the_rest_is_derived(reg):
    reg.register_model("m")
    before = ref_state(reg.path)
    approve(reg.path, "m", "v1", None, "ada@example.com", text="- not\n- a mapping\n")
    approve(reg.path, "m", "v1", None, "bob@example.com", text="model: other\nversion: v1\n")
    approve(reg.path, "m", "v1", "staging", "eve@example.com", "ok")
    # what deploy and the server hook would not count is not announced either (one reader)
    approve(reg.path, "m", "v1", None, "ann@example.com")  # no environment
    approve(reg.path, "m", "v1", "staging", "mal@example.com",
            text="schema: gitreg/1\nmodel: m\nversion: v1\nenvironment: staging\napprover: boss@example.com\n")
    reg.deploy("m", "v1")
    got = events(reg, before, ref_state(reg.path))
    assert [(e["type"], e["actor"]) for e in got if e["type"] == "approval.added"] == [
        ("approval.added", "eve@example.com")]
    assert any(e["type"] == "deployment.deployed" for e in got)
    assert len([p for p in reg.problems if "approvals" in p.ref]) == 4


def test_a_deleted_ref_and_foreign_refs_announce_nothing(reg, refs):
    reg.register_model("m")
    zero = "0" * 40
    tag = refs(reg.path)["refs/tags/m/v1"]
    assert reg.events(lines=[f"{tag} {zero} refs/tags/m/v1\n", f"{zero} {tag} refs/heads/other\n"]) == []


def test_every_event_fits_the_published_schema(reg):
    import jsonschema

    schema = json.loads((Path(derive.__file__).parent / "schema" / "event-1.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    reg.register_model("m", evaluation_scores={"accuracy": 0.5})
    reg.register_model("m")
    reg.update_evaluation_scores("m", "v1", accuracy=0.6)
    reg.add_tags("m", "v1", "x")
    reg.update_metadata("m", owner="ada")
    reg.deploy("m", "v1")
    reg.deploy("m", "v2")
    reg.rollback("m")
    reg.undeploy("m")
    approve(reg.path, "m", "v1", "production", "ada@example.com")
    got = [e.as_dict() for e in reg.events(since="2000-01-01")]
    assert {e["type"] for e in got} == set(derive.TYPES)
    validator = jsonschema.Draft202012Validator(schema)
    for e in got:
        assert list(validator.iter_errors(e)) == [], e
    broken = dict(got[0], id="not-an-id")
    assert list(validator.iter_errors(broken))


def test_events_name_the_signed_objects_they_come_from(reg, registry_path, git, ssh_key):
    reg.register_model("m")  # before signing is in force: unsigned
    ssh_key.apply(registry_path)
    git(registry_path, "config", "gitreg.sign", "true")
    reg.register_model("m")
    reg.deploy("m", "v2")
    reg.update_evaluation_scores("m", "v2", accuracy=0.5)
    got = {(e.type, e.version): e for e in reg.events(since="2000-01-01")}
    assert got[("version.registered", "v1")].data["signed"] is False
    for key in (("version.registered", "v2"), ("deployment.deployed", "v2"), ("version.scored", "v2")):
        event = got[key]
        assert event.data["signed"] is True
        kind = "tag" if key[0] == "version.registered" else "commit"
        assert "BEGIN SSH SIGNATURE" in git(registry_path, "cat-file", kind, event.object)
