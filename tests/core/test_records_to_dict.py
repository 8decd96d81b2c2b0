"""The records' to_dict without asdict's deep copy: the same dicts, and never shared with the record."""
from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from gitreg.core.records import (
    METRIC_FIELDS,
    TRAINING_FIELDS,
    DataSource,
    EvaluationScores,
    TrainingInfo,
)

_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5))
_odd = st.one_of(st.lists(_scalar, max_size=2), st.tuples(_scalar), st.dictionaries(st.integers(), _scalar, max_size=2),
                 st.dictionaries(st.text(max_size=3), st.lists(_scalar, max_size=2), max_size=2))
_value = st.one_of(_scalar, st.dictionaries(st.text(max_size=5), _scalar, max_size=3), _odd)


def test_positional_construction_follows_the_field_lists():
    """The read path builds TrainingInfo and EvaluationScores positionally from these lists."""
    assert [f.name for f in dataclasses.fields(TrainingInfo)] == list(TRAINING_FIELDS)
    assert [f.name for f in dataclasses.fields(EvaluationScores)] == [*METRIC_FIELDS, "custom_metrics"]


@given(st.lists(_value, min_size=len(TRAINING_FIELDS), max_size=len(TRAINING_FIELDS)),
       st.lists(_value, min_size=len(METRIC_FIELDS) + 1, max_size=len(METRIC_FIELDS) + 1),
       st.lists(st.one_of(st.none(), st.text(max_size=4), _odd), min_size=4, max_size=4))
def test_to_dict_is_asdict(training, scores, source):
    for record in (TrainingInfo(*training), EvaluationScores(*scores), DataSource(*source)):
        got, want = record.to_dict(), dataclasses.asdict(record)
        if isinstance(record, DataSource):
            want = {k: v for k, v in want.items() if v is not None}
        assert got == want and list(got) == list(want)
        for name, value in got.items():  # a copy: changing it changes nothing in the record
            if isinstance(value, (dict, list)):
                assert value is not getattr(record, name)
