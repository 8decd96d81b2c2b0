"""import-json on the full hand-written fixture, checked with the real git CLI."""
from __future__ import annotations

import yaml

from gitreg.features.interchange.importer import REASON


def _show(git, path, rev: str):
    return yaml.safe_load(git(path, "show", rev))


def _first_parents(git, path, rev: str) -> list[str]:
    return git(path, "log", "--first-parent", "--format=%s", rev).splitlines()


def test_every_model_version_deployment_and_note_becomes_a_ref(imported, registry_path, refs, fsck):
    names = set(refs(registry_path))
    assert {n for n in names if n.startswith("refs/heads/")} == {
        "refs/heads/majora", "refs/heads/oracle", "refs/heads/nayru", "refs/heads/din"}
    assert {n for n in names if n.startswith("refs/tags/")} == {
        f"refs/tags/{t}" for t in ("majora/v1", "majora/v2", "majora/v2b", "majora/v3", "majora/v4",
                                   "majora/v5", "oracle/v1", "oracle/v1.1", "nayru/v1", "nayru/v2")}
    assert {n for n in names if n.startswith("refs/deployed/")} == {
        "refs/deployed/production/majora", "refs/deployed/production-v1/majora",
        "refs/deployed/production/oracle"}
    assert {n for n in names if n.startswith("refs/notes/")} == {"refs/notes/gitreg/majora"}
    assert fsck(registry_path) == []


def test_commit_and_tag_dates_are_the_original_created_at(imported, registry_path, git):
    def dates(rev):
        return git(registry_path, "log", "-1", "--format=%aI %cI", rev).split()

    # naive times are UTC; offsets are kept as the same instant
    assert dates("majora/v1") == ["2026-01-14T10:00:00+00:00"] * 2
    assert dates("majora/v3") == ["2026-01-16T06:00:00+00:00"] * 2  # 08:00+02:00
    assert dates("majora/v4") == ["2026-01-19T10:00:00+00:00"] * 2  # ...Z
    tagger = git(registry_path, "for-each-ref", "--format=%(taggerdate:iso-strict)", "refs/tags/majora/v2")
    assert tagger.strip() == "2026-01-15T10:00:00+00:00"
    root = git(registry_path, "log", "--format=%aI %s", "majora").splitlines()[-1]
    assert root == "2026-01-14T09:00:00+00:00 create model majora"
    assert _show(git, registry_path, "oracle/v1.1:manifest.yaml")["created_at"] == "2026-01-18T10:00:00.250000+00:00"


def test_lineage_is_commit_parentage_parents_first(imported, registry_path, git):
    assert _first_parents(git, registry_path, "majora/v3") == [
        "register majora v3", "register majora v2", "register majora v1", "create model majora"]
    # branching: v2b from v1
    assert _first_parents(git, registry_path, "majora/v2b")[:2] == ["register majora v2b", "register majora v1"]
    # a base_model 'model:version' is the parent when none is given (registry training and lineage file)
    assert _first_parents(git, registry_path, "majora/v5")[:2] == ["register majora v5", "register majora v3"]
    assert _first_parents(git, registry_path, "oracle/v1")[:2] == ["register oracle v1", "register majora v3"]
    assert _first_parents(git, registry_path, "nayru/v2")[:2] == ["register nayru v2", "register nayru v1"]
    assert _show(git, registry_path, "oracle/v1:manifest.yaml")["parent_version"] == "majora:v3"


def test_manifest_holds_every_registered_field(imported, registry_path, git):
    m = _show(git, registry_path, "majora/v1:manifest.yaml")
    assert m["schema"] == "gitreg/1" and m["status"] == "completed"
    assert m["training"] == {"framework": "unsloth", "base_model": "Qwen2.5-Coder-7B", "samples": 223,
                             "epochs": 3, "batch_size": 4, "learning_rate": 0.0002,
                             "duration_hours": 3.0, "cost_usd": 0.8, "hardware": "M2 Max"}
    assert m["base_model"] == "Qwen2.5-Coder-7B"
    assert m["evaluation_scores"] == {
        "accuracy": 0.85, "f1_score": 0.82, "perplexity": None, "bleu": 0.31,
        "rouge": {"rouge1": 0.52, "rouge2": 0.33, "rougeL": 0.47},
        "inference_speed_tokens_per_sec": 120, "memory_mb": 8192, "latency_ms": 35.5,
        "custom_metrics": {"humaneval": 0.61, "pass_at_1": 0.4}}
    assert m["files"] == [{"role": "lora", "path": "/models/majora-v1-lora"},
                          {"role": "gguf", "path": "/models/majora-v1-Q8_0.gguf"}]  # as given, not hashed
    assert (m["lora_path"], m["gguf_path"]) == ("/models/majora-v1-lora", "/models/majora-v1-Q8_0.gguf")
    assert m["training_data_sources"] == ["oracle", "toolbench"]
    assert (m["git_commit"], m["tags"], m["notes"]) == ("abc123def456", ["production", "stable"], "Initial training")
    v3 = _show(git, registry_path, "majora/v3:manifest.yaml")
    assert {"role": "checkpoint", "path": "s3://models/majora-v3-ckpt"} in v3["files"]
    assert v3["notes"] == "Trained on 2x samples\nadded hard examples"
    assert _show(git, registry_path, "majora/v4:manifest.yaml")["status"] == "draft"
    assert _show(git, registry_path, "majora/v5:manifest.yaml")["status"] == "training"


def test_lineage_file_fills_gaps_and_merges(imported, registry_path, git):
    v2 = _show(git, registry_path, "majora/v2:manifest.yaml")
    assert v2["training_data_sources"] == ["oracle", "toolbench", "additional"]  # united
    assert v2["git_commit"] == "def456000000"                                     # filled in
    assert v2["notes"] == "Fine-tuned\n\nFine-tuned on additional data"            # both kept
    nayru = _show(git, registry_path, "nayru/v1:manifest.yaml")                    # lineage only
    assert (nayru["status"], nayru["base_model"], nayru["training_data_sources"]) == (
        "completed", "Llama-3-8B", ["wisdom"])
    assert nayru["training"]["base_model"] == "Llama-3-8B"


def test_metadata_goes_on_the_model(imported, registry_path, git):
    model = _show(git, registry_path, "din:model.yaml")
    assert model == {"model_name": "din", "created_at": "2026-01-18T00:00:00+00:00",
                     "description": "Planned, nothing trained yet", "owner": "scawful",
                     "tags": ["planned"], "notes": ""}
    root = git(registry_path, "rev-list", "--max-parents=0", "majora").strip()
    assert _show(git, registry_path, f"{root}:model.yaml")["description"] == "Code generation model"
    assert imported.get_metadata("nayru").created_at == "2026-01-17T00:00:00+00:00"  # from lineage.json


def test_deployed_versions_become_deployment_commits(imported, registry_path, git):
    # two live versions of one model: the newest deployment is production, the older keeps its own env
    prod = _show(git, registry_path, "refs/deployed/production/majora:deployment.yaml")
    assert (prod["version"], prod["action"], prod["deployed_at"], prod["reason"]) == (
        "v3", "deploy", "2026-01-16T07:30:00+00:00", REASON)
    assert git(registry_path, "log", "-1", "--format=%cI", "refs/deployed/production/majora").strip() == (
        "2026-01-16T07:30:00+00:00")
    old = _show(git, registry_path, "refs/deployed/production-v1/majora:deployment.yaml")
    assert (old["version"], old["deployed_at"]) == ("v1", "2026-01-14T11:00:00+00:00")
    assert _show(git, registry_path, "refs/deployed/production/majora:manifest.yaml")["version"] == "v3"
    # deployed without deployed_at: deployed at its creation
    oracle = _show(git, registry_path, "refs/deployed/production/oracle:deployment.yaml")
    assert (oracle["version"], oracle["deployed_at"]) == ("v1", "2026-01-17T10:00:00+00:00")


def test_other_statuses_become_notes(imported, registry_path, git):
    def note(version):
        commit = git(registry_path, "rev-parse", f"majora/{version}^{{commit}}").strip()
        return yaml.safe_load(git(registry_path, "notes", "--ref=gitreg/majora", "show", commit))

    assert note("v2") == {"status": "deprecated"} and note("v2b") == {"status": "archived"}
    assert git(registry_path, "log", "--format=%cI", "refs/notes/gitreg/majora").split() == [
        "2026-01-20T12:00:00+00:00"] * 2  # the file's updated_at
    assert [v.status.value for v in imported.list_versions("majora")] == [
        "deployed", "deprecated", "archived", "deployed", "draft", "training"]


def test_reimport_writes_nothing(imported, registry_path, refs, fixture_file):
    before = refs(registry_path)
    report = imported.import_json(fixture_file("registry.json"), fixture_file("lineage.json"))
    assert report.steps == []
    assert len(report.unchanged) == 13  # 3 models with metadata + 10 versions
    assert refs(registry_path) == before


def test_new_versions_are_added_to_an_existing_model(imported, registry_path, refs, edited, git, fixture_file):
    def add_v6(doc):
        doc["models"]["majora"]["versions"]["v6"] = {
            "created_at": "2026-01-21T10:00:00", "status": "completed", "parent_version": "v3"}

    before = refs(registry_path)
    report = imported.import_json(edited("registry.json", add_v6), fixture_file("lineage.json"))
    assert [s.describe() for s in report.steps] == ["register majora v6 (2026-01-21T10:00:00+00:00, from v3)"]
    after = refs(registry_path)
    assert {k: v for k, v in after.items() if k not in ("refs/heads/majora", "refs/tags/majora/v6")} == {
        k: v for k, v in before.items() if k != "refs/heads/majora"}
    assert _first_parents(git, registry_path, "majora/v6")[:2] == ["register majora v6", "register majora v3"]


def test_different_content_is_reported_not_overwritten(imported, registry_path, refs, edited, fixture_file):
    import pytest

    from gitreg.features.interchange.schema import ImportRefused

    def change(doc):
        doc["models"]["majora"]["versions"]["v1"]["evaluation_scores"]["accuracy"] = 0.9
        doc["models"]["majora"]["metadata"]["owner"] = "someone"
        doc["models"]["majora"]["versions"]["v7"] = {"created_at": "2026-01-22T10:00:00"}

    before = refs(registry_path)
    with pytest.raises(ImportRefused) as err:
        imported.import_json(edited("registry.json", change), fixture_file("lineage.json"))
    paths = [p.path for p in err.value.problems]
    assert paths == ["models.majora.metadata", "models.majora.versions.v1"]
    assert "owner is 'scawful' there, 'someone' here" in str(err.value)
    assert "evaluation_scores" in str(err.value) and "not overwritten" in str(err.value)
    assert refs(registry_path) == before  # not even the new v7


def test_later_changes_in_the_registry_are_conflicts(imported, fixture_file, registry_path, refs):
    import pytest

    from gitreg.features.interchange.schema import ImportRefused

    imported.update_evaluation_scores("majora", "v4", accuracy=0.5)
    before = refs(registry_path)
    with pytest.raises(ImportRefused) as err:
        imported.import_json(fixture_file("registry.json"), fixture_file("lineage.json"))
    assert [p.path for p in err.value.problems] == ["models.majora.versions.v4"]
    assert refs(registry_path) == before


def test_dry_run_writes_nothing(reg, registry_path, fixture_file):
    report = reg.import_json(fixture_file("registry.json"), fixture_file("lineage.json"), dry_run=True)
    assert report.dry_run and (report.count("model"), report.count("version"), report.count("deploy"),
                               report.count("status")) == (4, 10, 3, 2)
    assert not registry_path.exists()


def test_parsed_documents_are_accepted(reg):
    report = reg.import_json({"models": {"m": {"versions": {"v1": {"created_at": "2026-01-01T00:00:00"}}}}})
    assert [s.describe() for s in report.steps] == [
        "create model m (2026-01-01T00:00:00+00:00)", "register m v1 (2026-01-01T00:00:00+00:00)"]
    assert reg.get_version("m", "v1").status.value == "completed"
    assert reg.get_metadata("m").created_at == "2026-01-01T00:00:00+00:00"  # its earliest version


def test_deployed_version_added_to_a_model_already_live_in_production(reg, registry_path, git):
    reg.register_model("m", evaluation_scores={"accuracy": 0.5})
    reg.deploy("m", "v1")
    doc = {"models": {"m": {"versions": {"v2": {"created_at": "2026-02-01T00:00:00", "parent_version": "v1",
                                                "status": "deployed", "deployed_at": "2026-02-02T00:00:00"}}}}}
    report = reg.import_json(doc)
    assert [s.describe() for s in report.steps] == [
        "register m v2 (2026-02-01T00:00:00+00:00, from v1)",
        "deploy m v2 to production-v2 (2026-02-02T00:00:00+00:00)"]  # production keeps running v1
    assert reg.deployments("m") == {"production": "v1", "production-v2": "v2"}
    assert [v.status.value for v in reg.list_versions("m")] == ["deployed", "deployed"]
    assert git(registry_path, "log", "-1", "--format=%s", "refs/deployed/production/m").strip() == (
        "deploy m v1 to production")
