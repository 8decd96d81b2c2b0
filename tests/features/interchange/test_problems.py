"""Malformed input is refused whole: every problem listed with its JSON path, nothing written."""
from __future__ import annotations

import pytest

from gitreg.features.interchange.schema import ImportRefused, child


def _refused(reg, *files) -> ImportRefused:
    with pytest.raises(ImportRefused) as err:
        reg.import_json(*files)
    return err.value


def test_every_problem_is_listed_with_its_path(reg, registry_path, fixture_file):
    err = _refused(reg, fixture_file("malformed.json"))
    found = {p.path: p.message for p in err.problems}
    v = "models.majora.versions."
    expected = {
        "updated_at": "not an ISO 8601 timestamp",
        'models["bad/name"]': "invalid model name 'bad/name'",
        "models.majora.metadata.owner": "owner must be a string",
        v + "v1.status": "unknown status 'shipped'",
        v + "v1.evaluation_scores.accuracy": "accuracy must be a number, got 'high'",
        v + 'v1.evaluation_scores.custom_metrics["pass at 1"]': "metric name 'pass at 1'",
        v + "v2.training.samples": "non-negative whole number, got -3",
        v + "v2.evaluation_scores.f1_score": "f1_score must be between 0 and 1, got 95",
        v + "v2.training.optimizer": "unknown key",
        v + "version3": "invalid version name 'version3'",
        v + "v4.parent_version": "parent majora:v9 does not exist",
        v + "v5.parent_version": "parent oracle:v1 does not exist",
        v + "v5.status": "is 'archived' but deployed is true",
        v + "v6.deployed": "is false but status is 'deployed'",
        v + "v6.tags": "tags must be a list of strings",
        v + "v6.colour": "unknown key",
        v + "v6.created_at": "is missing",
        v + "v1.parent_version": "lineage cycle: majora:v1 -> majora:v2 -> majora:v1",
    }
    assert set(found) == set(expected)
    for path, words in expected.items():
        assert words in found[path], (path, found[path])
    assert str(err).splitlines()[0] == "cannot import: 18 problems, nothing was written"
    assert all(line.startswith(f"  {fixture_file('malformed.json')}: ") for line in str(err).splitlines()[1:])
    assert not registry_path.exists()


def test_bad_json(reg, registry_path, fixture_file):
    err = _refused(reg, fixture_file("bad_json.json"))
    assert len(err.problems) == 1 and "is not valid JSON (" in err.problems[0].message
    assert "line 2" in err.problems[0].message
    assert not registry_path.exists()


@pytest.mark.parametrize("text, message", [
    ("[1, 2]", "must hold a JSON object, got a list"),
    ('{"models": {"m": {"versions": {"v1": {"created_at": "2026-01-01", "evaluation_scores": '
     '{"accuracy": NaN}}}}}}', "NaN is not a finite number"),
    ("\xff", "not UTF-8"),
])
def test_not_a_registry_document(reg, tmp_path, text, message):
    path = tmp_path / "r.json"
    path.write_bytes(text.encode("latin-1"))
    assert message in str(_refused(reg, path))


def test_missing_file(reg, tmp_path):
    assert "cannot read: No such file or directory" in str(_refused(reg, tmp_path / "nope.json"))


def test_lineage_contradicting_the_registry_file(reg, registry_path, fixture_file):
    err = _refused(reg, fixture_file("registry.json"), fixture_file("conflicting_lineage.json"))
    lineage = str(fixture_file("conflicting_lineage.json"))
    assert [(p.source, p.path) for p in err.problems] == [
        (lineage, "lineages.majora.versions.v1.base_model"),
        (lineage, "lineages.majora.versions.v1.git_commit"),
        (lineage, "lineages.majora.versions.v2.parent_version"),
        (lineage, "lineages.majora.versions.v7.created_at"),
    ]
    assert "is 'Llama-3-8B' but the registry file says 'Qwen2.5-Coder-7B'" in err.problems[0].message
    assert "names majora:v2b but models.majora.versions.v2.parent_version names majora:v1" in err.problems[2].message
    assert not registry_path.exists()


def test_a_problem_anywhere_refuses_everything_even_on_an_existing_registry(reg, registry_path, refs,
                                                                            fixture_file, edited):
    reg.register_model("other", evaluation_scores={"accuracy": 0.5})
    before = refs(registry_path)

    def break_one(doc):
        doc["models"]["oracle"]["versions"]["v1.1"]["parent_version"] = "v1.1"

    err = _refused(reg, edited("registry.json", break_one), fixture_file("lineage.json"))
    assert [p.path for p in err.problems] == ['models.oracle.versions["v1.1"].parent_version']
    assert "its own parent" in err.problems[0].message
    assert refs(registry_path) == before


def test_case_clashes_are_refused(reg, edited):
    def clash(doc):
        doc["models"]["Majora"] = {"metadata": {"created_at": "2026-01-01T00:00:00"}, "versions": {}}
        doc["models"]["majora"]["versions"]["v2B"] = {"created_at": "2026-01-01T00:00:00"}

    err = _refused(reg, edited("registry.json", clash))
    messages = [p.message for p in err.problems]
    assert any("'majora' differs only in case from 'Majora'" in m for m in messages)
    assert any("'v2b' differs only in case from 'v2B'" in m for m in messages)


def test_longer_cycle_across_models(reg):
    doc = {"models": {
        "a": {"versions": {"v1": {"created_at": "2026-01-01T00:00:00", "parent_version": "b:v1"}}},
        "b": {"versions": {"v1": {"created_at": "2026-01-01T00:00:00", "parent_version": "c:v1"}}},
        "c": {"versions": {"v1": {"created_at": "2026-01-01T00:00:00", "parent_version": "a:v1"},
                           "v2": {"created_at": "2026-01-01T00:00:00", "parent_version": "v1"}}},
    }}
    err = _refused(reg, doc)
    assert [str(p) for p in err.problems] == [
        "registry.json: models.a.versions.v1.parent_version: lineage cycle: a:v1 -> b:v1 -> c:v1 -> a:v1"]


def test_json_paths_quote_keys_that_are_not_plain():
    assert child("", "models") == "models"
    assert child("models.majora.versions", "v2.1") == 'models.majora.versions["v2.1"]'
    assert child("x.tags", 0) == "x.tags[0]"
