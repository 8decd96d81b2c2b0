"""The view index's newest-event times (`updated` per version, and per model: MLflow's
last-updated times) equal what the model's history gives, however the block was rebuilt:
from scratch, after a registration (the deployment and notes histories' times then come from
the derived cache, keyed by each ref's tip), after a deployment or a note (the tip moved), over
a damaged cache entry, and never from a history that reported a problem. Real registries."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitreg import ModelRegistry
from gitreg.features.deploy import history
from gitreg.features.query.fields import millis
from gitreg.git.refs import layout
from gitreg.model.snapshot import ModelSnapshot


def _tick():
    time.sleep(0.002)  # events a few ms apart


def _expected(path: Path, model: str) -> tuple[int, dict[str, int]]:
    """(newest event of the model, of each version) from its whole history, no cache."""
    reg = ModelRegistry(path)
    newest: dict = {}
    for event in history.model_history(ModelSnapshot(reg._reader(), model, use_cache=False)):
        when = millis(event.timestamp) or 0
        for key in {None, event.version}:
            newest[key] = max(newest.get(key, 0), when)
    return newest[None], {k: v for k, v in newest.items() if k is not None}


def _indexed(path: Path) -> tuple[dict[str, tuple[int, dict[str, int]]], list[str]]:
    catalog = ModelRegistry(path).catalog()
    out = {name: (entry.updated, dict(zip(entry.versions, entry.columns["updated"])))
           for name, entry in catalog.entries.items()}
    return out, catalog.unindexed


def _check(path: Path, models=("alpha", "beta")) -> None:
    found, unindexed = _indexed(path)
    assert unindexed == []
    for model in models:
        model_time, versions = _expected(path, model)
        assert found[model][0] == model_time, model
        assert set(found[model][1]) == {v.version for v in ModelRegistry(path).list_versions(model)}
        assert found[model][1] == {v: versions[v] for v in found[model][1]}, model


def _times_entries(path: Path) -> dict[str, str]:
    """The derived cache's event-time entries of alpha (the cache file's entries are JSON)."""
    from gitreg.git.cache.cache import _read

    entries = _read(path / "gitreg-cache" / "alpha.manifests.json")
    return {k: v for k, v in entries.items() if k.startswith(("deploy-times:", "note-times:"))}


@pytest.fixture
def busy(registry_path) -> Path:
    """alpha: deployed, rolled back and undeployed in two environments, notes on versions and on
    the model; beta: plain."""
    reg = ModelRegistry(registry_path)
    for i in range(4):
        reg.register_model("alpha", evaluation_scores={"accuracy": 0.5 + i / 10})
        _tick()
    reg.register_model("beta")
    reg.deploy("alpha", "v1", environment="production", new_environment=True)
    _tick()
    reg.deploy("alpha", "v2", environment="production")
    _tick()
    reg.rollback("alpha", environment="production")
    _tick()
    reg.deploy("alpha", "v3", environment="staging", new_environment=True)
    _tick()
    reg.undeploy("alpha", environment="staging")
    _tick()
    reg.set_status("alpha", "v4", "archived")
    _tick()
    reg.update_notes("alpha", "v2", "changed later")
    _tick()
    reg.add_tags("alpha", "v1", "stable")
    _tick()
    reg.update_metadata("alpha", description="the model's own note")
    return registry_path


def test_times_equal_the_history_after_every_kind_of_write(busy, git):
    _check(busy)
    entries = _times_entries(busy)
    assert {k.split(":")[0] for k in entries} == {"deploy-times", "note-times"}  # kept, by tip
    _tick()
    ModelRegistry(busy).register_model("alpha", evaluation_scores={"accuracy": 0.9})  # tips unchanged
    _check(busy)
    assert _times_entries(busy) == entries  # the times came from these entries
    _tick()
    ModelRegistry(busy).deploy("alpha", "v5", environment="production")  # the production tip moved
    _check(busy)
    _tick()
    ModelRegistry(busy).set_status("alpha", "v1", "deprecated")  # the notes tip moved
    _check(busy)
    tips = {git(busy, "rev-parse", ref).strip() for ref in (layout.deploy_ref("production", "alpha"),
                                                           layout.notes_ref("alpha"))}
    assert tips <= {k.split(":")[1] for k in _times_entries(busy)}


def test_a_rebuild_after_a_registration_reads_no_history(busy):
    """Guard of the cost: the deployment and notes histories' times come from the cache, so the
    search right after a registration imports neither the deploy feature nor the notes one."""
    ModelRegistry(busy).search("accuracy > 0.5")  # index and cache entries written
    ModelRegistry(busy).register_model("alpha", evaluation_scores={"accuracy": 0.7})
    code = ("import sys; from gitreg import ModelRegistry; reg = ModelRegistry(sys.argv[1]); "
            "found = reg.search('accuracy > 0.5'); assert not reg.problems; "
            "print(len(found), 'gitreg.features.deploy' in sys.modules, 'gitreg.features.notes' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code, str(busy)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["4", "False", "False"]
    _check(busy)


@pytest.mark.parametrize("bad", [{"model": "1", "versions": {}}, {"versions": {}}, {"model": 1, "versions": []},
                                 {"model": 1, "versions": {"v1": 2.5}}, {"model": 1, "versions": {}, "x": 1}])
def test_a_damaged_times_entry_is_read_again_from_the_history(busy, bad):
    from gitreg.git.cache.cache import _read, _write

    _check(busy)
    path = busy / "gitreg-cache" / "alpha.manifests.json"
    entries = _read(path)
    for key in _times_entries(busy):
        entries[key] = json.dumps(bad)
    _write(path, entries)  # sealed as gitreg seals it: only the values are wrong
    ModelRegistry(busy).register_model("alpha")  # the block is rebuilt
    _check(busy)


def test_a_history_with_a_problem_is_never_kept(busy, git):
    """A deployment commit in the middle of a chain that does not read: the model is not indexed
    (read directly, its problem told), on this rebuild and the next: no times kept for that tip."""
    ref = layout.deploy_ref("production", "alpha")
    tip = git(busy, "rev-parse", ref).strip()
    empty = git(busy, "hash-object", "-t", "tree", "-w", "--stdin", input="").strip()
    bad = git(busy, "commit-tree", empty, "-p", tip, "-m", "deploy without a deployment.yaml").strip()
    good_tree = git(busy, "rev-parse", f"{tip}^{{tree}}").strip()
    top = git(busy, "commit-tree", good_tree, "-p", bad, "-m", "a good deployment on top").strip()
    git(busy, "update-ref", ref, top)
    for _ in range(2):
        found, unindexed = _indexed(busy)
        assert unindexed == ["alpha"] and "beta" in found
        assert not any(k.endswith(top) for k in _times_entries(busy))
        ModelRegistry(busy).register_model("alpha")
    # One process, one store: a problem is noted once, so reading the history again adds none; the
    # times must still not be kept (whether the block is then indexed is the count check's, as before).
    one = ModelRegistry(busy)
    for _ in range(3):
        one.catalog()
        assert not any(k.endswith(top) for k in _times_entries(busy))
        one.register_model("alpha")
    assert any(p.ref == ref for p in (lambda r: (r.history("alpha"), r.problems)[1])(ModelRegistry(busy)))


def test_a_version_registered_without_created_at_takes_its_commit_time(registry_path, git):
    """The fallback of a registration's time (a hand-made manifest without created_at)."""
    reg = ModelRegistry(registry_path)
    reg.register_model("alpha")
    reg.register_model("beta")
    _check(registry_path)
    ref = layout.tag_ref("alpha", "v1")
    commit = git(registry_path, "rev-parse", f"{ref}^{{commit}}").strip()
    manifest = git(registry_path, "show", f"{commit}:manifest.yaml")
    stripped = "".join(line + "\n" for line in manifest.splitlines() if not line.startswith("created_at:"))
    assert stripped != manifest
    blob = git(registry_path, "hash-object", "-w", "--stdin", input=stripped).strip()
    tree = git(registry_path, "mktree", input=f"100644 blob {blob}\tmanifest.yaml\n").strip()
    parents = git(registry_path, "log", "-1", "--format=%P", commit).split()
    made = git(registry_path, "commit-tree", tree, *[a for p in parents for a in ("-p", p)], "-m", "v1 by hand",
               "--no-gpg-sign").strip()
    git(registry_path, "tag", "-f", "-a", "-m", "alpha v1", "alpha/v1", made)
    assert ModelRegistry(registry_path).get_version("alpha", "v1").commit == made
    _check(registry_path)
