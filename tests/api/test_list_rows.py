"""`list_rows` (what `list` and `versions` render) against `list_versions`: the same versions with
the same fields, the same problems, warm and cold, over good, noted, deployed and broken versions;
and read_row against read_version over arbitrary manifests and notes (the same refusals)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitreg import ModelRegistry
from gitreg.core.rows import VersionRow
from gitreg.model import manifest as mf
from tests.integrity.test_hostile import _manifest, _note_by_hand, _version_by_hand


@pytest.fixture
def registry(tmp_path):
    path = tmp_path / "r.git"
    reg = ModelRegistry(path)
    reg.register_model("m", evaluation_scores={"accuracy": 0.9, "rouge": {"rouge1": 0.5}}, tags=["a", "b"])
    reg.register_model("m", evaluation_scores={"mmlu": 0.4}, parent_version="v1", notes="two")
    reg.register_model("m", evaluation_scores={"accuracy": 0.2})
    reg.deploy("m", "v2", environment="production")
    reg.deploy("m", "v2", environment="staging", new_environment=True)
    reg.set_status("m", "v3", "deprecated")
    reg.add_tags("m", "v1", "c")
    _version_by_hand(path, "m", "v4", _manifest("m", "v9"))  # names another version
    _version_by_hand(path, "m", "v5", _manifest("m", "v5").replace(b"gitreg/1", b"gitreg/2"))
    _version_by_hand(path, "m", "v6", _manifest("m", "v6") + b"evaluation_scores:\n  custom_metrics: 5\n")
    _version_by_hand(path, "m", "v7", _manifest("m", "v7") + b"evaluation_scores:\n  accuracy: .nan\n")
    _version_by_hand(path, "m", "v8", _manifest("m", "v8") + b"created_at: 2026-01-02 03:04:05\n")
    _note_by_hand(path, "m", "v8", b"evaluation_scores:\n  custom_metrics:\n    pass_at_1: 0.5\ntags: [t]\n")
    _version_by_hand(path, "m", "v9", _manifest("m", "v9"))
    _note_by_hand(path, "m", "v9", b"evaluation_scores:\n  accuracy: high\n")  # dropped: reads as registered
    return path


@pytest.mark.parametrize("cache", ["cold", "warm", "off"])
def test_rows_are_the_records_fields_with_the_same_problems(registry, cache, monkeypatch):
    if cache == "off":
        monkeypatch.setenv("GITREG_NO_CACHE", "1")
    if cache == "warm":
        ModelRegistry(registry).list_versions("m")  # writes the derived cache
    by_records, by_rows = ModelRegistry(registry), ModelRegistry(registry)
    records, rows = by_records.list_versions("m"), by_rows.list_rows("m")
    assert rows == [VersionRow.of(r) for r in records]
    assert [r.version for r in rows] == ["v1", "v2", "v3", "v8", "v9"]  # v4-v7 refused alike
    assert [(p.ref, p.problem) for p in by_rows.problems] == [(p.ref, p.problem) for p in by_records.problems]
    assert len(by_rows.problems) == 5  # four versions and the note
    v2 = rows[1]
    assert v2.deployed and v2.environments == ["production", "staging"] and v2.status.value == "deployed"


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from(["completed", "draft", "bogus", "m", "v1", "m:v0", "gitreg/1", ""]))
_value = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["rouge1", "x", "accuracy", "1"]), inner,
                                                 max_size=3)), max_leaves=6)
_keys = st.sampled_from(["created_at", "parent_version", "tags", "files", "training", "params", "metric_info",
                         "notes", "training_data_sources", "base_model", "purged", "other", "lora_path"])
_metric = st.one_of(st.floats(0, 1), st.integers(0, 3), _value)  # mostly numbers, sometimes anything
_scores = st.dictionaries(st.sampled_from(["accuracy", "rouge", "custom_metrics", "mmlu", "f1_score"]), st.one_of(
    _metric, st.dictionaries(st.sampled_from(["rouge1", "pass_at_1", "accuracy"]), _metric, max_size=3)), max_size=4)
_status = st.sampled_from(["completed", "draft", "deprecated", "archived", "bogus", 3])
_tags = st.lists(st.one_of(st.sampled_from(["a", "b"]), _scalar), max_size=3)


@st.composite
def _records(draw):
    """(manifest, note): mostly ones that read, sometimes anything at all."""
    manifest = {"schema": "gitreg/1", "model_name": "m", "version": "v1", **draw(st.dictionaries(_keys, _value))}
    broken = draw(st.sampled_from([None] * 6 + ["schema", "model_name", "version"]))
    if broken:
        manifest[broken] = draw(_scalar)
    note = draw(st.dictionaries(_keys, _value, max_size=2))
    for record in (manifest, note):
        for key, values in (("status", _status), ("evaluation_scores", _scores), ("tags", _tags)):
            if draw(st.booleans()):
                record[key] = draw(values)
    return manifest, note


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_records())
def test_read_row_refuses_what_read_version_refuses(record):
    manifest, note = record
    args = dict(model="m", version="v1", where="m/v1:manifest.yaml")
    try:
        expected = mf.read_version(manifest, note, commit="c" * 40, registered_by=None, **args)
    except Exception as exc:  # noqa: BLE001 - whatever it is, read_row must raise it alike
        with pytest.raises(type(exc)) as raised:
            mf.read_row(manifest, note, **args)
        assert str(raised.value) == str(exc)
        return
    assert mf.read_row(manifest, note, **args) == VersionRow.of(expected)
