"""`gitreg list` from the view index (gitreg/features/listing/fromindex.py): whatever it answers
is what the rows say (ListedModel.of_rows of list_rows), on registries with deployments, status
changes and later scores, ties only a version's own scores order, text params, metrics named
like params, null scores, a bad version and hostile refs; the models it cannot tell exactly are
left to the rows; a garbage, truncated, damaged or stale index changes no answer."""
from __future__ import annotations

import shutil

import pytest

from gitreg import ModelRegistry
from gitreg.core.listed import ListedModel
from gitreg.features.listing import fromindex
from gitreg.features.query import fields
from gitreg.git.cache import viewindex
from tests.integrity.test_hostile import _git, _manifest, _note_by_hand, _version_by_hand

WANTED = [None, [], ["accuracy"], ["params.lr", "mmlu"], ["eval_loss", "eval_loss", "nothing"],
          ["f1_score", "rouge.rouge1", "params.optim"]]
# the models the index answers with the line rule (None): those with accuracy, and those whose
# ranking the columns tell (ties read from the first version's scores); not `delta` (a custom
# metric named params.lr beside a param lr), `nulls` (a null score counts), `broken` (a bad version)
ANSWERED = {"alpha", "beta", "gamma", "plain", "escaped"}


def build(path) -> None:
    reg = ModelRegistry(path)
    reg.register_model("alpha", evaluation_scores={"accuracy": 0.81, "f1_score": 0.7},
                       params={"optim": "adamw", "lr": 0.001}, tags=["base"])
    reg.register_model("alpha", evaluation_scores={"accuracy": 0.9, "mmlu/acc,none": 0.5}, params={"optim": "sgd"})
    reg.register_model("alpha", evaluation_scores={"f1_score": 0.6})
    reg.register_model("alpha", "v10", evaluation_scores={"accuracy": 1})
    reg.register_model("alpha", "v2.1", evaluation_scores={"accuracy": 0.5})
    reg.deploy("alpha", "v2")
    reg.deploy("alpha", "v2", environment="staging", new_environment=True)
    reg.deploy("alpha", "v10", environment="canary", new_environment=True)
    reg.set_status("alpha", "v1", "deprecated")
    reg.set_status("alpha", "v3", "archived")
    reg.update_evaluation_scores("alpha", "v3", accuracy=0.42)  # a later score
    # no accuracy: mmlu and eval_loss in every version, first seen together (v1's order decides)
    reg.register_model("beta", evaluation_scores={"mmlu": 0.25, "eval_loss": 1.0})
    reg.register_model("beta", evaluation_scores={"eval_loss": 0.5, "mmlu": 0.3, "pass@1": 0.1})
    reg.register_model("beta", evaluation_scores={"rouge": {"rouge1": 0.2}, "eval_loss": 0.4})
    reg.update_evaluation_scores("beta", "v3", mmlu=0.2)
    # fields, rouge parts and a custom metric all first seen in v1 (its scores' order decides)
    reg.register_model("gamma", evaluation_scores={"zeta": 2.5, "f1_score": 0.1,
                                                   "rouge": {"rouge2": 0.3, "rouge1": 0.2}})
    reg.register_model("gamma", evaluation_scores={"zeta": 1})
    reg.register_model("plain")  # no metric at all
    reg.register_model("delta", evaluation_scores={"params.lr": 0.5, "mmlu": 0.1}, params={"lr": 0.1})
    reg.register_model("delta", evaluation_scores={"mmlu": 0.2}, params={"lr": 0.2})
    reg.register_model("nulls", evaluation_scores={"mmlu": 0.3})
    reg.register_model("nulls", evaluation_scores={"mmlu": 0.4, "bleu": 0.1})
    _note_by_hand(path, "nulls", "v1", b"evaluation_scores:\n  custom_metrics:\n    aaa: null\n")
    reg.register_model("escaped", evaluation_scores={"mmlu": 0.2})  # a metric named by hand: shown escaped
    _note_by_hand(path, "escaped", "v1", b'evaluation_scores:\n  custom_metrics:\n    "e\\x1b[31m\\u202e": 0.5\n')
    reg.register_model("broken", evaluation_scores={"accuracy": 0.3})
    _version_by_hand(path, "broken", "v2", _manifest("broken", "v9"))  # names another version
    code = _git(path, "commit-tree", _git(path, "hash-object", "-w", "-t", "tree", "/dev/null"), "-m", "code")
    _git(path, "update-ref", "refs/heads/code", code)  # a branch that is not a model's
    _git(path, "update-ref", "refs/notes/gitreg/ghost", code)  # notes of no model


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("listing") / "built.git"
    build(path)
    return path


@pytest.fixture
def varied(built, tmp_path):
    """A copy of the built registry (its caches are sealed with the key of this test's HOME:
    each test makes its own)."""
    path = tmp_path / "varied.git"
    shutil.copytree(built, path, symlinks=True)
    shutil.rmtree(path / "gitreg-cache", ignore_errors=True)
    return path


def rows_of(path, wanted):
    reg = ModelRegistry(path)
    return {name: ListedModel.of_rows(name, reg.list_rows(name), wanted) for name in reg.list_models()}


def answered(path, wanted):
    reg = ModelRegistry(path)
    return fromindex.answer(reg._reader(), reg.list_models(), wanted)


@pytest.mark.parametrize("wanted", WANTED)
def test_what_the_index_answers_is_what_the_rows_say(varied, wanted):
    expected = rows_of(varied, wanted)
    for _ in range(2):  # the index made by the first, read by the second
        got = answered(varied, wanted)
        assert {name: expected[name] for name in got} == got
    if wanted is None:
        assert set(got) == ANSWERED
    else:  # a metric asked for is in its column, but not when a params.<x> is asked from `delta`
        params = any(name.startswith("params.") for name in wanted)
        assert set(got) == ANSWERED | {"nulls"} | (set() if params else {"delta"})
    assert expected["beta"].shown == ["mmlu", "eval_loss"] if wanted is None else True
    assert expected["gamma"].shown == ["zeta", "f1_score"] if wanted is None else True


def test_the_index_is_not_read_without_the_cache(varied, monkeypatch):
    answered(varied, None)
    monkeypatch.setenv("GITREG_NO_CACHE", "1")
    assert answered(varied, None) == {}


def _damage(path, how: str) -> None:
    index = viewindex.path_of(path)
    data = index.read_bytes()
    if how == "truncated":
        index.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        index.write_bytes(b"gitreg-views-index/5 " + b"x" * 200)
    elif how == "empty":
        index.write_bytes(b"")
    elif how == "line":  # one byte of alpha's first status value: that line fails its MAC
        at = data.index(b'["deprecated"') if b'["deprecated"' in data else data.index(b'"deprecated"')
        index.write_bytes(data[:at + 2] + b"X" + data[at + 3:])
    elif how == "rows":  # one byte of gamma's rows: their MAC fails (read for its tie)
        at = data.index(b'"zeta":2.5')
        index.write_bytes(data[:at + 1] + b"Z" + data[at + 2:])


@pytest.mark.parametrize("how", ["truncated", "garbage", "empty", "line", "rows"])
def test_a_damaged_index_changes_no_answer(varied, how):
    answered(varied, None)
    _damage(varied, how)
    assert answered(varied, None) == {name: rows_of(varied, None)[name] for name in ANSWERED}
    # rebuilt: read again, it answers without a rebuild (and the same)
    assert answered(varied, None) == {name: rows_of(varied, None)[name] for name in ANSWERED}


def test_a_stale_index_is_brought_up_to_date(varied):
    answered(varied, None)
    reg = ModelRegistry(varied)
    reg.register_model("alpha", evaluation_scores={"accuracy": 0.99})
    reg.deploy("alpha", "v11", environment="canary")
    reg.set_status("beta", "v2", "archived")
    got = answered(varied, None)
    assert set(got) == ANSWERED and got["alpha"].versions[-1] == "v11"
    assert got == {name: rows_of(varied, None)[name] for name in ANSWERED}


def test_an_index_that_leaves_a_model_out_costs_no_answer(varied):
    """Sealed, current by its fingerprint, but without alpha's block: alpha is read as rows."""
    answered(varied, None)
    path = viewindex.path_of(varied)
    found = viewindex.read(path, fields.INDEX_COLUMNS)
    kept = [viewindex.reuse(found, block) for name, block in found.blocks.items() if name != "alpha"]
    assert viewindex.write(path, viewindex.encode(found.fingerprint, fields.INDEX_COLUMNS, kept))
    viewindex.forget()
    got = answered(varied, None)
    assert set(got) == ANSWERED - {"alpha"} and got == {name: rows_of(varied, None)[name] for name in got}
    assert list(ModelRegistry(varied).listing(["alpha"])) == [rows_of(varied, None)["alpha"]]
