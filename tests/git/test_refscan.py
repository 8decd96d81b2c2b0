"""Ref listing reads loose and packed refs alike (git pack-refs / gc must change nothing)."""
from __future__ import annotations

import os
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitreg import ConcurrentUpdateError, ModelRegistry
from gitreg.git.refs.refscan import PackedRefs, _scan, _scan_sorted, names_under


def test_packed_and_loose_refs_are_both_seen(reg, registry_path, git, fsck):
    for _ in range(3):
        reg.register_model("majora")
    reg.register_model("majora-2")  # a name that shares the prefix text, not the folder
    reg.deploy("majora", "v1")
    reg.update_evaluation_scores("majora", "v1", accuracy=0.5)
    git(registry_path, "pack-refs", "--all")
    assert not (registry_path / "refs" / "tags" / "majora" / "v1").exists()

    reg.register_model("majora")  # v4: loose, beside packed v1..v3
    reg.deploy("majora", "v4")
    fresh = ModelRegistry(registry_path)
    assert [v.version for v in fresh.list_versions("majora")] == ["v1", "v2", "v3", "v4"]
    assert fresh.list_models() == ["majora", "majora-2"]
    assert fresh.deployments("majora") == {"production": "v4"}
    assert fresh.get_version("majora", "v1").evaluation_scores.accuracy == 0.5
    assert names_under(registry_path, "refs/tags/majora/") == {
        f"refs/tags/majora/v{i}" for i in range(1, 5)
    }
    git(registry_path, "gc", "--quiet")
    assert [v.version for v in ModelRegistry(registry_path).list_versions("majora")] == [
        "v1", "v2", "v3", "v4"
    ]
    assert fsck(registry_path) == []


def test_a_ref_both_loose_and_packed_counts_once(reg, registry_path, git):
    reg.register_model("majora")
    git(registry_path, "pack-refs", "--all", "--no-prune")
    assert (registry_path / "refs" / "tags" / "majora" / "v1").exists()
    assert "refs/tags/majora/v1" in (registry_path / "packed-refs").read_text()
    assert [v.version for v in reg.list_versions("majora")] == ["v1"]
    assert reg.register_model("majora").version == "v2"


def test_stale_lock_files_are_not_refs(reg, registry_path):
    reg.register_model("majora")
    (registry_path / "refs" / "tags" / "majora" / "v9.lock").write_text("")
    assert [v.version for v in reg.list_versions("majora")] == ["v1"]


def test_a_stale_lock_fails_fast_with_the_file_to_remove(reg, registry_path, refs):
    reg.register_model("majora")
    lock = registry_path / "refs" / "heads" / "majora.lock"
    lock.write_text("")
    old = time.time() - 60
    os.utime(lock, (old, old))
    before = refs(registry_path)
    started = time.monotonic()
    with pytest.raises(ConcurrentUpdateError, match=r"majora\.lock has been locked for \d+ s; no live gitreg owns it"):
        reg.register_model("majora")
    assert time.monotonic() - started < 30  # a live lock would be retried for 120 s
    assert refs(registry_path) == before
    lock.unlink()
    assert reg.register_model("majora").version == "v2"


_names = st.lists(st.from_regex(r"refs/(tags|heads|deployed)/[a-c]{1,3}(/[a-c0-9]{1,3}){0,2}", fullmatch=True),
                  unique=True, max_size=40)


@settings(max_examples=200)
@given(names=_names, peeled=st.sets(st.integers(0, 39)), prefix=st.sampled_from(
    ["refs/", "refs/tags/", "refs/tags/a/", "refs/tags/ab/", "refs/heads/", "refs/heads/c/", "refs/deployed/b/",
     "refs/tags/a/1/", "refs/z/", "refs/a"]))
def test_bisected_packed_refs_find_exactly_what_a_full_scan_finds(tmp_path_factory, names, peeled, prefix):
    """A sorted packed-refs file is bisected; the answer must equal a scan of every line."""
    lines = ["# pack-refs with: peeled fully-peeled sorted "]
    for i, name in enumerate(sorted(names)):
        lines.append(f"{i:040x} {name}")
        if i in peeled:
            lines.append(f"^{i + 1000:040x}")
    data = ("\n".join(lines) + "\n").encode()
    gitdir = tmp_path_factory.mktemp("packed")
    (gitdir / "packed-refs").write_bytes(data)
    expected = {n: f"{i:040x}".encode() for i, n in enumerate(sorted(names)) if n.startswith(prefix)}
    assert _scan(data, prefix) == expected
    assert _scan_sorted(data, prefix) == expected
    assert PackedRefs(gitdir).targets_under(prefix) == expected


def test_refs_under_gives_what_git_gives_packed_and_loose(reg, registry_path, git, refs):
    """Store.refs_under takes targets from its scan (no libgit2 lookup per ref): loose hides
    packed, so a moved branch shows its new tip; a symbolic ref is left to libgit2."""
    from gitreg.git.repository import Store

    for _ in range(3):
        reg.register_model("majora")
    git(registry_path, "pack-refs", "--all")
    reg.register_model("majora")  # branch moves: loose beside its stale packed line
    git(registry_path, "symbolic-ref", "refs/heads/alias", "refs/heads/majora")
    store = Store.open(registry_path)
    expected = {name: oid for name, oid in refs(registry_path).items()
                if name.startswith("refs/heads/") and name != "refs/heads/alias"}
    got = {name: str(oid) for name, oid in store.refs_under("refs/heads/").items()}
    assert got.pop("refs/heads/alias") == "refs/heads/majora"  # what ref_target gives
    assert got == expected
    tags = {name: str(oid) for name, oid in store.refs_under("refs/tags/majora/").items()}
    assert tags == {n: o for n, o in refs(registry_path).items() if n.startswith("refs/tags/majora/")}
    assert len(tags) == 4
