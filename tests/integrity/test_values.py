"""Metric values from numeric libraries are stored as plain numbers; values YAML would change are refused."""
from __future__ import annotations

import fractions
import subprocess

import pytest

from gitreg.core.errors import InvalidNameError, InvalidValueError


class Scalar:
    """A numpy-like 0-d value that is not a Python number (what .item() turns into one)."""
    ndim = 0

    def __init__(self, value):
        self.value = value

    def item(self):
        return self.value


def test_real_numbers_are_stored_as_plain_floats_and_ints(reg, registry_path, git):
    v = reg.register_model("m", evaluation_scores={
        "accuracy": fractions.Fraction(17, 20), "samples_seen": Scalar(12), "f1_score": Scalar(0.5)})
    assert v.evaluation_scores.accuracy == 0.85 and type(v.evaluation_scores.accuracy) is float
    manifest = git(registry_path, "show", "m/v1:manifest.yaml")
    assert "accuracy: 0.85" in manifest and "samples_seen: 12" in manifest and "!!" not in manifest


def test_numpy_scalars_when_numpy_is_installed(reg):
    numpy = pytest.importorskip("numpy", reason="numpy not installed; the Scalar test covers .item()")
    v = reg.register_model("m", evaluation_scores={"accuracy": numpy.float64(0.85), "n": numpy.int64(3)})
    assert v.evaluation_scores.accuracy == 0.85 and v.evaluation_scores.custom_metrics["n"] == 3


@pytest.mark.parametrize("value", [10**400, -(10**400), True, "0.9", float("inf")])
def test_values_that_do_not_survive_yaml_are_refused(reg, registry_path, value):
    with pytest.raises(InvalidValueError):
        reg.register_model("m", evaluation_scores={"accuracy": value})
    assert not registry_path.exists() or not reg.list_models()


def test_underflow_from_the_cli_is_refused(registry_path):
    proc = subprocess.run(["gitreg", "-R", str(registry_path), "add", "m", "--metric", "tiny=1e-400"],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "tiny" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", ["HEAD", "latest"])
def test_reserved_names_are_refused(reg, name):
    with pytest.raises(InvalidNameError, match="reserved"):
        reg.register_model(name)


def test_master_is_an_ordinary_model_name(reg):
    assert reg.register_model("master").model_name == "master"
