"""search, best and compare through the API, on a real registry; the view cache."""
from __future__ import annotations

import json
import warnings

import pytest

from gitreg import ModelRegistry
from gitreg.core.errors import ModelNotFoundError, QueryError, VersionNotFoundError
from tests.features.query.sample import add_unreadable_version
from tests.git.cachefiles import cache_json, write_sealed


def names(records):
    return [f"{v.model_name}:{v.version}" for v in records]


def test_search_across_models_in_model_then_version_order(sample):
    assert names(sample.search("accuracy > 0.85")) == ["majora:v1", "majora:v2", "majora:v3", "majora:v10"]
    assert names(sample.search("(tag:production or tag:stable) and not status:archived")) == [
        "majora:v1", "majora:v2", "majora:v10", "oracle:v1"]
    assert names(sample.search('base_model ~ "Qwen*"')) == ["majora:v1", "majora:v2", "oracle:v1"]
    assert names(sample.search("deployed:staging")) == ["majora:v3"]
    assert names(sample.search("mmlu/acc >= 0.6")) == ["majora:v2", "majora:v3"]
    assert names(sample.search("parent:majora:v2")) == ["majora:v3", "oracle:v1"]
    assert names(sample.search("training_data:oracle")) == ["majora:v1", "majora:v2", "majora:v3"]
    assert names(sample.search("cost_usd <= 1")) == ["majora:v2", "majora:v2b", "oracle:v1"]
    assert names(sample.search("samples between 100 and 250")) == ["majora:v1", "majora:v2b", "oracle:v1"]
    assert names(sample.search("eval_loss < 1.2 and created > 2026-01-14")) == ["oracle:v1"]
    assert names(sample.search("framework in (axolotl, trl)")) == ["majora:v2b", "oracle:v1"]
    assert names(sample.search("status:draft")) == ["oracle:v2"]
    assert names(sample.search('created ~ "2026-01-2*"')) == ["majora:v3", "majora:v10", "oracle:v2"]
    assert names(sample.search("created <= 2026-01-14 and created >= 2026-01-14T10:00:00Z")) == ["majora:v2"]
    assert names(sample.search("version > v2 and model = majora")) == ["majora:v2b", "majora:v3", "majora:v10"]
    assert names(sample.search("parent:v1")) == ["majora:v2", "majora:v2b", "oracle:v2"]
    assert names(sample.search("deployed = false and not tag")) == []  # v3, the one without tags, is live
    assert names(sample.search("perplexity")) == ["majora:v2"]  # a bare metric name: it is recorded
    assert names(sample.search("not training_data")) == ["majora:v10", "oracle:v1"]
    assert names(sample.search("not base_model and not notes")) == ["majora:v3", "majora:v10", "oracle:v2"]
    assert names(sample.search("cost_usd != 0.9 and model:oracle")) == ["oracle:v1", "oracle:v2"]


def test_the_current_view_includes_notes_and_deployments(sample):
    assert names(sample.search("accuracy = 0.86")) == ["majora:v1"]  # the note's score, not the manifest's
    assert names(sample.search("status = deployed")) == ["majora:v2", "majora:v3"]
    assert names(sample.search("tag:candidate")) == ["oracle:v2"]
    sample.undeploy("majora", environment="staging")
    assert names(sample.search("deployed")) == ["majora:v2"]
    sample.update_evaluation_scores("oracle", "v2", accuracy=0.99)
    assert names(sample.search("accuracy > 0.95")) == ["oracle:v2"]


def test_sort_limit_and_model(sample):
    assert names(sample.search("accuracy", sort="accuracy", limit=3)) == ["majora:v3", "majora:v2", "majora:v10"]
    assert names(sample.search("", sort="eval_loss", limit=2)) == ["oracle:v1", "majora:v2"]  # loss: lowest first
    assert names(sample.search("", sort="eval_loss:desc", limit=1)) == ["majora:v1"]
    assert names(sample.search("", sort="created:desc", limit=2)) == ["oracle:v2", "majora:v10"]
    assert names(sample.search("", model="majora", sort="version:desc")) == [
        "majora:v10", "majora:v3", "majora:v2b", "majora:v2", "majora:v1"]
    # several keys; unset values last whichever the direction
    assert names(sample.search("", sort=["framework", "samples:desc"]))[:4] == [
        "majora:v2b", "oracle:v1", "majora:v3", "majora:v2"]
    assert names(sample.search("", sort="cost_usd:asc"))[-3:] == ["majora:v3", "majora:v10", "oracle:v2"]
    assert sample.search("", limit=0) == []
    with pytest.raises(QueryError):
        sample.search("", limit=-1)
    with pytest.raises(ModelNotFoundError):
        sample.search("accuracy > 0", model="nosuch")


def test_an_empty_or_missing_registry_finds_nothing_and_creates_nothing(registry_path):
    reg = ModelRegistry(registry_path)
    assert reg.search("accuracy > 0") == []
    with pytest.raises(QueryError):
        reg.search("accuracy >")  # the query is checked even when there is nothing to read
    assert not registry_path.exists()


def test_best(sample):
    assert sample.best("majora").version == "v3"  # accuracy, higher is better
    assert sample.best("majora", by="cost_usd").version == "v2"  # the seed's "cheapest training"
    assert sample.best("majora", by="eval_loss").version == "v2"  # a loss: lowest
    assert sample.best("majora", by="eval_loss", maximize=True).version == "v1"
    assert sample.best("majora", where="tag:stable").version == "v10"
    assert sample.best("majora", by="created").version == "v10"  # a date: newest
    sample.update_evaluation_scores("majora", "v2b", accuracy=0.91)
    assert sample.best("majora").version == "v3"  # a tie goes to the newest version
    with pytest.raises(VersionNotFoundError, match="has a value for bleu"):
        sample.best("majora", by="bleu")
    with pytest.raises(QueryError, match="not a number"):
        sample.best("majora", by="framework")


def test_compare_many_versions(sample):
    c = sample.compare("majora", "v1", "v2", "v3")
    rows = {r.key: r for r in c.rows}
    assert rows["accuracy"].values == {"v1": 0.86, "v2": 0.87, "v3": 0.91}
    assert rows["accuracy"].delta == {"v2": pytest.approx(0.01), "v3": pytest.approx(0.05)}
    assert rows["accuracy"].best == ["v3"]
    assert rows["eval_loss"].best == ["v2"] and rows["eval_loss"].delta["v3"] is None
    assert rows["cost_usd"].best == ["v2"]
    assert rows["samples"].best == []  # a training parameter: no better direction
    assert rows["framework"].values == {"v1": "unsloth", "v2": "unsloth", "v3": "unsloth"}
    assert "framework" not in {r.key for r in c.only_diff().rows}
    doc = json.loads(json.dumps(c.to_dict()))
    assert doc["versions"] == ["v1", "v2", "v3"] and doc["diff"]["accuracy"]["v3"] == 0.91
    assert doc["rows"][0] == {"key": "accuracy", "values": {"v1": 0.86, "v2": 0.87, "v3": 0.91},
                              "delta": {"v2": pytest.approx(0.01), "v3": pytest.approx(0.05)}, "best": ["v3"],
                              "direction": "table", "stderr": {}, "within_error": []}
    # the seed's two-version API keeps its shape
    assert sample.compare_versions("majora", "v1", "v2")["accuracy"] == {"v1": 0.86, "v2": 0.87}
    with pytest.raises(VersionNotFoundError):
        sample.compare("majora", "v1", "v9")


def test_views_are_cached_per_model_and_a_query_of_one_model_reads_only_it(sample, registry_path):
    cache = registry_path / "gitreg-cache"
    for f in cache.glob("*.views.json"):
        f.unlink()
    sample.search("accuracy > 0", model="oracle")
    assert sorted(p.name for p in cache.glob("*.views.json")) == ["oracle.views.json"]
    entries = cache_json(cache / "oracle.views.json")["entries"]
    assert len(entries) == 3  # two versions and the column names
    sample.search("accuracy > 0")
    assert sorted(p.name for p in cache.glob("*.views.json")) == ["majora.views.json", "oracle.views.json"]


@pytest.mark.parametrize("damage", ["garbage", "directory", "foreign", "lying entry", "odd shapes"])
def test_a_damaged_view_cache_changes_no_answer(sample, registry_path, damage):
    # one model: the query that reads <model>.views.json (every model reads views.index)
    expected = names(sample.search("accuracy > 0.8 or tag:candidate", model="majora"))
    path = registry_path / "gitreg-cache" / "majora.views.json"
    if damage == "garbage":
        path.write_bytes(b"\x00{not json")
    elif damage == "directory":
        path.unlink()
        path.mkdir()
    elif damage == "foreign":
        path.write_text(json.dumps({"format": "other/9", "entries": {}}))
    elif damage == "odd shapes":  # entries of every wrong shape are misses, never errors
        doc = cache_json(path)
        odd = [None, "abcd", [1, 2, 3, 4], {"a": 1, "b": 2, "c": 3, "d": 4}, [[], "", [], {}]]
        keys = [k for k in doc["entries"] if k != "columns"]
        short = doc["entries"][keys[0]]
        short[2] = short[2][:-3]  # values short of the columns
        for key, value in zip(keys[1:], odd * len(keys)):
            doc["entries"][key] = value
        write_sealed(path, doc)
    else:  # an entry that names another version is not used
        doc = cache_json(path)
        for key, entry in doc["entries"].items():
            if key != "columns":
                entry[2][1] = "v999"
                entry[3]["accuracy"] = 0.0
        write_sealed(path, doc)
    assert names(ModelRegistry(registry_path).search("accuracy > 0.8 or tag:candidate", model="majora")) == expected


def test_cached_values_of_the_wrong_type_are_read_again(sample, registry_path):
    """A well-formed views.json entry whose values have the wrong types (a collaborator's
    or a hostile cache) is a miss: the one-model query answers from the objects."""
    from gitreg.features.query.fields import STORED_COLUMNS

    query = "accuracy > 0.8 or tag:candidate or samples > 0"
    expected = names(sample.search(query, model="majora"))
    path = registry_path / "gitreg-cache" / "majora.views.json"
    doc = cache_json(path)
    for key, entry in doc["entries"].items():
        if key != "columns":
            entry[2][STORED_COLUMNS.index("tag")] = 5
            entry[2][STORED_COLUMNS.index("samples")] = "many"
            entry[3]["accuracy"] = "high"
    write_sealed(path, doc)
    fresh = ModelRegistry(registry_path)
    assert names(fresh.search(query, model="majora")) == expected
    assert names(fresh.search("tag:candidate", model="majora")) == names(sample.search("tag:candidate", model="majora"))


def test_a_version_that_cannot_be_read_is_skipped_and_reported(sample, registry_path, git):
    add_unreadable_version(git, registry_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = names(ModelRegistry(registry_path).search("", model="oracle"))
    assert found == ["oracle:v1", "oracle:v2"]
    assert any("oracle v3: skipped" in str(w.message) for w in caught)


def test_warm_and_cold_answers_are_the_same(sample, registry_path):
    import shutil

    warm = [v.to_dict() for v in sample.search("", sort="accuracy")]
    shutil.rmtree(registry_path / "gitreg-cache")
    assert [v.to_dict() for v in ModelRegistry(registry_path).search("", sort="accuracy")] == warm


def test_sort_by_a_param_orders_numbers_then_text_and_unset_last(tmp_path):
    """`--sort params.NAME`: a text param sorts as text (it sorted as unset once), numbers before
    text in either direction, versions without the param last; a param has no best, so ascending."""
    reg = ModelRegistry(tmp_path / "r.git")
    for params in ({"optim": "sgd"}, {"optim": "adamw"}, {}, {"optim": 3}, {"optim": "lion"}, {"optim": 1.5}):
        reg.register_model("m", params=params)
    assert names(reg.search("", sort="params.optim")) == ["m:v6", "m:v4", "m:v2", "m:v5", "m:v1", "m:v3"]
    assert names(reg.search("", sort="params.optim:desc")) == ["m:v4", "m:v6", "m:v1", "m:v5", "m:v2", "m:v3"]
