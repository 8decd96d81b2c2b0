"""Ref listing reads loose and packed refs alike (git pack-refs / gc must change nothing)."""
from __future__ import annotations

import os
import time

import pytest

from gitreg import ConcurrentUpdateError, ModelRegistry
from gitreg.storage.refscan import names_under


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
    with pytest.raises(ConcurrentUpdateError, match=r"majora\.lock has been locked for \d+ s; if no gitreg"):
        reg.register_model("majora")
    assert time.monotonic() - started < 30  # a live lock would be retried for 120 s
    assert refs(registry_path) == before
    lock.unlink()
    assert reg.register_model("majora").version == "v2"
