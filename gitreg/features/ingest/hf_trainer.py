"""Hugging Face Trainer outputs: `all_results.json`, `eval_results.json`,
`train_results.json`, `test_results.json` (flat {"eval_loss": 0.41, "epoch": 3.0, ...})
and `trainer_state.json` ({"best_metric", "best_model_checkpoint", "best_global_step",
"log_history": [{"loss", "step"}, {"eval_loss", "eval_runtime", "step"}, ...]}).

From trainer_state.json the last evaluation is recorded under its own names and the
best one (the checkpoint the Trainer kept as best) under `best/<name>`.
"""
from __future__ import annotations

import re
from typing import Any, Optional

FILES = ("all_results.json", "eval_results.json", "trainer_state.json", "test_results.json",
         "train_results.json")
# What the Trainer logs beside metrics: time, throughput, progress.
_BOOKKEEPING = re.compile(r"(^|_)(runtime|samples_per_second|steps_per_second|samples|total_flos|num_tokens"
                          r"|gen_len|num_input_tokens_seen|grad_norm)$"
                          r"|^(epoch|step|total_flos|global_step|learning_rate)$")
SOURCE = "hf-trainer"
_CHECKPOINT_STEP = re.compile(r"checkpoint-(\d+)/?$")


def looks_like(data: Any, basename: str) -> bool:
    return basename in FILES or (isinstance(data, dict) and isinstance(data.get("log_history"), list))


def _split(entry: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    kept, bookkeeping = {}, []
    for key, value in entry.items():
        (bookkeeping.append(str(key)) if _BOOKKEEPING.search(str(key)) else kept.__setitem__(str(key), value))
    return kept, bookkeeping


def _best_step(state: dict[str, Any]) -> Optional[int]:
    step = state.get("best_global_step")
    if isinstance(step, int) and not isinstance(step, bool):
        return step
    match = _CHECKPOINT_STEP.search(str(state.get("best_model_checkpoint") or ""))
    return int(match.group(1)) if match else None


def metrics(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(metrics, bookkeeping keys left out)."""
    history = data.get("log_history")
    if not isinstance(history, list):
        return _split(data)
    evals = [e for e in history if isinstance(e, dict) and any(str(k).startswith("eval_") for k in e)]
    if not evals:  # a plain fine-tune: the run's summary entry (train_loss, train_runtime, ...)
        summary = [e for e in history if isinstance(e, dict) and "train_loss" in e]
        return _split(summary[-1]) if summary else ({}, [])
    last, bookkeeping = _split(evals[-1])
    out = dict(last)
    step = _best_step(data)
    best = next((e for e in evals if e.get("step") == step), None) if step is not None else None
    if best is not None:
        kept, _ = _split(best)
        out.update({f"best/{k}": v for k, v in kept.items()})
    elif data.get("best_metric") is not None:
        out["best/metric"] = data["best_metric"]
    return out, bookkeeping
