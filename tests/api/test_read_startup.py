"""Issue 28 (start-up): what a warm read loads. Guards the lazy imports without timing them:
a later change that brings a write path, PyYAML or the git CLI back into a read's start-up
fails here, whatever the machine's speed."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# The API side of each read command (gitreg/clients/cli/commands/<cmd>.py), nothing rendered.
READS = {
    "show": "v = reg.get_version('majora', 'v2'); [a for a in reg.approvals('majora') if a.version == v.version]",
    "list": "reg.check_refs(); [reg.list_versions(n) for n in reg.list_models()]",
    "list (lines)": "reg.check_refs(); list(reg.listing(reg.list_models()))",
    "versions": "reg.list_versions('majora')",
    "info": "reg.get_metadata('majora'); reg.list_versions('majora'); reg.get_latest('majora'); "
            "reg.deployments('majora')",
    "search": "reg.search('accuracy > 0.5', limit=10)",
}
# Modules none of them may load once the derived cache answers: PyYAML (the cache holds the
# parsed manifests), the terminal stack, the write paths, the policy feature (a model without
# approvals), the records of histories and signatures, and what only a write or a cache miss
# needs (the git CLI and its subprocess, temporary files, did-you-mean), and the records and
# query modules defined apart for that reason (a directory's files, purges, dry runs; `best`,
# sort keys and the metric directions).
NEVER = (
    "yaml", "rich", "typer", "click", "jsonschema", "jinja2", "subprocess", "tempfile", "difflib",
    "gitreg.git.gitcli", "gitreg.git.refs.transaction", "gitreg.git.refs.lockowner",
    "gitreg.git.refs.leftovers", "gitreg.git.signing.identity", "gitreg.features.registration",
    "gitreg.features.deploy", "gitreg.features.notes", "gitreg.features.sync", "gitreg.features.policy",
    "gitreg.core.audit_records", "gitreg.clients", "gitreg.features.query.comparison",
    "gitreg.core.file_records", "gitreg.core.preview", "gitreg.features.query.ranking",
    "gitreg.features.query.direction", "gitreg.features.query.sortkeys",
)

_CHILD = """
import json, sys
from gitreg.api.registry import ModelRegistry
reg = ModelRegistry(sys.argv[1])
exec(sys.argv[2])
assert not reg.problems, reg.problems
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(path: Path, code: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout))


def _registry(path: Path) -> Path:
    """Two models, one deployed, every read run once (the derived cache and the view index).
    Function-scoped: the cache is sealed with a key kept under the test's own HOME."""
    from gitreg import ModelRegistry

    reg = ModelRegistry(path)
    reg.init()
    for i in range(3):
        reg.register_model("majora", base_model="Qwen2.5-Coder-7B", training_data=["oracle"],
                           evaluation_scores={"accuracy": 0.4 + i / 10})
    reg.register_model("fuzzy", evaluation_scores={"accuracy": 0.9})
    reg.deploy("majora", "v2")
    for code in READS.values():
        _modules_after(path, code)
    return path


def test_a_warm_read_loads_no_yaml_no_write_path_and_no_git_cli(tmp_path, monkeypatch):
    monkeypatch.delenv("GITREG_NO_CACHE", raising=False)
    path = _registry(tmp_path / "r.git")
    for read, code in READS.items():
        loaded = _modules_after(path, code)
        assert "gitreg.api.registry" in loaded and "pygit2" in loaded  # the child did read
        unwanted = sorted(m for m in loaded if any(m == n or m.startswith(n + ".") for n in NEVER))
        assert unwanted == [], f"{read} loaded {unwanted}"


def test_a_warm_listing_needs_no_query_package(tmp_path, monkeypatch):
    """`gitreg list` reads the view index without the query language (~17 ms of imports);
    only a stale index, brought up to date, loads it."""
    monkeypatch.delenv("GITREG_NO_CACHE", raising=False)
    path = _registry(tmp_path / "r.git")
    assert not any(m.startswith("gitreg.features.query") for m in _modules_after(path, READS["list (lines)"]))
    from gitreg import ModelRegistry

    ModelRegistry(path).register_model("fuzzy", evaluation_scores={"accuracy": 0.8})
    assert "gitreg.features.query.bulk" in _modules_after(path, READS["list (lines)"])
    assert not any(m.startswith("gitreg.features.query") for m in _modules_after(path, READS["list (lines)"]))


def test_the_deferred_imports_still_work_when_a_read_needs_them(tmp_path):
    """A cold read parses YAML and a write runs git: the deferred modules load on demand."""
    from gitreg import ModelRegistry
    from gitreg.core import yamlio

    path = _registry(tmp_path / "r.git")
    cold = tmp_path / "cold.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(path), str(cold)], check=True)
    loaded = _modules_after(cold, READS["show"])  # no derived cache in a fresh clone
    assert "yaml" in loaded
    reg = ModelRegistry(cold)
    assert reg.register_model("majora", evaluation_scores={"accuracy": 0.7}).version == "v4"
    assert reg.get_version("majora", "v4").evaluation_scores.accuracy == 0.7
    assert reg.get_version("majora", "v2").environments == ["production"]
    assert reg.get_metadata("majora").model_name == "majora"
    assert yamlio.load_mapping(b"a: 1\n", "test") == {"a": 1}
    assert yamlio.load_user(b"lr: 2e-5\n", "test") == {"lr": 2e-5}  # YAML 1.2 numbers, loader built lazily


def test_a_warm_read_other_than_search_does_not_load_datetime(tmp_path, monkeypatch):
    """created_at is text in the derived cache: reading it imports no datetime (~5 M instructions);
    only writes (now_iso) and a manifest whose YAML holds a timestamp need the module."""
    monkeypatch.delenv("GITREG_NO_CACHE", raising=False)
    path = _registry(tmp_path / "r.git")
    for read, code in READS.items():
        if read != "search":  # the query's time fields (features/query/fields.py) import it
            assert "datetime" not in _modules_after(path, code), read


def test_a_yaml_timestamp_still_reads_as_iso_text():
    import datetime as dt

    from gitreg.model import manifest

    m = {"schema": manifest.SCHEMA, "model_name": "m", "version": "v1", "status": "completed",
         "created_at": dt.datetime(2026, 1, 2, 3, 4, 5)}  # what PyYAML makes of an unquoted timestamp
    v = manifest.read_version(m, {}, model="m", version="v1", where="test", commit="0" * 40, registered_by=None)
    assert v.created_at == "2026-01-02T03:04:05+00:00"
    m["created_at"] = "2026-01-02T03:04:05+01:00"
    assert manifest.read_version(m, {}, model="m", version="v1", where="test", commit="0" * 40,
                                 registered_by=None).created_at == "2026-01-02T03:04:05+01:00"


def test_showing_a_version_does_not_create_the_listing_row_dataclass(tmp_path, monkeypatch):
    """core.rows (VersionRow) is imported with a listing's first row, not by model.snapshot's import."""
    monkeypatch.delenv("GITREG_NO_CACHE", raising=False)
    path = _registry(tmp_path / "r.git")
    assert "gitreg.core.rows" not in _modules_after(path, READS["show"])
    assert "gitreg.core.rows" in _modules_after(path, "from gitreg.model.snapshot import ModelSnapshot; "
                                                      "list(reg.listing(reg.list_models()))")
