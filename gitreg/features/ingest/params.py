"""Training parameters in: the seed's `training:` fields, and every parameter as `params:`.

A params file is read whole: each of its keys is recorded in `params` under its own name
(nesting flattened with '/'), and the seed's fixed fields are filled from the names the
tools use (docs/training-records.md holds the tables):

- gitreg's own names: framework, samples, epochs, batch_size, learning_rate,
  duration_hours, cost_usd, hardware, base_model;
- HF `training_args.json` (TrainingArguments.to_json_string) and `trainer_state.json`:
  num_train_epochs -> epochs (fractional epochs are numbers), learning_rate, train_runtime
  (seconds) -> duration_hours, train_samples -> samples, model_name_or_path -> base_model;
- PEFT `adapter_config.json` (`peft_type`): r -> lora_r, lora_alpha, lora_dropout,
  target_modules -> lora_target_modules, base_model_name_or_path -> base_model,
  revision -> base_model_revision (and the base model's provenance {name, revision});
  the rest under their own names;
- axolotl (`base_model`, `num_epochs`, `micro_batch_size`) and mlx-lm (`model`,
  `lora_parameters: {rank, alpha, dropout}`) configs: their keys, and the mapped fields.

**The batch-size rule**: batch_size is the number of samples per optimizer step on one
device, per-device batch x gradient accumulation steps (HF per_device_train_batch_size,
axolotl micro_batch_size, else a plain batch_size). trainer_state.json's train_batch_size
is the per-device batch *without* accumulation, so it is recorded as the param
`train_batch_size` and never becomes batch_size (the same run would otherwise give 32 and 8).

Secrets are never recorded: a key naming a token, password or secret is left out.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from gitreg.core import values
from gitreg.core.errors import InvalidValueError
from gitreg.core.records import TRAINING_FIELDS
from gitreg.features.ingest import source

# Keys that are where the run was or how far it got (trainer_state.json), not how: never recorded.
_LOCAL = {"output_dir", "logging_dir", "log_history", "stateful_callbacks", "best_model_checkpoint",
          "trial_name", "trial_params", "is_local_process_zero", "is_world_process_zero",
          "is_hyper_param_search", "best_global_step", "best_metric", "global_step", "epoch",
          "total_flos", "train_loss", "num_input_tokens_seen", "train_runtime"}
_SECRET = re.compile(r"(^|[_/])(token|password|secret|api_key|access_key)$", re.IGNORECASE)
_PEFT_NAMES = {"r": "lora_r", "target_modules": "lora_target_modules",
               "base_model_name_or_path": "base_model", "revision": "base_model_revision",
               "modules_to_save": "lora_modules_to_save", "bias": "lora_bias",
               "use_rslora": "lora_use_rslora", "use_dora": "lora_use_dora"}
_MLX_LORA = {"rank": "lora_r", "alpha": "lora_alpha", "dropout": "lora_dropout", "scale": "lora_scale"}
# Files of an output directory read by --params-from DIR, the first one's fields winning.
DIRECTORY_FILES = ("training_args.json", "adapter_config.json", "trainer_state.json")


@dataclass
class ParamsRead:
    source: str
    params: dict[str, Any] = field(default_factory=dict)   # register_model keywords (seed fields)
    recorded: dict[str, Any] = field(default_factory=dict)  # every parameter: register_model(params=)
    ignored: list[str] = field(default_factory=list)        # keys not recorded (bad value, secret)
    derived: list[str] = field(default_factory=list)        # how a mapped value was computed

    def note(self) -> Optional[str]:
        parts = list(self.derived)
        if self.ignored:
            more = len(self.ignored) - 8
            shown = ", ".join(self.ignored[:8]) + (f", ... {more} more" if more > 0 else "")
            parts.append(f"not recorded {len(self.ignored)} key(s): {shown}")
        return f"{self.source}: " + "; ".join(parts) if parts else None

    def merge(self, other: "ParamsRead") -> "ParamsRead":
        """Another file's values where this one has none."""
        self.source += f" + {other.source}"
        mine, theirs = self.params.get("base_model"), other.params.get("base_model")
        if isinstance(theirs, dict) and mine == theirs.get("name"):  # the same model, pinned to a revision
            self.params["base_model"] = theirs
        self.params = {**other.params, **self.params}
        self.recorded = {**other.recorded, **self.recorded}
        self.ignored += [k for k in other.ignored if k not in self.ignored]
        self.derived += other.derived
        return self


def _whole(value: Any) -> Optional[int]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if float(value).is_integer() else None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _last(history: Any, key: str) -> Any:
    if isinstance(history, list):
        for entry in reversed(history):
            if isinstance(entry, dict) and key in entry:
                return entry[key]
    return None


def _record(read: ParamsRead, doc: dict[str, Any]) -> None:
    """Every key with a value params can hold; the rest named in `ignored`."""
    try:
        flat = values.flatten("", {k: v for k, v in doc.items() if k not in _LOCAL}, what="param")
    except InvalidValueError as exc:
        read.derived.append(str(exc))
        return
    for name, value in flat.items():
        if value is None:
            continue
        if _SECRET.search(name):
            read.ignored.append(name)
            continue
        try:
            read.recorded[values.check_metric_name(name)] = values.check_param_value(name, value)
        except InvalidValueError:
            read.ignored.append(name)


def _peft(doc: dict[str, Any]) -> dict[str, Any]:
    return {_PEFT_NAMES.get(k, k): v for k, v in doc.items()}


def _mlx(doc: dict[str, Any]) -> dict[str, Any]:
    lora = doc.get("lora_parameters")
    out = {k: v for k, v in doc.items() if k != "lora_parameters"}
    if isinstance(lora, dict):
        out.update({_MLX_LORA.get(k, f"lora_{k}"): v for k, v in lora.items()})
    return out


def read_params(data: bytes, name: str) -> ParamsRead:
    doc = source.mapping(data, name)
    read = ParamsRead(source=name)
    if "peft_type" in doc:
        doc = _peft(doc)
    elif isinstance(doc.get("lora_parameters"), dict):
        doc = _mlx(doc)
    history = doc.get("log_history")
    if isinstance(history, list):  # trainer_state.json: the run's summary entry
        for key in ("train_runtime", "train_loss", "train_samples"):
            if key not in doc and _last(history, key) is not None:
                doc = {**doc, key: _last(history, key)}
    _record(read, doc)
    params = read.params
    for key in TRAINING_FIELDS:
        if doc.get(key) is not None:
            params[key] = doc[key]

    epochs = doc.get("num_train_epochs", doc.get("num_epochs"))
    if "epochs" not in params and _number(epochs) and epochs >= 0:
        params["epochs"] = _whole(epochs) if _whole(epochs) is not None else epochs
    if "batch_size" not in params:
        per_device = doc.get("per_device_train_batch_size", doc.get("micro_batch_size"))
        accumulate = doc.get("gradient_accumulation_steps")
        if _whole(per_device) is not None:
            steps = _whole(accumulate) or 1
            params["batch_size"] = _whole(per_device) * steps
            if steps > 1:
                read.derived.append(f"batch_size {params['batch_size']} = per-device batch {per_device} "
                                    f"x gradient_accumulation_steps {accumulate}")
        elif _whole(doc.get("train_batch_size")) is not None:
            read.derived.append("train_batch_size is per device without gradient accumulation: "
                                "recorded as a param, not as batch_size")
    runtime = doc.get("train_runtime")
    if "duration_hours" not in params and _number(runtime):
        params["duration_hours"] = round(runtime / 3600, 4)
    if "samples" not in params and _whole(doc.get("train_samples")) is not None:
        params["samples"] = _whole(doc["train_samples"])
    for key in ("model_name_or_path", "model"):
        if "base_model" not in params and isinstance(doc.get(key), str):
            params["base_model"] = doc[key]
    revision = doc.get("base_model_revision")
    if isinstance(params.get("base_model"), str) and isinstance(revision, str) and revision:
        params["base_model"] = {"name": params["base_model"], "revision": revision}  # provenance
    return read


def read_params_file(path: str | os.PathLike[str]) -> ParamsRead:
    """A params file, or an output directory's training_args.json, adapter_config.json and
    trainer_state.json together (the first file's values winning)."""
    path = Path(path).expanduser()
    if not path.is_dir():
        return read_params(source.read_bytes(path), str(path))
    found = [path / n for n in DIRECTORY_FILES if (path / n).is_file()]
    if not found:
        raise InvalidValueError(f"{path} holds no params file ({', '.join(DIRECTORY_FILES)})")
    reads = [read_params(source.read_bytes(p), str(p)) for p in found]
    for other in reads[1:]:
        reads[0].merge(other)
    return reads[0]
