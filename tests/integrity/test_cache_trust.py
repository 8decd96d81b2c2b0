"""The derived cache never changes what a write builds or what verify concludes; entries
that fail validation are recomputed; cache files that are not regular files are ignored."""
from __future__ import annotations

import json
import os
import threading

import pytest

from gitreg import ModelRegistry
from gitreg.git.cache.cache import DIR_NAME, FORMAT


def _cache_file(path, model, kind):
    return path / DIR_NAME / f"{model}.{kind}.json"


def _entries(path, model, kind):
    return json.loads(_cache_file(path, model, kind).read_text())["entries"]


def _write_entries(path, model, kind, entries):
    _cache_file(path, model, kind).write_text(json.dumps({"format": FORMAT, "entries": entries}))


def _run_with_deadline(fn, seconds=20):
    """fn() in a thread; fails the test (instead of hanging it) if it blocks."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked on a cache file"
    return result.get("value")


@pytest.fixture
def two_models(reg, registry_path):
    reg.register_model("a", evaluation_scores={"accuracy": 0.5})
    reg.register_model("a", evaluation_scores={"accuracy": 0.6})
    reg.register_model("d")
    ModelRegistry(registry_path).list_versions("a")  # warms the caches
    ModelRegistry(registry_path).list_versions("d")
    return registry_path


def test_a_foreign_root_entry_never_reaches_a_write(two_models, git):
    path = two_models
    d_root = git(path, "rev-list", "--max-parents=0", "refs/heads/d").strip()
    tip = git(path, "rev-parse", "refs/heads/a").strip()
    _write_entries(path, "a", "roots", {tip: d_root})
    ModelRegistry(path).register_model("a")
    first_parent = git(path, "rev-parse", "a/v3^{commit}^1").strip()
    a_root = git(path, "rev-list", "--max-parents=0", "refs/heads/a").strip()
    assert first_parent == a_root
    assert "create model d" not in git(path, "log", "--format=%s", "refs/heads/a")
    assert ModelRegistry(path).get_metadata("a").model_name == "a"  # reads recompute it too


def test_swapped_manifest_entries_are_recomputed_and_verify_passes(two_models):
    path = two_models
    entries = _entries(path, "a", "manifests")
    blobs = [k for k in entries if not k.startswith("tag:")]
    assert len(blobs) == 2
    entries[blobs[0]], entries[blobs[1]] = entries[blobs[1]], entries[blobs[0]]
    _write_entries(path, "a", "manifests", entries)
    reg = ModelRegistry(path)
    assert [v.evaluation_scores.accuracy for v in reg.list_versions("a")] == [0.5, 0.6]
    assert reg.verify().ok and not reg.problems


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_irregular_cache_files_are_ignored_without_blocking(two_models, kind):
    path = two_models
    for model in ("a", "d"):
        for which in ("manifests", "roots"):
            f = _cache_file(path, model, which)
            f.unlink(missing_ok=True)
            if kind == "fifo":
                os.mkfifo(f)
            elif kind == "dev-zero":
                f.symlink_to("/dev/zero")
            else:
                f.mkdir()
    reg = ModelRegistry(path)
    versions = _run_with_deadline(lambda: reg.list_versions("a"))
    assert [v.version for v in versions] == ["v1", "v2"]
    _run_with_deadline(lambda: ModelRegistry(path).register_model("a"))
    assert [v.version for v in ModelRegistry(path).list_versions("a")] == ["v1", "v2", "v3"]


def test_swapped_version_facts_are_recomputed(two_models):
    path = two_models
    entries = _entries(path, "a", "manifests")
    tags = [k for k in entries if k.startswith("tag:")]
    assert len(tags) == 2
    entries[tags[0]], entries[tags[1]] = entries[tags[1]], entries[tags[0]]
    _write_entries(path, "a", "manifests", entries)
    reg = ModelRegistry(path)
    assert [v.evaluation_scores.accuracy for v in reg.list_versions("a")] == [0.5, 0.6]
    assert not reg.problems
    fixed = _entries(path, "a", "manifests")
    assert fixed[tags[0]] != entries[tags[0]]  # the wrong entry was replaced
