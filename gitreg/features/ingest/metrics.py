"""Metrics files in: detect the tool that wrote one, flatten it, pick, and say what was skipped.

The result is a flat {metric name: number} for `values.split_scores`: names as the
tool wrote them (`eval_loss`, `mmlu/acc,none`, `pass@1`), nesting flattened with '/'.
A field that is not a finite number, or whose name breaks the grammar, is skipped and
reported in one note, never fatal.
"""
from __future__ import annotations

import fnmatch
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from gitreg.core.errors import InvalidValueError
from gitreg.core.records import ROUGE_FIELDS
from gitreg.core.values import check_metric_name, flatten
from gitreg.features.ingest import hf_trainer, lm_eval, source

FORMATS = ("auto", "lm-eval", "hf-trainer", "flat")


@dataclass
class MetricsRead:
    """What a metrics file gave: `scores` to record, and what was left out and why."""
    source: str
    format: str
    scores: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)    # not a finite number, or a bad name
    excluded: list[str] = field(default_factory=list)   # by the include/exclude globs
    bookkeeping: list[str] = field(default_factory=list)  # runtimes, throughput, epoch: not metrics
    # what the file says each kept metric means: direction, stderr, source, group, n_shot
    info: dict[str, dict[str, Any]] = field(default_factory=dict)

    def note(self) -> Optional[str]:
        """One line naming what was left out, or None."""
        parts = []
        if self.skipped:
            parts.append(f"{len(self.skipped)} non-numeric field(s) skipped ({_summary(self.skipped)})")
        if self.bookkeeping:
            parts.append(f"{len(self.bookkeeping)} bookkeeping field(s) not recorded ({_summary(self.bookkeeping)})")
        if self.excluded:
            parts.append(f"{len(self.excluded)} metric(s) excluded by the globs ({_summary(self.excluded)})")
        return f"{self.source}: " + "; ".join(parts) if parts else None


def _summary(names: list[str], shown: int = 4) -> str:
    """'alias x57, notes': leaf names grouped, so 57 tasks' `alias` is one item."""
    counts: dict[str, int] = {}
    for name in names:
        leaf = name.rsplit("/", 1)[-1]
        counts[leaf] = counts.get(leaf, 0) + 1
    items = [f"{leaf} x{n}" if n > 1 else leaf for leaf, n in counts.items()]
    return ", ".join(items[:shown]) + (f", ... {len(items) - shown} more" if len(items) > shown else "")


def detect(data: Any, name: str) -> str:
    if lm_eval.looks_like(data):
        return "lm-eval"
    if hf_trainer.looks_like(data, source.basename(name)):
        return "hf-trainer"
    return "flat"


def _flat(data: dict[str, Any]) -> dict[str, Any]:
    """A plain mapping; `rouge: {rouge1: ..}` and `custom_metrics: {..}` keep their seed meaning."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key)
        if key == "rouge" and isinstance(value, dict) and set(map(str, value)) <= set(ROUGE_FIELDS):
            out.update({str(k): v for k, v in value.items()})
        elif key == "custom_metrics" and isinstance(value, dict):
            out.update(flatten("", value))
        else:
            out.update(flatten(key, value))
    return out


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _name_ok(name: str) -> bool:
    try:
        check_metric_name(name)
        return True
    except InvalidValueError:
        return False


def select(read: MetricsRead, raw: dict[str, Any], include: Iterable[str] = (),
           exclude: Iterable[str] = ()) -> MetricsRead:
    """Fill read.scores from a flat mapping: numbers with good names, through the globs."""
    include, exclude = list(include), list(exclude)
    for name, value in raw.items():
        if not _number(value) or not _name_ok(name):
            read.skipped.append(name)
        elif (include and not any(fnmatch.fnmatchcase(name, g) for g in include)) or \
                any(fnmatch.fnmatchcase(name, g) for g in exclude):
            read.excluded.append(name)
        else:
            read.scores[name] = value
    return read


def read_metrics(data: bytes, name: str, format: str = "auto", include: Iterable[str] = (),
                 exclude: Iterable[str] = ()) -> MetricsRead:
    """Read a metrics file's bytes; `name` (its path) names it in messages and guides detection."""
    if format not in FORMATS:
        raise InvalidValueError(f"unknown metrics format {format!r} (expected: {', '.join(FORMATS)})")
    doc = source.mapping(data, name)
    chosen = detect(doc, name) if format == "auto" else format
    read = MetricsRead(source=name, format=chosen)
    info: dict[str, dict[str, Any]] = {}
    if chosen == "lm-eval":
        raw, info, read.bookkeeping = lm_eval.read(doc, name)
    elif chosen == "hf-trainer":
        raw, read.bookkeeping = hf_trainer.metrics(doc)
        info = {k: {"source": hf_trainer.SOURCE} for k in raw}
    else:
        raw = _flat(doc)
    select(read, raw, include, exclude)
    read.info = {k: v for k, v in info.items() if k in read.scores}
    if not read.scores:
        raise InvalidValueError(
            f"{name}: no metrics found (read as {chosen}" + (f"; {read.note()}" if read.note() else "") + ")"
        )
    return read


def find(directory: Path) -> Path:
    """The metrics file of an output directory: HF Trainer's, else lm-eval's newest results*.json."""
    for candidate in hf_trainer.FILES:
        if (directory / candidate).is_file():
            return directory / candidate
    found = sorted(list(directory.glob("results*.json")) + list(directory.glob("*/results*.json")),
                   key=lambda p: p.name)
    if found:
        return found[-1]  # lm-eval names them results_<ISO time>.json: the newest sorts last
    raise InvalidValueError(
        f"{directory} holds no metrics file ({', '.join(hf_trainer.FILES)} or results*.json)"
    )


def read_metrics_file(path: str | os.PathLike[str], format: str = "auto", include: Iterable[str] = (),
                      exclude: Iterable[str] = ()) -> MetricsRead:
    """read_metrics on a file, or on the metrics file of an output directory."""
    path = Path(path).expanduser()
    if path.is_dir():
        path = find(path)
    return read_metrics(source.read_bytes(path), str(path), format, include, exclude)
