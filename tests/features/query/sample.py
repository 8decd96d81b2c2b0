"""A small registry with every kind of value a query can test, written through the API."""
from __future__ import annotations

from gitreg import ModelRegistry


def _version(day: int, **fields) -> dict:
    record = {"created_at": f"2026-01-{day:02d}T10:00:00+00:00", "status": "completed"}
    record.update(fields)
    return record


SAMPLE = {"models": {
    "majora": {"versions": {
        "v1": _version(10, training_data_sources=["oracle"],
                       training={"base_model": "Qwen2.5-Coder-7B", "framework": "unsloth", "samples": 100,
                                 "cost_usd": 2.5, "duration_hours": 3.0},
                       evaluation_scores={"accuracy": 0.85, "f1_score": 0.8, "custom_metrics": {"eval_loss": 1.4}},
                       tags=["stable"]),
        "v2": _version(14, parent_version="v1",
                       training_data_sources=["oracle", "toolbench"],
                       training={"base_model": "Qwen2.5-Coder-7B", "framework": "unsloth", "samples": 500,
                                 "cost_usd": 0.9, "duration_hours": 1.5},
                       evaluation_scores={"accuracy": 0.87, "perplexity": 2.5,
                                          "custom_metrics": {"eval_loss": 1.1, "mmlu/acc": 0.61}},
                       tags=["production"]),
        "v2b": _version(15, parent_version="v1", training_data_sources=["web"],
                        training={"base_model": "Llama-3-8B", "framework": "axolotl", "samples": 250, "cost_usd": 1.0},
                        evaluation_scores={"accuracy": 0.83, "custom_metrics": {"eval_loss": 1.2}},
                        tags=["experimental"]),
        "v3": _version(20, parent_version="v2", training_data_sources=["oracle"],
                       training={"framework": "unsloth", "samples": 5000},
                       evaluation_scores={"accuracy": 0.91, "custom_metrics": {"mmlu/acc": 0.66}}),
        "v10": _version(21, parent_version="v3", evaluation_scores={"accuracy": 0.87}, tags=["stable"]),
    }},
    "oracle": {"versions": {
        "v1": _version(18, parent_version="majora:v2",
                       training={"base_model": "qwen2.5-7b", "framework": "trl", "samples": 100, "cost_usd": 0.5},
                       evaluation_scores={"accuracy": 0.79, "custom_metrics": {"eval_loss": 0.9}},
                       tags=["stable", "production"]),
        "v2": _version(22, parent_version="v1", training_data_sources=["toolbench"], status="draft"),
    }},
}}


def build_sample(reg: ModelRegistry) -> ModelRegistry:
    reg.import_json(SAMPLE)
    reg.deploy("majora", "v2", environment="production")
    reg.deploy("majora", "v3", environment="staging", new_environment=True)
    reg.set_status("majora", "v2b", "archived")
    reg.update_evaluation_scores("majora", "v1", accuracy=0.86)  # a note overrides the manifest
    reg.add_tags("oracle", "v2", "candidate")
    return reg


def add_unreadable_version(git, registry_path) -> None:
    """oracle/v3: a version tag whose commit holds a manifest that is not YAML, written with plain git."""
    blob = git(registry_path, "hash-object", "-w", "--stdin", input="key: [unclosed\n").strip()
    tree = git(registry_path, "mktree", input=f"100644 blob {blob}\tmanifest.yaml\n").strip()
    tip = git(registry_path, "rev-parse", "refs/heads/oracle").strip()
    commit = git(registry_path, "commit-tree", tree, "-p", tip, "-m", "bad").strip()
    git(registry_path, "tag", "-a", "-m", "bad", "oracle/v3", commit)
    git(registry_path, "update-ref", "refs/heads/oracle", commit, tip)
