"""The derived cache never changes what a write builds or what verify concludes; entries
that fail validation are recomputed; cache files that are not regular files are ignored."""
from __future__ import annotations

import json
import os
import threading

import pytest

from gitreg import ModelRegistry
from gitreg.git.cache.cache import DIR_NAME, FORMAT, SEAL_LENGTH
from tests.git.cachefiles import cache_json


def _cache_file(path, model, kind):
    return path / DIR_NAME / f"{model}.{kind}.json"


def _entries(path, model, kind):
    return cache_json(_cache_file(path, model, kind))["entries"]


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


def test_a_crafted_well_formed_entry_is_recomputed_and_no_cache_answers_from_objects(two_models, git, capsys):
    """A well-formed entry written by anyone but this user's gitreg (a metric, the tagger, the
    commit a tag is read from) breaks the seal over its file: every answer comes from the
    objects. --no-cache / GITREG_NO_CACHE=1 read and write no cache at all."""
    from gitreg.clients.cli.main import main

    path = two_models
    main(["-R", str(path), "search", "accuracy > 0"])  # warms the view cache too
    entries = _entries(path, "a", "manifests")
    for key, text in entries.items():
        if key.startswith("tag:"):
            commit, blob, _tagger = json.loads(text)
            entries[key] = json.dumps([commit, blob, "Mallory <m@evil>"])
        elif ":" in key:  # a cached parse of deployment.yaml / model.yaml (keyed `<kind>:<blob>`)
            entries[key] = json.dumps({**json.loads(text), "owner": "Mallory"})
        else:
            manifest = json.loads(text)
            manifest["evaluation_scores"]["accuracy"] = 0.99
            entries[key] = json.dumps(manifest)
    sealed = _cache_file(path, "a", "manifests").read_bytes()
    crafted = json.dumps({"format": FORMAT, "entries": entries}).encode()
    _cache_file(path, "a", "manifests").write_bytes(crafted + sealed[-SEAL_LENGTH:])  # an old seal
    views = path / DIR_NAME / "a.views.json"
    views.write_bytes(views.read_bytes().replace(b"0.6", b"0.9"))
    reg = ModelRegistry(path)
    listed = reg.list_versions("a")
    assert [v.evaluation_scores.accuracy for v in listed] == [0.5, 0.6]
    assert not any("Mallory" in (v.registered_by or "") for v in listed)
    capsys.readouterr()
    assert main(["-R", str(path), "search", "accuracy > 0.8"]) == 0
    assert "a" not in capsys.readouterr().out.split()
    for f in (path / DIR_NAME).iterdir():
        f.unlink()
    assert main(["-R", str(path), "--no-cache", "list"]) == 0
    assert main(["-R", str(path), "versions", "a", "--no-cache"]) == 0
    assert not list((path / DIR_NAME).iterdir())


def test_verify_checks_the_cache_reads_would_use(two_models, capsys):
    """An entry that passes the seal (this user's own: a bug, a leaked key) but differs from the
    objects fails verify; --no-cache answers from the objects meanwhile."""
    from gitreg.clients.cli.main import main
    from gitreg.git.cache.cache import seal

    path = two_models
    entries = _entries(path, "a", "manifests")
    blob = next(k for k in entries if not k.startswith("tag:"))
    manifest = json.loads(entries[blob])
    truth = manifest["evaluation_scores"]["accuracy"]
    manifest["evaluation_scores"]["accuracy"] = 0.99
    entries[blob] = json.dumps(manifest)
    content = json.dumps({"format": FORMAT, "entries": entries}).encode()
    _cache_file(path, "a", "manifests").write_bytes(content + seal(content))
    capsys.readouterr()
    assert main(["-R", str(path), "verify"]) == 1
    assert "the derived cache (gitreg-cache/a.manifests.json) holds other values" in capsys.readouterr().out
    assert main(["-R", str(path), "--no-cache", "versions", "a", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert truth in [v["evaluation_scores"]["accuracy"] for v in listed] and "0.99" not in str(listed)


def test_a_crafted_view_index_line_is_not_believed(reg, registry_path):
    """The registry-wide view index is sealed line by line: a model's column line and rows
    rewritten to agree (well-formed, every length kept) fail their MACs, and the model is read
    from its objects."""
    from gitreg.git.cache.viewindex import path_of

    reg.register_model("a", evaluation_scores={"accuracy": 0.5})
    reg.register_model("b", evaluation_scores={"accuracy": 0.6})
    assert [v.model_name for v in reg.search("accuracy > 0.55")] == ["b"]
    index = path_of(registry_path)
    data = index.read_bytes()
    assert data.count(b"[0.5]") == 1
    index.write_bytes(data.replace(b"0.5", b"0.9"))  # column and rows agree, same lengths: only MACs tell
    assert [v.model_name for v in ModelRegistry(registry_path).search("accuracy > 0.55")] == ["b"]


def test_each_row_of_the_view_index_is_checked_before_use(reg, registry_path):
    """Rows are sealed one by one (a line of their MACs and offsets, sealed in the header): a row rewritten
    in place (same length, its column line untouched) fails its own MAC, and the record comes
    from the objects, while the model's other rows still read from the index."""
    from gitreg.git.cache.viewindex import path_of

    reg.register_model("a", evaluation_scores={"accuracy": 0.5}, notes="first")
    reg.register_model("a", evaluation_scores={"accuracy": 0.6}, notes="other")
    assert len(reg.search("accuracy > 0")) == 2
    index = path_of(registry_path)
    data = index.read_bytes()
    first = data.index(b"\n")
    end = data.index(b"\n", first + 1)
    (entry,) = json.loads(data[first + 1:end])["models"]
    start = end + 1 + entry[3] + sum(entry[4])  # the rows: their seal line, then one line per row
    rows = data[start:start + entry[6]]
    assert rows.count(b"first") == 1 and len(rows.split(b"\n")[0]) == 44 * 2
    index.write_bytes(data[:start] + rows.replace(b"first", b"FIRST") + data[start + entry[6]:])
    found = {v.version: v.notes for v in ModelRegistry(registry_path).search("accuracy > 0")}
    assert found == {"v1": "first", "v2": "other"}
