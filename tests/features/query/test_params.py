"""Params (issue 23): any mapping that passes validation round-trips unchanged through the
manifest (plain git sees it), the per-model view cache and the registry-wide view index,
the query language (`params.NAME`) and MLflow's version tags."""
from __future__ import annotations

import math
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitreg import ModelRegistry
from gitreg.clients.mlflow import mapping
from gitreg.core import yamlio
from gitreg.core.errors import InvalidValueError, QueryError
from gitreg.core.values import INT_MAX, PARAM_TEXT_MAX, check_params

NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@,:+"
QUERY_NAME = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
VALUES = st.one_of(
    st.integers(-INT_MAX, INT_MAX),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    TEXT,
    st.lists(TEXT, max_size=4),
)
PARAMS = st.dictionaries(st.text(NAME_CHARS, min_size=1, max_size=30), VALUES, max_size=6)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    return ModelRegistry(tmp_path_factory.mktemp("params") / "registry.git")


def _same(a, b) -> bool:
    return type(a) is type(b) and (a == b or (isinstance(a, float) and math.copysign(1, a) == math.copysign(1, b)
                                              and a == b))


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(params=PARAMS, name=QUERY_NAME, number=st.one_of(st.integers(-INT_MAX, INT_MAX),
                                                         st.floats(allow_nan=False, allow_infinity=False)),
       text=TEXT, flag=st.booleans())
def test_params_round_trip_everywhere(shared, params, name, number, text, flag):
    params = {**params, f"q_{name}": number, f"t_{name}": text, f"b_{name}": flag}
    checked = check_params(params)
    assert checked == params  # flat, valid: nothing changed by the checks
    v = shared.register_model("m", params=params)
    again = ModelRegistry(shared.path)  # a fresh reader: from the objects, then from the view cache
    for reader in (again, again):
        got = reader.get_version("m", v.version).params
        assert got.keys() == params.keys() and all(_same(got[k], params[k]) for k in params)
    manifest = subprocess.run(["git", f"--git-dir={shared.path}", "show", f"m/{v.version}:manifest.yaml"],
                              capture_output=True, check=True).stdout
    assert yamlio.load(manifest, "manifest")["params"] == params  # plain git sees it as recorded

    quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    queries = [f"params.q_{name} = {number!r}", f"params.t_{name} = {quoted}",
               f"params.b_{name} = {str(flag).lower()}",
               f"params.q_{name} = {number!r} and params.t_{name} = {quoted}"]
    for query in queries:
        for model in ("m", None):  # one model's view cache, then the registry-wide view index
            for _ in range(2):  # cold (the caches written), then warm (read back from them)
                found = [x.version for x in ModelRegistry(shared.path).search(query, model=model)]
                assert v.version in found, (query, model)

    tags = mapping.model_version(mapping.ModelView.load(again, "m"), again.get_version("m", v.version)).tags
    decoded = {k.removeprefix(mapping.PARAM_TAG): mapping.param_value(t) for k, t in tags.items()
               if k.startswith(mapping.PARAM_TAG)}
    assert decoded == params


def test_nested_params_are_flattened_and_collisions_named(tmp_path):
    reg = ModelRegistry(tmp_path / "r.git")
    v = reg.register_model("m", params={"lora": {"r": 16, "alpha": 32}, "optim": "adamw_torch"})
    assert v.params == {"lora/alpha": 32, "lora/r": 16, "optim": "adamw_torch"}
    with pytest.raises(InvalidValueError, match="'lora/r' and 'lora > r' both flatten to 'lora/r'"):
        reg.register_model("m", params={"lora/r": 8, "lora": {"r": 16}})


@pytest.mark.parametrize("bad, message", [
    ({"x": "a" * (PARAM_TEXT_MAX + 1)}, "longer than"),
    ({"x": [1, 2]}, "list of strings"),
    ({"x": float("nan")}, "finite"),
    ({"x": 10**30}, "too large"),
    ({"bad name!": 1}, "metric name"),
    ({"x": object()}, "must be a number"),
])
def test_invalid_params_are_refused_before_anything_is_written(tmp_path, bad, message):
    reg = ModelRegistry(tmp_path / "r.git")
    with pytest.raises(InvalidValueError, match=message):
        reg.register_model("m", params=bad)
    assert not (tmp_path / "r.git").exists()


def test_params_from_the_cli_are_queryable_and_compared(tmp_path, capsys):
    from gitreg.clients.cli.main import main

    r = str(tmp_path / "r.git")
    assert main(["-R", r, "add", "m", "-p", "lora_r=8", "-p", "optim=adamw", "--epochs", "2.5"]) == 0
    assert main(["-R", r, "add", "m", "-p", "lora_r=16", "-p", "target_modules=[q_proj, v_proj]",
                 "-p", "bf16=true"]) == 0
    reg = ModelRegistry(r)
    assert reg.get_version("m", "v2").params == {"bf16": True, "lora_r": 16, "target_modules": ["q_proj", "v_proj"]}
    assert reg.get_version("m", "v1").training.epochs == 2.5
    assert [v.version for v in reg.search("params.lora_r >= 16")] == ["v2"]
    assert [v.version for v in reg.search("params.optim = adamw")] == ["v1"]
    assert [v.version for v in reg.search("params.optim != adamw", model="m")] == ["v2"]
    assert [v.version for v in reg.search("params.optim ~ 'adam*' or params.bf16 = true")] == ["v1", "v2"]
    assert reg.search("params.optim = 3") == [] and reg.search("params.lora_r = adamw") == []
    assert [v.version for v in reg.search("params.target_modules = q_proj")] == []  # lists are not queried
    with pytest.raises(QueryError, match="params.optim is text: 'best' ranks by a number"):
        reg.best("m", by="params.optim")
    rows = {row.key: row for row in reg.compare("m", "v1", "v2").rows}
    assert rows["params.lora_r"].values == {"v1": 8, "v2": 16} and rows["params.lora_r"].best == []
    assert rows["params.optim"].values == {"v1": "adamw", "v2": None}
    capsys.readouterr()
    assert main(["-R", r, "search", "params.optim = adamw"]) == 0
    out = capsys.readouterr().out
    assert "v1" in out and "v2" not in out
    assert main(["-R", r, "show", "m", "v2"]) == 0
    out = capsys.readouterr().out
    assert "params.lora_r" in out and "q_proj, v_proj" in out


def test_params_and_metric_meaning_change_later_as_notes(tmp_path):
    from gitreg.features.ingest import read_metrics_file
    from tests.features.ingest.test_readers import LM_EVAL

    reg = ModelRegistry(tmp_path / "r.git")
    reg.register_model("m", params={"lora_r": 8, "optim": "adamw"})
    v = reg.update_params("m", "v1", lora_r=16, seed=3)
    assert v.params == {"lora_r": 16, "optim": "adamw", "seed": 3}
    assert [x.version for x in reg.search("params.lora_r = 16")] == ["v1"]
    assert reg.history("m")[-1].kind == "params_changed"
    read = read_metrics_file(LM_EVAL)
    v = reg.update_evaluation_scores("m", "v1", metric_info=read.info, **read.scores)
    assert v.metric_info["mmlu/acc,none"] == {"source": "lm-eval", "direction": "max", "stderr": 0.0041}
    manifest = subprocess.run(["git", f"--git-dir={reg.path}", "show", "m/v1:manifest.yaml"],
                              capture_output=True, check=True).stdout
    assert b"metric_info" not in manifest  # a note, never a rewrite of the version commit
