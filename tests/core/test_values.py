"""Training parameters and metric names as the seed's callers hand them over (issue 23):
numpy integers accepted like numpy floats, integers no reader can carry refused, and a
flattening collision an error naming both keys."""
from __future__ import annotations

import numpy
import pytest

from gitreg import ModelRegistry
from gitreg.core.errors import InvalidValueError
from gitreg.core.values import INT_MAX


@pytest.fixture
def reg(tmp_path):
    return ModelRegistry(tmp_path / "registry.git")


def test_numpy_integers_and_floats_are_training_params(reg):
    v = reg.register_model("m", epochs=numpy.int64(3), samples=numpy.int32(223), batch_size=numpy.uint8(4),
                           learning_rate=numpy.float32(2e-4), duration_hours=numpy.float64(1.5))
    t = reg.get_version("m", v.version).training
    assert (t.epochs, t.samples, t.batch_size) == (3, 223, 4)
    assert all(type(x) is int for x in (t.epochs, t.samples, t.batch_size))
    assert t.learning_rate == pytest.approx(2e-4) and t.duration_hours == 1.5


def test_fractional_epochs_are_numbers(reg):
    v = reg.register_model("m", epochs=2.5)
    assert reg.get_version("m", v.version).training.epochs == 2.5
    assert type(reg.register_model("m", epochs=3.0).training.epochs) is int


@pytest.mark.parametrize("kwargs", [{"samples": 10**400}, {"samples": INT_MAX + 1},
                                    {"evaluation_scores": {"tokens": 2**63}}, {"epochs": 10**400}])
def test_integers_beyond_what_yaml_json_and_queries_carry_are_refused(reg, kwargs):
    with pytest.raises(InvalidValueError, match="too large"):
        reg.register_model("m", **kwargs)
    assert not reg.list_models()


def test_the_largest_integer_stored_is_searchable(reg):
    reg.register_model("m", samples=INT_MAX, evaluation_scores={"tokens": INT_MAX})
    assert [v.version for v in reg.search("samples > 1")] == ["v1"]
    assert reg.best("m", by="tokens").version == "v1"


@pytest.mark.parametrize("scores, both", [
    ({"a/b": 0.1, "a": {"b": 0.2}}, ("'a/b'", "'a > b'")),
    ({"custom_metrics": {"x": {"y": 1}, "x/y": 2}}, ("'x > y'", "'x/y'")),
    ({"a": {"b/c": 1, "b": {"c": 2}}}, ("'a > b/c'", "'a > b > c'")),
])
def test_a_flattening_collision_is_an_error_naming_both_keys(reg, scores, both):
    with pytest.raises(InvalidValueError) as err:
        reg.register_model("m", evaluation_scores=scores)
    assert all(name in str(err.value) for name in both), str(err.value)
    assert not reg.list_models()
    reg.register_model("m")
    with pytest.raises(InvalidValueError, match="both flatten to"):
        reg.update_evaluation_scores("m", "v1", **scores)
