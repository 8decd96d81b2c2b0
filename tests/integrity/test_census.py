"""The clone summary's cheap check (gitreg/census.py): versions built by hand with plain git
that a reader would refuse are named, each once; the good ones are counted."""
from __future__ import annotations

from gitreg import ModelRegistry

from .test_hostile import _git, _manifest, _version_by_hand


def test_census_names_oversized_treeless_and_aliased_manifests(tmp_path):
    path = tmp_path / "r.git"
    reg = ModelRegistry(path)
    for model in ("big", "empty", "star"):
        reg.register_model(model)
    reg.register_model("star", framework="a * b & c, with ! too")  # suspect bytes, valid YAML
    _version_by_hand(path, "big", "v2", _manifest("big", "v2") + b"pad: " + b"x" * (1 << 20) + b"\n")
    empty = _git(path, "commit-tree", _git(path, "mktree", input=b""), "-p", "refs/heads/empty", "-m", "no manifest")
    _git(path, "tag", "-a", "empty/v2", empty, "-m", "empty v2")
    _version_by_hand(path, "star", "v3", _manifest("star", "v3") + b"x: &a [1]\ny: *a\n")

    fresh = ModelRegistry(path)
    found = fresh.census()
    assert (found.models, found.versions, found.bad) == (3, 4, 3)
    problems = {p.ref: p.problem for p in fresh.problems}
    assert set(problems) == {"refs/tags/big/v2", "refs/tags/empty/v2", "refs/tags/star/v3"}
    assert "limit" in problems["refs/tags/big/v2"]
    assert "manifest.yaml" in problems["refs/tags/empty/v2"]
    assert "anchor or alias" in problems["refs/tags/star/v3"]
