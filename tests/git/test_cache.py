"""The derived cache (gitreg-cache/ in the registry): it never changes a result, a
corrupt, stale or unwritable cache is ignored, and concurrent writers leave it valid."""
from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gitreg import ModelRegistry
from gitreg.git.cache.cache import DIR_NAME, ModelCache
from tests.git.cachefiles import cache_json, write_sealed


def _cache_dir(path: Path) -> Path:
    return path / DIR_NAME


def _view(path: Path) -> dict:
    """Everything the read API says about the registry, from a fresh process-level state."""
    reg = ModelRegistry(path)
    out = {}
    for model in reg.list_models():
        out[model] = {
            "versions": [v.to_dict() for v in reg.list_versions(model)],
            "metadata": reg.get_metadata(model).to_dict(),
        }
    return out


def _populate(reg: ModelRegistry) -> None:
    reg.register_model("majora", evaluation_scores={"accuracy": 0.8, "pass_at_1": 0.3}, tags=["a"])
    reg.register_model("majora", parent_version="v1", training_data=["oracle"], notes="second")
    reg.register_model("oracle", parent_version="majora:v2")
    reg.update_evaluation_scores("majora", "v1", accuracy=0.9)
    reg.update_metadata("majora", description="code model")
    reg.deploy("majora", "v2")


def test_cache_is_written_by_reads_and_never_changes_results(reg, registry_path):
    _populate(reg)
    cold = _view(registry_path)
    files = sorted(p.name for p in _cache_dir(registry_path).iterdir())
    assert "majora.manifests.json" in files and "majora.roots.json" in files
    warm = _view(registry_path)
    assert warm == cold
    data = cache_json(_cache_dir(registry_path) / "majora.manifests.json")
    assert data["format"] == "gitreg-cache/1"
    # two manifests, the facts of the two version tags, and the parses of majora's model.yaml
    # and of its one deployment.yaml
    assert len(data["entries"]) == 6
    assert sorted(k.partition(":")[0] for k in data["entries"] if ":" in k) == ["deploy", "model", "tag", "tag"]


def test_damaged_yaml_parses_in_a_sealed_cache_are_misses(reg, registry_path):
    """The cached parses of model.yaml and deployment.yaml are checked like every entry: one
    that is not a mapping (or not JSON) is read from the registry again, with the same answer."""
    _populate(reg)
    expected = _view(registry_path)
    path = _cache_dir(registry_path) / "majora.manifests.json"
    data = cache_json(path)
    kinds = [k for k in data["entries"] if k.startswith(("deploy:", "model:"))]
    assert len(kinds) == 2
    for i, key in enumerate(kinds):
        data["entries"][key] = ['["not", "a mapping"]', '{not json'][i % 2]
    write_sealed(path, data)
    assert _view(registry_path) == expected
    assert ModelRegistry(registry_path).get_version("majora", "v2").environments == ["production"]


def test_damaged_version_facts_are_misses_and_a_replaced_tag_is_read_afresh(reg, registry_path, git,
                                                                           monkeypatch):
    _populate(reg)
    expected = _view(registry_path)
    path = _cache_dir(registry_path) / "majora.manifests.json"
    data = cache_json(path)
    for i, key in enumerate(k for k in data["entries"] if k.startswith("tag:")):
        data["entries"][key] = ['"not a list"', '["short", "x", "y"]'][i % 2]
    path.write_text(json.dumps(data))
    assert _view(registry_path) == expected
    # someone else re-points majora/v1 at a new tag object with plain git: facts are keyed
    # by tag id, so the new tagger shows (and verify reports the swap, see test_verify)
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Mallory")
    git(registry_path, "tag", "-f", "-a", "-m", "replaced", "majora/v1", "majora/v1^{commit}")
    listed = ModelRegistry(registry_path).list_versions("majora")
    assert listed[0].registered_by.startswith("Mallory <")
    assert {**listed[0].to_dict(), "registered_by": None} == \
        {**expected["majora"]["versions"][0], "registered_by": None}


def test_corrupt_or_foreign_cache_files_are_ignored_and_rebuilt(reg, registry_path):
    _populate(reg)
    expected = _view(registry_path)
    cache = _cache_dir(registry_path)
    for content in (b"\x00garbage", b"[]", b'{"format": "other/9", "entries": {}}',
                    b'{"format": "gitreg-cache/1", "entries": []}', b""):
        for f in cache.iterdir():
            f.write_bytes(content)
        assert _view(registry_path) == expected
    # entries that do not parse, or parse to the wrong shape, are misses
    manifests = cache / "majora.manifests.json"
    blobs = list(cache_json(manifests)["entries"])
    manifests.write_text(json.dumps({"format": "gitreg-cache/1",
                                     "entries": {blobs[0]: "{not json", blobs[1]: "[1, 2]"}}))
    assert _view(registry_path) == expected


def test_stale_root_entries_are_checked_not_trusted(reg, registry_path, git):
    _populate(reg)
    roots = _cache_dir(registry_path) / "majora.roots.json"
    ModelRegistry(registry_path).get_metadata("majora")
    tip = git(registry_path, "rev-parse", "refs/heads/majora").strip()
    v1 = git(registry_path, "rev-parse", "refs/tags/majora/v1^{commit}").strip()
    for bogus in (v1, "0" * 40, "not-an-id"):  # a non-root commit, a missing object, junk
        roots.write_text(json.dumps({"format": "gitreg-cache/1", "entries": {tip: bogus}}))
        meta = ModelRegistry(registry_path).get_metadata("majora")
        assert meta.description == "code model" and meta.model_name == "majora"
    # a newer tip walks back only to the tip it knows, and remembers the new one
    reg.register_model("majora")
    ModelRegistry(registry_path).get_metadata("majora")
    new_tip = git(registry_path, "rev-parse", "refs/heads/majora").strip()
    entries = cache_json(roots)["entries"]
    root = git(registry_path, "rev-list", "--max-parents=0", "refs/heads/majora").strip()
    assert entries[new_tip] == root


def test_unwritable_cache_location_is_harmless(reg, registry_path):
    reg.register_model("majora")
    shutil.rmtree(_cache_dir(registry_path), ignore_errors=True)
    _cache_dir(registry_path).write_text("a file where the cache directory would be")
    fresh = ModelRegistry(registry_path)
    assert [v.version for v in fresh.list_versions("majora")] == ["v1"]
    fresh.register_model("majora")
    assert [v.version for v in ModelRegistry(registry_path).list_versions("majora")] == ["v1", "v2"]
    assert ModelRegistry(registry_path).get_metadata("majora").model_name == "majora"


def test_values_yaml_gives_that_json_cannot_hold_are_not_cached(tmp_path):
    cache = ModelCache(tmp_path, "m")
    cache.put_manifest("a" * 40, {"when": datetime.date(2026, 1, 1)})
    cache.put_manifest("b" * 40, {"x": float("nan")})
    cache.put_manifest("c" * 40, {1: "int key"})
    cache.put_manifest("d" * 40, {"ok": [1, 2.5, None, True, "s", {"k": "v"}]})
    cache.flush()
    entries = cache_json(tmp_path / DIR_NAME / "m.manifests.json")["entries"]
    assert list(entries) == ["d" * 40]
    got = ModelCache(tmp_path, "m").manifest("d" * 40)
    assert got == {"ok": [1, 2.5, None, True, "s", {"k": "v"}]}
    assert type(got["ok"][0]) is int and type(got["ok"][3]) is bool
    got["ok"].append("changed")  # every hit is a fresh object
    assert ModelCache(tmp_path, "m").manifest("d" * 40)["ok"][-1] == {"k": "v"}


READER = r"""
import sys
from gitreg import ModelRegistry
reg = ModelRegistry(sys.argv[1])
for _ in range(int(sys.argv[2])):
    for m in reg.list_models():
        ModelRegistry(sys.argv[1]).list_versions(m)
    if sys.argv[3] == "write":
        reg.register_model("majora")
"""


def test_concurrent_readers_and_writers_leave_a_valid_cache(reg, registry_path):
    for _ in range(5):
        reg.register_model("majora")
    procs = [
        subprocess.Popen([sys.executable, "-c", READER, str(registry_path), "6", mode],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for mode in ("read", "read", "write", "write")
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    cache = _cache_dir(registry_path)
    assert not [f for f in cache.iterdir() if f.name.startswith(".")], "temporary files left behind"
    for f in cache.iterdir():
        assert cache_json(f)["format"] == "gitreg-cache/1"
    warm = _view(registry_path)
    assert len(warm["majora"]["versions"]) == 5 + 2 * 6
    for f in cache.iterdir():
        f.unlink()
    assert _view(registry_path) == warm


@settings(max_examples=12)
@given(
    scores=st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True),
                           st.floats(0, 1, allow_nan=False), max_size=4),
    tags=st.lists(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=8),
                  max_size=3),
    notes=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    data=st.lists(st.from_regex(r"[a-z0-9 ./:-]{1,12}", fullmatch=True), max_size=3),
)
def test_property_cache_never_changes_what_is_read(tmp_path_factory, scores, tags, notes, data):
    path = tmp_path_factory.mktemp("prop") / "registry.git"
    reg = ModelRegistry(path)
    reg.register_model("majora", evaluation_scores=scores, tags=tags, notes=notes, training_data=data)
    reg.register_model("majora", parent_version="v1", evaluation_scores=scores, notes=notes)
    cold = _view(path)  # parses YAML, writes the cache
    assert (_cache_dir(path) / "majora.manifests.json").exists()
    assert _view(path) == cold  # served from the cache


def test_a_page_of_a_long_model_is_read_from_its_objects_not_the_cache_file(tmp_path):
    """A page (k versions, k * FEW < n) does not load the model's O(n) cache file, nor write it;
    it reads the same records."""
    from gitreg.model.snapshot import FEW
    from tests.clients.web.conftest import fixtures

    path = tmp_path / "chain.git"
    fixtures.build_chain(path, 3 * FEW)
    reg = ModelRegistry(path)
    page = reg.version_names("chain")[-2:]
    fresh = [v.to_dict() for v in reg.get_versions("chain", page)]
    assert not (_cache_dir(path) / "chain.manifests.json").exists()  # not written by a page
    whole = {v.version: v.to_dict() for v in ModelRegistry(path).list_versions("chain")}  # writes it
    manifests = _cache_dir(path) / "chain.manifests.json"
    assert manifests.exists()
    manifests.write_text("{not json")  # a page never reads it: the same records all the same
    assert fresh == [whole[v] for v in page] == [v.to_dict() for v in ModelRegistry(path).get_versions("chain", page)]
    assert manifests.read_text() == "{not json"


def test_a_long_models_metadata_is_parsed_from_its_object_not_the_cache_file(reg, registry_path, monkeypatch):
    """One small file (the root's model.yaml, for a served page's header or `info`) of a model
    whose manifests file is past ONE_FILE_LIMIT is parsed from its object: loading that file
    is O(versions) (1.2 s at 100,000). Below the limit the cached parse is used (a sealed
    entry is believed: what this test forges to tell the two apart)."""
    from gitreg.git.cache import cache

    _populate(reg)
    _view(registry_path)  # the cache written
    path = _cache_dir(registry_path) / "majora.manifests.json"
    data = cache_json(path)
    (key,) = [k for k in data["entries"] if k.startswith("model:")]
    parsed = json.loads(data["entries"][key])
    data["entries"][key] = json.dumps({**parsed, "owner": "from the cache file"})
    write_sealed(path, data)
    assert ModelRegistry(registry_path).get_metadata("majora").owner == "from the cache file"
    monkeypatch.setattr(cache, "ONE_FILE_LIMIT", path.stat().st_size - 1)
    assert ModelRegistry(registry_path).get_metadata("majora").owner == ""
    reader = ModelRegistry(registry_path)
    reader.list_versions("majora")  # a read of every version loads the file: then its parse is used
    assert reader.get_metadata("majora").owner == "from the cache file"


def test_one_version_of_a_long_model_is_read_from_its_objects_not_the_cache_file(reg, registry_path, monkeypatch):
    """`show` of one version and `@latest` of a model whose manifests file is past
    ONE_FILE_LIMIT (29 MB at 20,000 versions: 0.3 s to load) read that version from its
    objects; a read of every version still uses the file. A forged sealed entry tells which."""
    from gitreg.git.cache import cache

    _populate(reg)
    _view(registry_path)  # the cache written
    path = _cache_dir(registry_path) / "majora.manifests.json"
    data = cache_json(path)
    forged = 0
    for key, text in data["entries"].items():
        value = json.loads(text)
        if ":" not in key and value.get("version") == "v2":  # the manifest (keyed by its blob id alone)
            data["entries"][key] = json.dumps({**value, "notes": "from the cache file"})
            forged += 1
    assert forged == 1
    write_sealed(path, data)
    for ref in ("majora:v2", "majora@latest"):
        assert ModelRegistry(registry_path).get_version(ref).notes == "from the cache file"
    monkeypatch.setattr(cache, "ONE_FILE_LIMIT", path.stat().st_size - 1)
    for ref in ("majora:v2", "majora@latest"):
        assert ModelRegistry(registry_path).get_version(ref).notes == "second"
    assert [v.notes for v in ModelRegistry(registry_path).list_versions("majora")][1] == "from the cache file"
    assert cache_json(path) == data  # nothing rewritten by the reads from objects
