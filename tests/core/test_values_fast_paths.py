"""The plain-type fast paths of core/values.py give the answers of the general checks: a count
that is a plain int (bounds and bools), a metric that is a plain number (never a mapping), a
list of training-data names (a str or mapping is still refused)."""
from __future__ import annotations

import pytest

from gitreg.core import values
from gitreg.core.errors import InvalidValueError


@pytest.mark.parametrize("value, expected", [(0, 0), (7, 7), (values.INT_MAX, values.INT_MAX), (3.0, 3)])
def test_counts_taken(value, expected):
    assert values.check_count("samples", value) == expected
    assert type(values.check_count("samples", value)) is int


@pytest.mark.parametrize("value, message", [
    (-1, "non-negative whole number"), (True, "non-negative whole number"), (2.5, "non-negative whole number"),
    (values.INT_MAX + 1, "too large to store"), ("3", "non-negative whole number"),
])
def test_counts_refused(value, message):
    with pytest.raises(InvalidValueError, match=message):
        values.check_count("samples", value)


def test_plain_numbers_and_mappings_under_a_metric_name():
    assert values.split_scores({"pass_at_1": 0.4, "n": 3}) == {"custom_metrics": {"pass_at_1": 0.4, "n": 3}}
    nested = values.split_scores({"suite": {"a": 0.5, "b": {"c": 1}}})
    assert nested == {"custom_metrics": {"suite/a": 0.5, "suite/b/c": 1}}


@pytest.mark.parametrize("value", ["oracle", b"oracle", {"name": "oracle"}, 5])
def test_sources_must_be_a_list(value):
    with pytest.raises(InvalidValueError, match="must be a list of names"):
        values.check_sources("training_data", value)


def test_a_list_of_sources():
    assert values.check_sources("training_data", ["a", {"name": "b"}, "a"]) == ["a", "b"]
    assert values.check_sources("training_data", ("a",)) == ["a"]


def test_model_names_remembered_only_when_accepted():
    from gitreg.core.errors import InvalidNameError
    from gitreg.core.names import check_model_name

    for _ in range(2):  # the second time from the names remembered
        assert check_model_name("model-0001") == "model-0001"
        for bad in ("HEAD", "latest", "a..b", "x.lock", "-x", "", "a/b"):
            with pytest.raises(InvalidNameError):
                check_model_name(bad)
