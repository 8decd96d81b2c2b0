"""export-json, and import(export(r)) reproducing r: same JSON, same content in git."""
from __future__ import annotations

import json

import pytest
import yaml

from gitreg import ModelRegistry
from gitreg.features.interchange import schema

REGISTRY_KEYS = ["model_name", "version", "created_at", "status", "lora_path", "gguf_path", "training",
                 "evaluation_scores", "deployed", "deployed_at", "parent_version", "training_data_sources",
                 "git_commit", "tags", "notes"]
LINEAGE_KEYS = ["created_at", "parent_version", "training_data", "git_commit", "base_model", "notes"]


def _git_content(git, path) -> dict[str, object]:
    """Everything gitreg wrote, read back with `git show`: manifests, model files,
    deployment records (with their history) and notes."""
    out: dict[str, object] = {}
    for line in git(path, "for-each-ref", "--format=%(refname)").splitlines():
        if line.startswith("refs/tags/"):
            out[line] = git(path, "show", f"{line}:manifest.yaml")
        elif line.startswith("refs/heads/"):
            model = line.rsplit("/", 1)[1]
            root = git(path, "rev-list", "--max-parents=0", f"--grep=^create model {model}$", line).strip()
            out[line] = git(path, "show", f"{root}:model.yaml")
        elif line.startswith("refs/deployed/"):
            out[line] = git(path, "log", "-p", "--format=%s %cI", line, "--", "deployment.yaml")
        elif line.startswith("refs/notes/"):
            model = line.rsplit("/", 1)[1]
            notes = {}
            for entry in git(path, "notes", f"--ref={line}", "list").splitlines():
                _, annotated = entry.split()
                tag = git(path, "describe", "--tags", "--exact-match", annotated).strip()
                notes[tag] = yaml.safe_load(git(path, "notes", f"--ref={line}", "show", annotated))
            out[line] = (model, notes)
    return out


def _export_files(reg, tmp_path, name):
    out, lin = tmp_path / f"{name}-registry.json", tmp_path / f"{name}-lineage.json"
    reg.export_json(out, lin)
    return out, lin


def test_export_has_the_json_registrys_schema(imported):
    registry, lineage = imported.export_json()
    assert list(registry) == ["version", "updated_at", "models"] and registry["version"] == "1.0"
    assert registry["updated_at"] == "2026-01-20T12:00:00+00:00"  # newest commit in the registry
    assert list(lineage) == ["version", "updated_at", "lineages"]
    assert sorted(registry["models"]) == ["din", "majora", "nayru", "oracle"]
    majora = registry["models"]["majora"]
    assert majora["metadata"] == {"model_name": "majora", "created_at": "2026-01-14T09:00:00+00:00",
                                  "description": "Code generation model", "owner": "scawful",
                                  "tags": ["coder", "production"], "notes": "Primary coder model"}
    v = majora["versions"]
    assert list(v) == ["v1", "v2", "v2b", "v3", "v4", "v5"]
    assert list(v["v1"]) == REGISTRY_KEYS
    assert list(v["v3"]) == REGISTRY_KEYS[:6] + ["checkpoint_path"] + REGISTRY_KEYS[6:]
    assert {k: (v[k]["status"], v[k]["deployed"], v[k]["deployed_at"]) for k in v} == {
        "v1": ("deployed", True, "2026-01-14T11:00:00+00:00"),
        "v2": ("deprecated", False, None),
        "v2b": ("archived", False, None),
        "v3": ("deployed", True, "2026-01-16T07:30:00+00:00"),
        "v4": ("draft", False, None),
        "v5": ("training", False, None)}
    assert v["v2"]["evaluation_scores"] == {
        "accuracy": 0.87, "f1_score": None, "perplexity": 2.1, "bleu": None, "rouge": None,
        "inference_speed_tokens_per_sec": None, "memory_mb": None, "latency_ms": None, "custom_metrics": {}}
    assert v["v2"]["training"] is None and v["v2b"]["training"]["framework"] == "mlx"
    assert (v["v2b"]["parent_version"], v["v5"]["parent_version"]) == ("v1", "v3")
    assert registry["models"]["oracle"]["versions"]["v1"]["parent_version"] == "majora:v3"
    assert registry["models"]["din"]["versions"] == {}
    lv = lineage["lineages"]["majora"]["versions"]
    assert list(lv["v2"]) == LINEAGE_KEYS
    assert lv["v1"]["base_model"] == "Qwen2.5-Coder-7B" and lv["v2"]["base_model"] == "majora:v1"
    assert lineage["lineages"]["oracle"]["versions"]["v1"]["base_model"] == "majora:v3"
    assert lv["v2"]["training_data"] == ["oracle", "toolbench", "additional"]


def test_current_view_is_exported(imported):
    imported.update_evaluation_scores("majora", "v4", accuracy=0.7, my_metric=1.5)
    imported.set_status("majora", "v5", "archived")
    imported.add_tags("majora", "v4", "nightly")
    imported.update_notes("majora", "v4", "evaluated")
    imported.update_metadata("majora", owner="team")
    imported.undeploy("majora", environment="production-v1")
    registry, _ = imported.export_json()
    v4 = registry["models"]["majora"]["versions"]["v4"]
    assert v4["evaluation_scores"]["accuracy"] == 0.7
    assert v4["evaluation_scores"]["custom_metrics"] == {"my_metric": 1.5}
    assert (v4["tags"], v4["notes"]) == (["nightly"], "evaluated")
    assert registry["models"]["majora"]["versions"]["v5"]["status"] == "archived"
    assert registry["models"]["majora"]["metadata"]["owner"] == "team"
    v1 = registry["models"]["majora"]["versions"]["v1"]
    assert (v1["status"], v1["deployed"], v1["deployed_at"]) == ("completed", False, None)
    assert registry["updated_at"] > "2026-01-20T12:00:00+00:00"  # the later changes are newer


def test_round_trip_of_an_imported_registry_is_exact(imported, registry_path, tmp_path, git, refs, fsck):
    first, first_lineage = _export_files(imported, tmp_path, "first")
    copy_path = tmp_path / "copy.git"
    copy = ModelRegistry(copy_path)
    copy.import_json(first, first_lineage)
    second, second_lineage = _export_files(copy, tmp_path, "second")
    assert second.read_text() == first.read_text()
    assert second_lineage.read_text() == first_lineage.read_text()
    assert _git_content(git, copy_path) == _git_content(git, registry_path)
    # same identity, same times, same content, same order: the very same objects
    assert refs(copy_path) == refs(registry_path)
    assert fsck(copy_path) == []


def test_round_trip_of_a_registry_built_with_the_api(reg, registry_path, tmp_path, git):
    reg.register_model("majora", base_model="Qwen2.5-Coder-7B", framework="unsloth", samples=10,
                       evaluation_scores={"accuracy": 0.8, "rouge1": 0.4, "pass_at_1": 0.3},
                       lora_path="s3://m/v1", config_path="https://x/cfg.yaml", tags=["a"], notes="first")
    reg.register_model("majora", parent_version="v1", training_data=["d1", "d2"], git_commit="abc")
    reg.register_model("majora", "v2b", parent_version="v1", status="draft")
    reg.register_model("oracle", parent_version="majora:v2")
    reg.set_deployed("majora", "v1")
    reg.set_deployed("majora", "v2")          # v1 deprecated
    reg.update_evaluation_scores("majora", "v2", accuracy=0.9)
    reg.set_status("majora", "v2b", "archived")
    reg.update_metadata("majora", description="coder", tags=["x"])
    first, first_lineage = _export_files(reg, tmp_path, "first")
    copy = ModelRegistry(tmp_path / "copy.git")
    copy.import_json(first, first_lineage)
    assert copy.export_json() == reg.export_json()
    assert [(v.version, v.status.value, v.parent_version) for v in copy.list_versions("majora")] == [
        ("v1", "deprecated", None), ("v2", "deployed", "v1"), ("v2b", "archived", "v1")]
    manifest = yaml.safe_load(git(tmp_path / "copy.git", "show", "majora/v1:manifest.yaml"))
    original = yaml.safe_load(git(registry_path, "show", "majora/v1:manifest.yaml"))
    assert manifest == original  # URIs are not hashed, so even the file list is the same
    # re-importing the export into the original changes nothing
    assert reg.import_json(first, first_lineage).steps == []


def test_export_of_a_missing_registry_is_empty_and_creates_nothing(reg, registry_path, tmp_path):
    registry, lineage = reg.export_json(tmp_path / "out.json")
    assert registry["models"] == {} and lineage["lineages"] == {}
    assert json.loads((tmp_path / "out.json").read_text())["models"] == {}
    schema.parse_timestamp(registry["updated_at"])
    assert not registry_path.exists()


def test_export_to_a_missing_directory_is_a_clear_error(imported, tmp_path):
    from gitreg import GitregError

    with pytest.raises(GitregError, match="cannot write .*/no/such/dir/out.json"):
        imported.export_json(tmp_path / "no" / "such" / "dir" / "out.json")
