"""Hostile params, metric_info, provenance and curves written with plain git (issue 23): every
bad entry is left out or is one problem; the version and every other one still read."""
from __future__ import annotations

from gitreg import ModelRegistry
from tests.integrity.test_hostile import _blob, _git, _manifest, _note_by_hand, _version_by_hand


def _with_curves(path, model: str, version: str, manifest: bytes, curves: bytes) -> None:
    tip = _git(path, "rev-parse", f"refs/heads/{model}")
    sub = _git(path, "mktree", input=f"100644 blob {_blob(path, curves)}\thistory.csv\n".encode())
    tree = _git(path, "mktree", input=(f"100644 blob {_blob(path, manifest)}\tmanifest.yaml\n"
                                       f"040000 tree {sub}\tcurves\n").encode())
    commit = _git(path, "commit-tree", tree, "-p", tip, "-m", f"register {model} {version}")
    _git(path, "update-ref", f"refs/heads/{model}", commit, tip)
    _git(path, "tag", "-a", f"{model}/{version}", commit, "-m", f"{model} {version}")


def test_bad_additions_never_hide_a_version(tmp_path):
    path = tmp_path / "r.git"
    reg = ModelRegistry(path)
    reg.register_model("m", params={"lora_r": 8})
    hostile = _manifest("m", "v2") + (
        b"params: {lora_r: 16, 'bad name!': 1, big: 99999999999999999999, nested: {a: 1}, ok: [x, y], "
        b"huge: '" + b"a" * 2000 + b"'}\n"
        b"metric_info: {'acc,none': {direction: max, stderr: -1}, loss: {direction: min}, x: 3}\n"
        b"training_data_sources: [plain, {name: pinned, revision: r1}, {name: bad, sha256: nope}, {revision: x}]\n"
        b"base_model: {name: base, revision: abc, extra: 1}\n"
        b"evaluation_scores: {custom_metrics: {loss: 0.5}}\n")
    _version_by_hand(path, "m", "v2", hostile)
    _with_curves(path, "m", "v3", _manifest("m", "v3"), b"not,a,curves,file\n1,2\n")
    _with_curves(path, "m", "v4", _manifest("m", "v4"), b'step,loss,"acc,none"\n1,2.0,0.5\nbad\n2,inf,0.6\n')
    _note_by_hand(path, "m", "v2", b"params: {lora_r: '16'}\nmetric_info: nope\n")
    reg = ModelRegistry(path)
    v2 = reg.get_version("m", "v2")
    assert v2.params == {"lora_r": "16", "ok": ["x", "y"]}  # the note's override; bad entries left out
    assert v2.metric_info == {"loss": {"direction": "min"}}
    assert v2.training_data_sources == ["plain", "pinned", "bad", ""]
    assert [d.name for d in v2.training_data] == ["plain", "pinned"] and v2.training_data[1].revision == "r1"
    assert v2.base_model == "base" and v2.base_model_source is None
    assert [v.version for v in reg.search("params.lora_r >= 8")] == ["v1"]
    assert reg.best("m", by="loss").version == "v2"
    assert reg.get_version("m", "v3").curves is None
    assert any("curves/history.csv" in str(p) for p in reg.problems)
    v4 = reg.get_version("m", "v4").curves
    assert v4.series("loss") == [(1.0, 2.0)] and v4.series("acc,none") == [(1.0, 0.5), (2.0, 0.6)]
    assert [v.version for v in reg.list_versions("m")] == ["v1", "v2", "v3", "v4"]
