"""The seed registry's Python API (reference/json-registry-README.md) on git storage."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import warnings

import pytest

from gitreg import (
    DeploymentError,
    GitregError,
    GitregWarning,
    InvalidValueError,
    LineageTracker,
    ModelNotFoundError,
    ModelRegistry,
    ModelVersion,
    VersionNotFoundError,
    VersionStatus,
)

SCORES_V1 = {
    "accuracy": 0.85,
    "f1_score": 0.82,
    "perplexity": 2.15,
    "bleu": 0.31,
    "rouge": {"rouge1": 0.52, "rouge2": 0.33, "rougeL": 0.47},
    "inference_speed_tokens_per_sec": 120,
    "memory_mb": 8192,
    "latency_ms": 35.5,
    "custom_metrics": {"humaneval": 0.61},
    "toolbench_win_rate": 0.7,   # unknown name -> custom_metrics
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _register_full(reg: ModelRegistry, tmp_path, **over) -> ModelVersion:
    lora = tmp_path / "majora-v1-lora"
    lora.mkdir(exist_ok=True)
    (lora / "adapter_model.safetensors").write_bytes(b"\x00\x01weights" * 100)
    (lora / "adapter_config.json").write_text('{"r": 16}')
    gguf = tmp_path / "majora-v1-Q8_0.gguf"
    gguf.write_bytes(b"GGUF" + bytes(range(256)) * 40)
    kwargs = dict(
        base_model="Qwen2.5-Coder-7B", framework="unsloth", samples=223, epochs=3,
        batch_size=4, learning_rate=2e-4, training_data=["oracle", "toolbench"],
        lora_path=str(lora), gguf_path=str(gguf),
        checkpoint_path="s3://bucket/majora/v1/checkpoint",
        config_path="https://example.com/majora/v1/config.yaml",
        evaluation_scores=SCORES_V1, duration_hours=3.0, cost_usd=0.80, hardware="M2 Max",
        notes="Initial training", git_commit="abc123def456", tags=["experimental"],
        model_card="# majora v1\n\nA coder model.\n",
    )
    kwargs.update(over)
    return reg.register_model("majora", **kwargs)


def _simple(reg: ModelRegistry, model: str = "majora", n: int = 3, accuracies=None) -> None:
    for i in range(n):
        acc = accuracies[i] if accuracies else 0.8 + i / 100
        reg.register_model(model, evaluation_scores={"accuracy": acc})


# -- registration ---------------------------------------------------------------------
def test_register_with_all_fields(reg, tmp_path, actor):
    v = _register_full(reg, tmp_path)
    assert isinstance(v, ModelVersion)
    assert (v.model_name, v.version) == ("majora", "v1")
    assert v.status is VersionStatus.COMPLETED and v.registered_status is VersionStatus.COMPLETED
    assert v.deployed is False and v.deployed_at is None and v.environments == []
    assert v.base_model == "Qwen2.5-Coder-7B"
    t = v.training
    assert (t.framework, t.base_model, t.samples, t.epochs, t.batch_size) == (
        "unsloth", "Qwen2.5-Coder-7B", 223, 3, 4)
    assert (t.learning_rate, t.duration_hours, t.cost_usd, t.hardware) == (2e-4, 3.0, 0.80, "M2 Max")
    s = v.evaluation_scores
    assert (s.accuracy, s.f1_score, s.perplexity, s.bleu) == (0.85, 0.82, 2.15, 0.31)
    assert s.rouge == {"rouge1": 0.52, "rouge2": 0.33, "rougeL": 0.47}
    assert (s.inference_speed_tokens_per_sec, s.memory_mb, s.latency_ms) == (120, 8192, 35.5)
    assert s.custom_metrics == {"humaneval": 0.61, "toolbench_win_rate": 0.7}
    assert v.training_data_sources == ["oracle", "toolbench"]
    assert v.git_commit == "abc123def456"
    assert v.tags == ["experimental"]
    assert v.notes == "Initial training"
    assert v.parent_version is None
    assert v.registered_by == actor
    created = dt.datetime.fromisoformat(v.created_at)
    assert created.tzinfo is not None
    assert abs((dt.datetime.now(dt.timezone.utc) - created).total_seconds()) < 60
    assert len(v.commit) == 40
    # read back from a fresh registry object: identical
    assert ModelRegistry(reg.path).get_version("majora", "v1") == v


def test_local_files_are_hashed_uris_are_not(reg, tmp_path):
    v = _register_full(reg, tmp_path)
    by_role = {f.role: f for f in v.files}
    assert set(by_role) == {"lora", "gguf", "checkpoint", "config"}

    gguf = tmp_path / "majora-v1-Q8_0.gguf"
    assert by_role["gguf"].path == str(gguf.resolve())
    assert by_role["gguf"].sha256 == _sha256(gguf.read_bytes())
    assert by_role["gguf"].size_bytes == gguf.stat().st_size
    assert v.gguf_path == str(gguf.resolve())

    lora = tmp_path / "majora-v1-lora"
    assert by_role["lora"].path == str(lora.resolve()) == v.lora_path
    assert len(by_role["lora"].sha256) == 64 and int(by_role["lora"].sha256, 16) >= 0
    assert by_role["lora"].size_bytes == sum(f.stat().st_size for f in lora.iterdir())

    for role, uri in (("checkpoint", "s3://bucket/majora/v1/checkpoint"),
                      ("config", "https://example.com/majora/v1/config.yaml")):
        assert by_role[role].path == uri
        assert by_role[role].sha256 is None and by_role[role].size_bytes is None
    assert v.checkpoint_path == "s3://bucket/majora/v1/checkpoint"
    assert v.config_path == "https://example.com/majora/v1/config.yaml"


def test_directory_hash_depends_on_content(reg, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        (d / "sub").mkdir(parents=True)
        (d / "x.bin").write_bytes(b"same")
        (d / "sub" / "y.bin").write_bytes(b"also same")
    ha = reg.register_model("m", lora_path=str(a)).files[0].sha256
    hb = reg.register_model("m", lora_path=str(b)).files[0].sha256
    assert ha == hb  # same content, different place
    (b / "sub" / "y.bin").write_bytes(b"changed")
    hc = reg.register_model("m", lora_path=str(b)).files[0]
    assert hc.sha256 != ha
    assert hc.size_bytes == len(b"same") + len(b"changed")


def test_missing_path_recorded_as_given_with_warning(reg, tmp_path):
    missing = str(tmp_path / "not-here" / "lora")
    with pytest.warns(GitregWarning, match="does not exist"):
        v = reg.register_model("majora", lora_path=missing)
    assert v.lora_path == missing
    assert [(f.role, f.path, f.sha256, f.size_bytes) for f in v.files] == [("lora", missing, None, None)]


def test_uri_paths_give_no_warning(reg):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = reg.register_model("majora", gguf_path="hf://org/majora/model.gguf")
    assert v.gguf_path == "hf://org/majora/model.gguf"
    assert v.files[0].sha256 is None


def test_auto_increment_and_explicit_versions(reg):
    assert reg.register_model("majora").version == "v1"
    assert reg.register_model("majora").version == "v2"
    assert reg.register_model("majora", "v2b").version == "v2b"
    assert reg.register_model("majora", "v10-rc1").version == "v10-rc1"
    assert reg.register_model("majora").version == "v11"
    assert reg.register_model("other").version == "v1"  # per model
    assert reg.register_model("semver", "v1.1.0").version == "v1.1.0"
    assert reg.register_model("semver").version == "v2"
    assert reg.list_models() == ["majora", "other", "semver"]


def test_registration_status(reg):
    assert reg.register_model("m", status="draft").status is VersionStatus.DRAFT
    assert reg.register_model("m", status="training").status is VersionStatus.TRAINING
    assert reg.register_model("m").status is VersionStatus.COMPLETED


def test_list_versions_natural_order(reg):
    for v in ["v10", "v2b", "v3", "v2", "v2.1", "v1"]:
        reg.register_model("majora", v)
    assert [v.version for v in reg.list_versions("majora")] == ["v1", "v2", "v2.1", "v2b", "v3", "v10"]


def test_get_latest_skips_retired_versions(reg):
    for v in ["v1", "v2", "v3", "v10"]:
        reg.register_model("majora", v)
    assert reg.get_latest("majora").version == "v10"
    reg.set_status("majora", "v10", "deprecated")
    assert reg.get_latest("majora").version == "v3"
    reg.set_status("majora", "v3", VersionStatus.ARCHIVED)
    assert reg.get_latest("majora").version == "v2"
    reg.set_status("majora", "v2", "draft")   # draft is not retired
    assert reg.get_latest("majora").version == "v2"
    reg.set_status("majora", "v2", "archived")
    reg.set_status("majora", "v1", "deprecated")
    assert reg.get_latest("majora").version == "v10"  # all retired -> the highest
    reg.set_status("majora", "v1", "completed")
    assert reg.get_latest("majora").version == "v1"


def test_get_latest_counts_deployed_as_live(reg):
    _simple(reg, n=2)
    reg.deploy("majora", "v1")
    reg.deploy("majora", "v2")  # v1 deprecated
    latest = reg.get_latest("majora")
    assert latest.version == "v2" and latest.deployed and latest.status is VersionStatus.DEPLOYED


def test_reads_of_unknown_names(reg):
    _simple(reg, n=1)
    with pytest.raises(ModelNotFoundError):
        reg.get_version("nope", "v1")
    with pytest.raises(ModelNotFoundError):
        reg.get_latest("nope")
    with pytest.raises(VersionNotFoundError, match="v9"):
        reg.get_version("majora", "v9")
    with pytest.raises(ModelNotFoundError):
        reg.list_versions("nope")
    with pytest.raises(VersionNotFoundError):
        reg.compare_versions("majora", "v1", "v2")
    assert reg.has_model("majora") and not reg.has_model("nope")


def test_compare_versions(reg):
    reg.register_model("majora", epochs=3, learning_rate=2e-4, samples=223,
                       evaluation_scores={"accuracy": 0.85, "f1_score": 0.82, "my_metric": 1.5})
    reg.register_model("majora", epochs=5, learning_rate=2e-4, hardware="A100",
                       evaluation_scores={"accuracy": 0.87, "perplexity": 2.0, "rouge1": 0.4})
    diff = reg.compare_versions("majora", "v1", "v2")
    assert diff["accuracy"] == {"v1": 0.85, "v2": 0.87}
    assert diff["f1_score"] == {"v1": 0.82, "v2": None}
    assert diff["perplexity"] == {"v1": None, "v2": 2.0}
    assert diff["my_metric"] == {"v1": 1.5, "v2": None}
    assert diff["epochs"] == {"v1": 3, "v2": 5}
    assert diff["learning_rate"] == {"v1": 2e-4, "v2": 2e-4}
    assert diff["samples"] == {"v1": 223, "v2": None}
    assert diff["hardware"] == {"v1": None, "v2": "A100"}
    assert "rouge1" in json.dumps(diff)
    assert "batch_size" not in diff and "bleu" not in diff  # unset in both
    assert all(set(values) == {"v1", "v2"} for values in diff.values())
    # scores updated later are compared too
    reg.update_evaluation_scores("majora", "v1", accuracy=0.9, my_metric=2.5)
    diff = reg.compare_versions("majora", "v1", "v2")
    assert diff["accuracy"] == {"v1": 0.9, "v2": 0.87}
    assert diff["my_metric"] == {"v1": 2.5, "v2": None}


# -- later changes ------------------------------------------------------------------------
def test_update_evaluation_scores_merges(reg, tmp_path):
    _register_full(reg, tmp_path)
    v = reg.update_evaluation_scores("majora", "v1", accuracy=0.86, f1_score=0.83,
                                     inference_speed_tokens_per_sec=125)
    assert isinstance(v, ModelVersion)
    assert (v.evaluation_scores.accuracy, v.evaluation_scores.f1_score) == (0.86, 0.83)
    assert v.evaluation_scores.inference_speed_tokens_per_sec == 125
    assert v.evaluation_scores.perplexity == 2.15  # registered value kept
    v = reg.update_evaluation_scores("majora", "v1", custom_metric_1=0.95, custom_metric_2=0.92)
    assert v.evaluation_scores.custom_metrics == {
        "humaneval": 0.61, "toolbench_win_rate": 0.7, "custom_metric_1": 0.95, "custom_metric_2": 0.92,
    }
    assert v.evaluation_scores.accuracy == 0.86  # earlier update kept
    v = reg.update_evaluation_scores("majora", "v1", rouge1=0.6, custom_metric_1=0.96)
    assert v.evaluation_scores.rouge == {"rouge1": 0.6, "rouge2": 0.33, "rougeL": 0.47}
    assert v.evaluation_scores.custom_metrics["custom_metric_1"] == 0.96
    assert v.evaluation_scores.custom_metrics["custom_metric_2"] == 0.92
    assert v.evaluation_scores.f1_score == 0.83
    # the read path agrees with what the update returned
    assert reg.get_version("majora", "v1") == v
    assert ModelRegistry(reg.path).get_version("majora", "v1").evaluation_scores == v.evaluation_scores
    # the manifest (registration record) is unchanged: only the note moved
    assert v.commit == reg.list_versions("majora")[0].commit


def test_update_scores_of_one_version_leaves_others(reg):
    _simple(reg, n=2, accuracies=[0.8, 0.81])
    reg.update_evaluation_scores("majora", "v2", accuracy=0.99)
    assert reg.get_version("majora", "v1").evaluation_scores.accuracy == 0.8
    assert reg.get_version("majora", "v2").evaluation_scores.accuracy == 0.99


def test_set_status(reg):
    _simple(reg, n=2)
    assert reg.set_status("majora", "v1", "deprecated").status is VersionStatus.DEPRECATED
    assert reg.get_version("majora", "v1").registered_status is VersionStatus.COMPLETED
    assert reg.set_status("majora", "v1", VersionStatus.ARCHIVED).status is VersionStatus.ARCHIVED
    assert reg.set_status("majora", "v1", "draft").status is VersionStatus.DRAFT
    assert reg.get_version("majora", "v2").status is VersionStatus.COMPLETED
    with pytest.raises(InvalidValueError, match="deploy"):
        reg.set_status("majora", "v1", "deployed")
    with pytest.raises(InvalidValueError, match="unknown status"):
        reg.set_status("majora", "v1", "retired")
    assert reg.get_version("majora", "v1").status is VersionStatus.DRAFT


@pytest.mark.parametrize("status", ["deprecated", "archived"])
def test_retiring_a_deployed_version_is_refused(reg, status):
    _simple(reg, n=1)
    reg.deploy("majora", "v1", environment="staging", new_environment=True)
    with pytest.raises(DeploymentError, match="staging"):
        reg.set_status("majora", "v1", status)
    v = reg.get_version("majora", "v1")
    assert v.deployed and v.status is VersionStatus.DEPLOYED
    reg.set_status("majora", "v1", "draft")  # a non-retired status is fine
    reg.undeploy("majora", environment="staging")
    assert reg.get_version("majora", "v1").status is VersionStatus.DRAFT


def test_tags_add_and_remove(reg):
    reg.register_model("majora", tags=["experimental", "coder"])
    v = reg.add_tags("majora", "v1", "stable", "production", "coder")
    assert v.tags == ["experimental", "coder", "stable", "production"]
    v = reg.remove_tags("majora", "v1", "experimental", "absent")
    assert v.tags == ["coder", "stable", "production"]
    v = reg.remove_tags("majora", "v1", "coder", "stable", "production")
    assert v.tags == []
    assert reg.add_tags("majora", "v1", "again").tags == ["again"]
    assert reg.get_version("majora", "v1").tags == ["again"]


def test_update_notes(reg):
    reg.register_model("majora", notes="Initial training")
    assert reg.update_notes("majora", "v1", "Trained on 2x samples").notes == "Trained on 2x samples"
    assert ModelRegistry(reg.path).get_version("majora", "v1").notes == "Trained on 2x samples"


def test_update_metadata(reg):
    reg.register_model("majora")
    meta = reg.get_metadata("majora")
    assert (meta.model_name, meta.description, meta.owner, meta.tags, meta.notes) == ("majora", "", "", [], "")
    assert dt.datetime.fromisoformat(meta.created_at).tzinfo is not None
    meta = reg.update_metadata("majora", description="Code generation model", owner="scawful",
                               tags=["coder", "production"], notes="Primary coder model")
    assert (meta.description, meta.owner, meta.tags, meta.notes) == (
        "Code generation model", "scawful", ["coder", "production"], "Primary coder model")
    meta = reg.update_metadata("majora", owner="someone-else")
    assert (meta.description, meta.owner, meta.tags) == (
        "Code generation model", "someone-else", ["coder", "production"])
    assert ModelRegistry(reg.path).get_metadata("majora") == meta
    with pytest.raises(InvalidValueError):
        reg.update_metadata("majora")
    with pytest.raises(ModelNotFoundError):
        reg.update_metadata("nope", owner="x")


# -- reports and records -------------------------------------------------------------------
def test_summary_uses_the_seed_layout(reg):
    _simple(reg, n=3, accuracies=[0.85, 0.87, 0.88])
    reg.register_model("oracle", evaluation_scores={"accuracy": 0.82})
    reg.register_model("oracle")
    reg.deploy("majora", "v1")
    reg.deploy("majora", "v3", environment="staging", new_environment=True)
    reg.deploy("oracle", "v1")
    text = reg.summary()
    lines = text.splitlines()
    assert lines[0] == "Registered Models:"
    assert lines[1] == "=" * 60
    assert "majora" in lines and "oracle" in lines
    assert "  Versions: 3 (2 deployed)" in lines
    assert "  Versions: 2 (1 deployed)" in lines
    assert any(line.startswith("  ● v1       (deployed  ) acc=0.850") for line in lines)
    assert "  ○ v2       (completed ) acc=0.870" in lines
    assert any(line.startswith("  ● v3       (deployed  ) acc=0.880") for line in lines)
    assert any(line.startswith("  ● v1       (deployed  ) acc=0.820") for line in lines)
    assert "  ○ v2       (completed )" in lines  # no accuracy: no acc= column
    assert lines.index("majora") < lines.index("oracle")

    one = reg.summary("majora")
    assert one.startswith("Model: majora\n")
    assert "Latest: v3" in one
    assert "production=v1" in one and "staging=v3" in one
    assert "oracle" not in one


def test_summary_of_an_empty_registry(reg, registry_path):
    assert "No models" in reg.summary()
    assert not registry_path.exists()


SEED_RECORD_KEYS = {
    "model_name", "version", "created_at", "status", "lora_path", "gguf_path", "checkpoint_path",
    "config_path", "training", "evaluation_scores", "deployed", "deployed_at", "parent_version",
    "training_data_sources", "git_commit", "tags", "notes",
}


def test_to_dict_has_the_seed_record_keys(reg, tmp_path):
    _register_full(reg, tmp_path)
    reg.deploy("majora", "v1")
    d = reg.get_version("majora", "v1").to_dict()
    assert SEED_RECORD_KEYS <= set(d)
    assert set(d["training"]) == {"framework", "base_model", "samples", "epochs", "batch_size",
                                  "learning_rate", "duration_hours", "cost_usd", "hardware"}
    assert {"accuracy", "f1_score", "perplexity", "inference_speed_tokens_per_sec",
            "custom_metrics"} <= set(d["evaluation_scores"])
    assert d["status"] == "deployed" and d["deployed"] is True and d["deployed_at"]
    assert d["model_name"] == "majora" and d["version"] == "v1"
    assert d["training_data_sources"] == ["oracle", "toolbench"]
    assert json.loads(json.dumps(d)) == d  # plain JSON values only


def test_history_events_in_order_with_actors(reg, actor):
    reg.register_model("majora")
    reg.register_model("majora", parent_version="v1")
    reg.deploy("majora", "v1", reason="first release")
    reg.update_evaluation_scores("majora", "v1", accuracy=0.9)
    reg.add_tags("majora", "v2", "candidate")
    reg.deploy("majora", "v2")             # v1 deprecated
    reg.rollback("majora")                 # back to v1, v2 deprecated
    reg.undeploy("majora")
    reg.update_metadata("majora", owner="team")
    events = reg.history("majora")
    kinds = [(e.kind, e.version) for e in events]
    assert kinds[:3] == [("created", None), ("registered", "v1"), ("registered", "v2")]
    assert kinds[3] == ("deployed", "v1")
    assert events[3].details.get("reason") == "first release"
    assert events[3].environment == "production"
    assert kinds[4:7] == [("scores_updated", "v1"), ("tags_changed", "v2"), ("deployed", "v2")]
    assert ("status_changed", "v1") == kinds[7]
    assert kinds[8] == ("rolled_back", "v1")
    assert {k for k in kinds[9:-2]} == {("status_changed", "v1"), ("status_changed", "v2")}
    assert kinds[-2:] == [("undeployed", "v1"), ("metadata_changed", None)]
    assert all(e.actor == actor for e in events)
    assert all(e.model_name == "majora" and e.commit for e in events)
    stamps = [dt.datetime.fromisoformat(e.timestamp) for e in events]
    assert stamps == sorted(stamps)


# -- deployment ----------------------------------------------------------------------------
def test_set_deployed_and_undeploy(reg, actor):
    _simple(reg, n=2)
    v = reg.set_deployed("majora", "v1")
    assert v.deployed and v.status is VersionStatus.DEPLOYED and v.environments == ["production"]
    assert dt.datetime.fromisoformat(v.deployed_at).tzinfo is not None
    assert reg.deployments("majora") == {"production": "v1"}
    with pytest.raises(DeploymentError, match="v1"):
        reg.set_deployed("majora", "v2", deployed=False)  # v2 is not the live one
    v = reg.set_deployed("majora", "v1", deployed=False)
    assert not v.deployed and v.status is VersionStatus.COMPLETED and v.deployed_at is None
    assert reg.deployments("majora") == {"production": None}
    with pytest.raises(DeploymentError, match="nothing deployed"):
        reg.undeploy("majora")
    reg.deploy("majora", "v2")
    rec = reg.undeploy("majora", "v2", reason="incident")
    assert (rec.action, rec.version, rec.previous_version, rec.reason) == ("undeploy", None, "v2", "incident")
    assert rec.deployed_by == actor
    assert reg.get_version("majora", "v2").status is VersionStatus.COMPLETED  # undeploy does not deprecate
    hist = reg.deployment_history("majora")
    assert [(d.action, d.version, d.previous_version) for d in hist] == [
        ("deploy", "v1", None), ("undeploy", None, "v1"), ("deploy", "v2", None), ("undeploy", None, "v2"),
    ]


def test_deploying_the_live_version_again_is_harmless(reg):
    _simple(reg, n=1)
    first = reg.deploy("majora", "v1")
    assert (first.action, first.version, first.environment) == ("deploy", "v1", "production")
    assert reg.deploy("majora", "v1") is None  # already live: nothing appended
    assert reg.get_version("majora", "v1").deployed
    assert reg.deployments("majora") == {"production": "v1"}
    assert len(reg.deployment_history("majora")) == 1


def test_rollback_default_target_walks_back(reg):
    _simple(reg, n=3)
    for v in ("v1", "v2", "v3"):
        reg.deploy("majora", v)
    assert reg.rollback("majora").version == "v2"
    assert reg.deployments("majora") == {"production": "v2"}
    assert reg.get_version("majora", "v3").status is VersionStatus.DEPRECATED
    assert reg.rollback("majora").version == "v1"
    assert reg.deployments("majora") == {"production": "v1"}
    assert reg.get_version("majora", "v1").status is VersionStatus.DEPLOYED
    assert reg.get_version("majora", "v2").status is VersionStatus.DEPRECATED
    with pytest.raises(DeploymentError, match="nothing to roll back"):
        reg.rollback("majora")
    actions = [(d.action, d.version, d.previous_version) for d in reg.deployment_history("majora")]
    assert actions == [("deploy", "v1", None), ("deploy", "v2", "v1"), ("deploy", "v3", "v2"),
                       ("rollback", "v2", "v3"), ("rollback", "v1", "v2")]


def test_rollback_explicit_target(reg):
    _simple(reg, n=3)
    for v in ("v1", "v2", "v3"):
        reg.deploy("majora", v)
    v = reg.rollback("majora", "v1", reason="regression in v3")
    assert v.version == "v1" and v.deployed
    assert reg.get_version("majora", "v3").status is VersionStatus.DEPRECATED
    assert reg.deployment_history("majora")[-1].reason == "regression in v3"
    with pytest.raises(DeploymentError, match="already deployed"):
        reg.rollback("majora", "v1")
    with pytest.raises(VersionNotFoundError):
        reg.rollback("majora", "v7")


def test_rollback_with_nothing_to_roll_back_to(reg):
    _simple(reg, n=2)
    with pytest.raises(DeploymentError):
        reg.rollback("majora")
    reg.deploy("majora", "v1")
    with pytest.raises(DeploymentError):
        reg.rollback("majora")
    assert reg.deployments("majora") == {"production": "v1"}


def test_deploying_newer_deprecates_older(reg):
    _simple(reg, n=2)
    reg.deploy("majora", "v1")
    reg.deploy("majora", "v2")
    assert reg.get_version("majora", "v1").status is VersionStatus.DEPRECATED
    assert reg.get_version("majora", "v2").status is VersionStatus.DEPLOYED


def test_no_deprecation_while_deployed_in_another_environment(reg):
    _simple(reg, n=2)
    reg.deploy("majora", "v1")
    reg.deploy("majora", "v1", environment="staging", new_environment=True)
    reg.deploy("majora", "v2")
    v1 = reg.get_version("majora", "v1")
    assert v1.status is VersionStatus.DEPLOYED and v1.environments == ["staging"]
    reg.deploy("majora", "v2", environment="staging")
    v1 = reg.get_version("majora", "v1")
    assert v1.status is VersionStatus.DEPRECATED and not v1.deployed
    assert reg.get_version("majora", "v2").environments == ["production", "staging"]


def test_rollback_deprecates_the_replaced_version(reg):
    _simple(reg, n=2)
    reg.deploy("majora", "v1")
    reg.deploy("majora", "v2")
    reg.rollback("majora")
    assert reg.get_version("majora", "v2").status is VersionStatus.DEPRECATED
    assert reg.get_version("majora", "v1").status is VersionStatus.DEPLOYED
    reg.undeploy("majora")
    assert reg.get_version("majora", "v1").status is VersionStatus.COMPLETED  # live again, not deprecated
    assert reg.get_latest("majora").version == "v1"


def test_deploying_a_deprecated_version_makes_it_live(reg):
    _simple(reg, n=2)
    reg.set_status("majora", "v1", "deprecated")
    v = reg.set_deployed("majora", "v1")
    assert v.deployed and v.status is VersionStatus.DEPLOYED
    reg.undeploy("majora")
    assert reg.get_version("majora", "v1").status is VersionStatus.COMPLETED


def test_multiple_environments(reg):
    _simple(reg, n=3)
    reg.deploy("majora", "v1", environment="staging", new_environment=True)
    reg.deploy("majora", "v2")
    reg.deploy("majora", "v3", environment="canary-eu.1", new_environment=True)
    assert reg.deployments("majora") == {"canary-eu.1": "v3", "production": "v2", "staging": "v1"}
    assert reg.get_version("majora", "v1").environments == ["staging"]
    assert [d.version for d in reg.deployment_history("majora", "staging")] == ["v1"]
    assert [d.version for d in reg.deployment_history("majora", "production")] == ["v2"]
    assert reg.deployment_history("majora", "nowhere") == []
    reg.undeploy("majora", environment="staging")
    assert reg.deployments("majora")["staging"] is None
    assert reg.deployments("majora")["production"] == "v2"


def test_deploys_within_one_second_keep_their_order(reg):
    _simple(reg, n=3)
    start = dt.datetime.now()
    for v in ("v1", "v2", "v3"):
        reg.deploy("majora", v)
    reg.rollback("majora", "v1")
    assert (dt.datetime.now() - start).total_seconds() < 5
    assert reg.deployments("majora") == {"production": "v1"}
    assert reg.get_version("majora", "v1").deployed
    hist = reg.deployment_history("majora")
    assert [d.version for d in hist] == ["v1", "v2", "v3", "v1"]
    assert [d.previous_version for d in hist] == [None, "v1", "v2", "v3"]


def test_archived_version_cannot_be_deployed(reg):
    _simple(reg, n=2)
    reg.set_status("majora", "v1", "archived")
    with pytest.raises(DeploymentError, match="archived"):
        reg.deploy("majora", "v1")
    reg.deploy("majora", "v2")
    with pytest.raises(DeploymentError, match="never deployed in production"):
        reg.rollback("majora", "v1", earlier_only=True)
    with pytest.raises(DeploymentError, match="archived"):
        reg.rollback("majora", "v1")
    assert reg.deployments("majora") == {"production": "v2"}
    reg.set_status("majora", "v1", "completed")
    reg.deploy("majora", "v1")
    assert reg.get_version("majora", "v1").deployed


def test_deploy_unknown_version_or_model(reg):
    _simple(reg, n=1)
    with pytest.raises(VersionNotFoundError):
        reg.deploy("majora", "v2")
    with pytest.raises(ModelNotFoundError):
        reg.deploy("nope", "v1")
    assert reg.deployments("majora") == {}


# -- registry location ----------------------------------------------------------------------
def test_reading_a_missing_registry_creates_nothing(tmp_path):
    path = tmp_path / "does" / "not" / "exist.git"
    reg = ModelRegistry(path)
    assert reg.list_models() == []
    assert not reg.has_model("majora")
    with pytest.raises(ModelNotFoundError):
        reg.get_version("majora", "v1")
    with pytest.raises(ModelNotFoundError):
        reg.get_latest("majora")
    with pytest.raises(ModelNotFoundError):
        reg.history("majora")
    assert "No models" in reg.summary()
    tracker = LineageTracker(path)
    assert "No lineage" in tracker.summary()
    with pytest.raises(GitregError):
        tracker.get_ancestors("majora", "v1")
    assert not (tmp_path / "does").exists()


def test_first_write_creates_a_bare_repository(tmp_path, git):
    path = tmp_path / "deep" / "er" / "reg.git"
    with pytest.raises(GitregError, match="does not exist: check the path"):  # a typo grows no tree
        ModelRegistry(path).register_model("majora")
    assert not (tmp_path / "deep").exists()
    ModelRegistry(path).init()  # asked for: the parents too
    ModelRegistry(path).register_model("majora")
    assert git(path, "rev-parse", "--is-bare-repository").strip() == "true"
    assert ModelRegistry(path).list_models() == ["majora"]


def test_an_empty_directory_is_a_new_registry(tmp_path):
    path = tmp_path / "empty.git"
    path.mkdir()
    reg = ModelRegistry(path)
    assert reg.list_models() == []
    reg.register_model("majora")
    assert ModelRegistry(path).list_models() == ["majora"]


def test_default_location(monkeypatch, _isolated_env):
    home = _isolated_env
    assert ModelRegistry().path == home / "default-registry.git"
    monkeypatch.delenv("GITREG_REGISTRY")
    assert ModelRegistry().path == home / "xdg-data" / "gitreg" / "registry.git"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert ModelRegistry().path == home / ".local" / "share" / "gitreg" / "registry.git"
    assert ModelRegistry().list_models() == []
    assert not (home / ".local").exists()
    ModelRegistry().register_model("majora")
    assert ModelRegistry(home / ".local" / "share" / "gitreg" / "registry.git").list_models() == ["majora"]
