#!/usr/bin/env python3
"""Integration with a training pipeline: the JSON registry's example, on gitreg's API.

Each training run registers its version with `parent_version` (lineage is fixed at
registration: it is the version commit's first parent), then the lineage is read
back. Runs against a fresh temporary registry unless --registry is given.

    python examples/pipeline.py [--registry PATH]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Optional

from gitreg import LineageTracker, ModelRegistry, ModelVersion


def get_git_commit() -> Optional[str]:
    """The commit of the code running this pipeline, when it runs from a git checkout."""
    proc = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                          cwd=Path(__file__).parent)
    return proc.stdout.strip() if proc.returncode == 0 else None


def run_training(config: dict[str, Any], out_dir: Path) -> tuple[Path, dict[str, float]]:
    """Stands in for the real trainer: writes a LoRA adapter directory, returns its scores."""
    adapter = out_dir / f"{config['name']}-lora"
    adapter.mkdir(parents=True, exist_ok=True)
    (adapter / "adapter_config.json").write_text(json.dumps({"r": 16, "alpha": 32}) + "\n")
    (adapter / "adapter_model.safetensors").write_bytes(config["name"].encode() * 64)
    more_data = config["num_samples"] / 1000
    return adapter, {"accuracy": round(0.80 + more_data / 10, 4), "f1_score": round(0.78 + more_data / 10, 4),
                     "pass_at_1": round(0.35 + more_data / 20, 4)}  # an unknown name: a custom metric


def train_model(registry: ModelRegistry, model_name: str, training_config: dict[str, Any],
                out_dir: Path) -> ModelVersion:
    """Train and register the model, trained from `parent_version` when given."""
    model_path, metrics = run_training(training_config, out_dir)
    return registry.register_model(
        model_name=model_name,
        base_model=training_config["base_model"],
        samples=training_config["num_samples"],
        epochs=training_config["num_epochs"],
        framework=training_config["framework"],
        lora_path=str(model_path),
        evaluation_scores=metrics,
        git_commit=get_git_commit(),
        training_data=training_config["datasets"],
        notes=training_config.get("notes", ""),
        parent_version=training_config.get("parent_version"),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", help="registry path (default: a fresh temporary one)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gitreg-pipeline-"))
    registry = ModelRegistry(args.registry or work / "registry.git")
    tracker = LineageTracker(registry.path)
    base = {"base_model": "Qwen2.5-Coder-7B", "framework": "unsloth", "num_epochs": 3}

    v1 = train_model(registry, "majora", {**base, "name": "run1", "num_samples": 223,
                                          "datasets": ["oracle", "toolbench"], "notes": "Initial training"}, work)
    v2 = train_model(registry, "majora", {**base, "name": "run2", "num_samples": 446, "parent_version": v1.version,
                                          "datasets": ["oracle", "toolbench", "additional-data"],
                                          "notes": "Fine-tuned on additional data"}, work)
    v3 = train_model(registry, "majora", {**base, "name": "run3", "num_samples": 600, "parent_version": v2.version,
                                          "datasets": ["curated"], "notes": "Curated data"}, work)
    for v in (v1, v2, v3):
        print(f"registered majora {v.version} (parent {v.parent_version or '-'}): "
              f"accuracy={v.evaluation_scores.accuracy}, lora sha256={v.files[0].sha256[:12]}")

    print("ancestors of", v3.version, tracker.get_ancestors("majora", v3.version))
    print("descendants of", v1.version, tracker.get_descendants("majora", v1.version))
    print("data lineage of", v3.version, tracker.get_data_lineage("majora", v3.version))
    print(tracker.build_tree("majora"))
    print(f"registry: {registry.path}")


if __name__ == "__main__":
    main()
