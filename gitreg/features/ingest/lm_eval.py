"""lm-evaluation-harness `results*.json`.

Shape (lm_eval >= 0.4): {"results": {task: {"alias": str, "acc,none": 0.6,
"acc_stderr,none": 0.01, ...}}, "groups": {...}, "configs": {...}, "versions": {...},
"n-shot": {...}, "higher_is_better": {...}, "config": {...}, ...}. Metric names are
`<task>/<metric>,<filter>` as the harness prints them (DESIGN.md 'Names').
"""
from __future__ import annotations

from typing import Any

from gitreg.core.errors import InvalidValueError

_MARKERS = ("configs", "versions", "n-shot", "config", "higher_is_better", "group_subtasks")


def looks_like(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("results"), dict) and \
        any(k in data for k in _MARKERS)


def metrics(data: dict[str, Any], name: str) -> dict[str, Any]:
    """{task/metric: value} from `results`, then `groups` for groups not also in results."""
    results = data.get("results")
    if not isinstance(results, dict):
        raise InvalidValueError(f"{name}: an lm-evaluation-harness results file has a 'results' mapping")
    out: dict[str, Any] = {}
    groups = data.get("groups") if isinstance(data.get("groups"), dict) else {}
    for section in (results, {k: v for k, v in groups.items() if k not in results}):
        for task, values in section.items():
            if not isinstance(values, dict):
                out[str(task)] = values  # reported as skipped
                continue
            for metric, value in values.items():
                out[f"{task}/{metric}"] = value
    return out
