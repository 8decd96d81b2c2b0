"""Training curves in: HF Trainer's `trainer_state.json` (`log_history`), or any CSV / JSONL of
step -> metrics (a `step` column or key; `global_step` and `iteration` are taken for it).

Every finite number an entry logs becomes a series under its own name (`loss`,
`eval_loss`, `learning_rate`, `epoch`, `grad_norm`, ...); throughput and runtime
bookkeeping is left out, as in the metrics readers.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path
from typing import Any

from gitreg.core.errors import InvalidValueError
from gitreg.features.ingest import source
from gitreg.model.curves import Curves, make

STATE_FILE = "trainer_state.json"
_STEP_KEYS = ("step", "global_step", "iteration", "iter")
_LEFT_OUT = re.compile(r"(^|_)(runtime|samples_per_second|steps_per_second|total_flos)$")


def _entry(raw: dict[str, Any]) -> dict[str, Any] | None:
    step_key = next((k for k in _STEP_KEYS if k in raw), None)
    if step_key is None:
        return None
    out: dict[str, Any] = {"step": raw[step_key]}
    for key, value in raw.items():
        if key in _STEP_KEYS or _LEFT_OUT.search(str(key)):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[str(key)] = value
    return out if len(out) > 1 else None


def read_curves(data: bytes, name: str) -> Curves:
    """Curves of one file's bytes; `name` (its path) says the format and names it in messages."""
    text = data.decode("utf-8", "replace")
    if name.endswith(".csv"):
        rows = csv.DictReader(io.StringIO(text))
        raws: list[Any] = [{k: _num(v) for k, v in row.items() if k is not None} for row in rows]
    elif name.endswith(".jsonl"):
        try:
            raws = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise InvalidValueError(f"{name}: not JSON lines ({exc})") from None
    else:
        doc = source.mapping(data, name)
        raws = doc.get("log_history") if isinstance(doc.get("log_history"), list) else []
    entries = [e for e in (_entry(r) for r in raws if isinstance(r, dict)) if e is not None]
    if not entries:
        raise InvalidValueError(f"{name}: no step -> metrics entries (a log_history, or rows with a step)")
    return make(entries)


def _num(text: Any) -> Any:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def read_curves_file(path: str | os.PathLike[str]) -> Curves:
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / STATE_FILE
    return read_curves(source.read_bytes(path), str(path))
