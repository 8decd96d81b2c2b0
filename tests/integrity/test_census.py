"""The clone summary's cheap check (gitreg/features/trust/census.py): versions built by hand with plain git
that a reader would refuse are named, each once; the good ones are counted."""
from __future__ import annotations

from gitreg import ModelRegistry
from tests.integrity.test_hostile import _git, _manifest, _version_by_hand


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


def test_census_of_packed_tags_reads_their_peel_lines_and_still_names_the_bad(tmp_path):
    """Packed tags are checked through packed-refs' peel lines (no tag object read): the same
    verdicts as loose ones, a tag leading to a tree that holds a manifest.yaml is bad, and a
    loose tag that hides a stale packed line is checked by its own target."""
    path = tmp_path / "r.git"
    reg = ModelRegistry(path)
    for model in ("good", "empty", "treed"):
        reg.register_model(model)
    reg.register_model("good")
    empty = _git(path, "commit-tree", _git(path, "mktree", input=b""), "-p", "refs/heads/empty", "-m", "no manifest")
    _git(path, "tag", "-a", "empty/v2", empty, "-m", "empty v2")
    tree = _git(path, "rev-parse", "refs/heads/good^{tree}")  # holds good's manifest.yaml
    _git(path, "tag", "-a", "treed/v2", tree, "-m", "a tag on a tree")
    _git(path, "pack-refs", "--all")
    peeled = (path / "packed-refs").read_text()
    assert "fully-peeled" in peeled and f"^{tree}" in peeled

    found = ModelRegistry(path).census()
    assert (found.models, found.versions, found.bad) == (3, 4, 2)
    fresh = ModelRegistry(path)
    fresh.census()
    assert {p.ref for p in fresh.problems} == {"refs/tags/empty/v2", "refs/tags/treed/v2"}

    # a loose tag now hides good/v1's packed line (whose peel names a good commit)
    _git(path, "update-ref", "refs/tags/good/v1", _git(path, "rev-parse", "refs/tags/empty/v2"))
    again = ModelRegistry(path)
    assert again.census().bad == 3
    assert "refs/tags/good/v1" in {p.ref for p in again.problems}
