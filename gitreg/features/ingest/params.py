"""Training parameters in: gitreg's own names, and Hugging Face TrainingArguments names.

A params file may be a plain mapping with gitreg's names (framework, samples, epochs,
batch_size, learning_rate, duration_hours, cost_usd, hardware, base_model), or what
the HF Trainer writes: `training_args.json` (TrainingArguments.to_json_string) or
`trainer_state.json`. Mapped:

    num_train_epochs                  -> epochs (whole numbers; 0.5 epochs is ignored, said)
    per_device_train_batch_size x gradient_accumulation_steps -> batch_size
        (samples per optimizer step on one device; the number of devices is not in the
        file, so multi-GPU runs record the per-device figure)
    train_batch_size (trainer_state.json) -> batch_size when the above are absent
    learning_rate                     -> learning_rate
    train_runtime (seconds)           -> duration_hours
    train_samples                     -> samples
    model_name_or_path, base_model    -> base_model

Every other key is listed in `ignored` so the caller can say so.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitreg.core.records import TRAINING_FIELDS
from gitreg.features.ingest import source

_OWN = set(TRAINING_FIELDS)
_HF_CONSUMED = {
    "num_train_epochs", "per_device_train_batch_size", "gradient_accumulation_steps",
    "train_batch_size", "learning_rate", "train_runtime", "train_samples", "model_name_or_path",
}


@dataclass
class ParamsRead:
    source: str
    params: dict[str, Any] = field(default_factory=dict)   # register_model keywords
    ignored: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)       # how a mapped value was computed

    def note(self) -> str | None:
        parts = list(self.derived)
        if self.ignored:
            shown = ", ".join(self.ignored[:8]) + (f", ... {len(self.ignored) - 8} more" if len(self.ignored) > 8 else "")
            parts.append(f"ignored {len(self.ignored)} key(s): {shown}")
        return f"{self.source}: " + "; ".join(parts) if parts else None


def _whole(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if float(value).is_integer() else None


def _last_runtime(state: dict[str, Any]) -> Any:
    history = state.get("log_history")
    if isinstance(history, list):
        for entry in reversed(history):
            if isinstance(entry, dict) and "train_runtime" in entry:
                return entry["train_runtime"]
    return None


def read_params(data: bytes, name: str) -> ParamsRead:
    doc = source.mapping(data, name)
    read = ParamsRead(source=name)
    if isinstance(doc.get("log_history"), list) and "train_runtime" not in doc:  # trainer_state.json
        doc = {**doc, "train_runtime": _last_runtime(doc)}
    params = read.params
    for key in TRAINING_FIELDS:
        if doc.get(key) is not None:
            params[key] = doc[key]

    epochs = doc.get("num_train_epochs")
    if epochs is not None and "epochs" not in params:
        if _whole(epochs) is not None:
            params["epochs"] = _whole(epochs)
        else:
            read.derived.append(f"num_train_epochs {epochs!r} is not a whole number: epochs not recorded")
    if "batch_size" not in params:
        per_device, accumulate = doc.get("per_device_train_batch_size"), doc.get("gradient_accumulation_steps")
        if _whole(per_device) is not None:
            steps = _whole(accumulate) or 1
            params["batch_size"] = _whole(per_device) * steps
            if steps > 1:
                read.derived.append(
                    f"batch_size {params['batch_size']} = per_device_train_batch_size {per_device} "
                    f"x gradient_accumulation_steps {accumulate}"
                )
        elif _whole(doc.get("train_batch_size")) is not None:
            params["batch_size"] = _whole(doc["train_batch_size"])
    runtime = doc.get("train_runtime")
    if "duration_hours" not in params and isinstance(runtime, (int, float)) and not isinstance(runtime, bool):
        params["duration_hours"] = round(runtime / 3600, 4)
    if "samples" not in params and _whole(doc.get("train_samples")) is not None:
        params["samples"] = _whole(doc["train_samples"])
    if "base_model" not in params and isinstance(doc.get("model_name_or_path"), str):
        params["base_model"] = doc["model_name_or_path"]

    read.ignored = [str(k) for k in doc if k not in _OWN | _HF_CONSUMED | {"log_history"}]
    return read


def read_params_file(path: str | os.PathLike[str]) -> ParamsRead:
    path = Path(path).expanduser()
    return read_params(source.read_bytes(path), str(path))
