"""check_scores (the read path's rule for evaluation_scores) over arbitrary values: a metric is
None or a finite int/float that is not a bool, rouge and custom_metrics are mappings of such
metrics (or None); anything else is refused naming the key. Its fast path (None and finite
floats pass without a call) must refuse exactly what the rule refuses."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitreg.core.errors import CorruptRegistryError
from gitreg.model import manifest as mf


def _metric(value) -> bool:
    return value is None or (type(value) in (int, float) and math.isfinite(value))


def _allowed(scores: dict) -> bool:
    for key, value in scores.items():
        if key in ("rouge", "custom_metrics") and value is not None:
            if not (isinstance(value, dict) and all(_metric(v) for v in value.values())):
                return False
        elif not _metric(value):
            return False
    return True


_leaf = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=True),
                  st.text(max_size=2))
_value = st.one_of(_leaf, st.dictionaries(st.one_of(st.none(), st.sampled_from(["r1", "x"])), _leaf, max_size=3))
_scores = st.dictionaries(st.sampled_from(["accuracy", "bleu", "rouge", "custom_metrics", "mmlu"]), _value, max_size=4)


@given(_scores)
def test_check_scores_refuses_exactly_what_the_rule_refuses(scores):
    if _allowed(scores):
        assert mf.check_scores(scores, "m/v1") is scores
    else:
        with pytest.raises(CorruptRegistryError, match="m/v1: "):
            mf.check_scores(scores, "m/v1")


@pytest.mark.parametrize("scores, named", [
    ({"accuracy": float("nan")}, "'accuracy'"),
    ({"bleu": float("inf")}, "'bleu'"),
    ({"accuracy": True}, "'accuracy'"),
    ({"rouge": 0.5}, "evaluation_scores.rouge must be a mapping"),
    ({"custom_metrics": {"pass_at_1": float("-inf")}}, "'custom_metrics.pass_at_1'"),
    ({"rouge": {"r1": "high"}}, "'rouge.r1'"),
])
def test_a_bad_score_is_named(scores, named):
    with pytest.raises(CorruptRegistryError, match=named.replace(".", r"\.")):
        mf.check_scores(scores, "m/v1")


def test_good_scores_pass():
    scores = {"accuracy": 0.5, "bleu": None, "mmlu": 3, "rouge": {"r1": 0.1, "r2": None}, "custom_metrics": None}
    assert mf.check_scores(scores, "m/v1") is scores
