"""lm-evaluation-harness `results*.json`.

Shape (lm_eval >= 0.4): {"results": {task: {"alias": str, "acc,none": 0.6,
"acc_stderr,none": 0.01, ...}}, "groups": {...}, "group_subtasks": {group: [task, ...]},
"configs": {...}, "versions": {...}, "n-shot": {task: n}, "higher_is_better": {task:
{metric: bool}}, "config": {...}, ...}. Metric names are `<task>/<metric>,<filter>` as the
harness prints them (DESIGN.md 'Names'); what the file says about each becomes its
metric_info (docs/training-records.md has the table):

- `<metric>_stderr,<filter>` is the standard error of `<metric>,<filter>`, not a metric;
- `higher_is_better[task][metric]` is the direction (max / min);
- the group a task belongs to (`group_subtasks`) and its n-shot are kept beside it;
- bookkeeping (`sample_len`, token counts, runtimes, `gen_len`) is not a metric.
"""
from __future__ import annotations

import re
from typing import Any

from gitreg.core.errors import InvalidValueError

_MARKERS = ("configs", "versions", "n-shot", "config", "higher_is_better", "group_subtasks")
BOOKKEEPING = re.compile(r"^(sample_len|sample_count|n_samples|samples|gen_len|num_tokens)$"
                         r"|(_|^)(num_tokens|gen_len|runtime|tokens_seen|len)$")
SOURCE = "lm-eval"


def looks_like(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("results"), dict) and \
        any(k in data for k in _MARKERS)


def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def read(data: dict[str, Any], name: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]], list[str]]:
    """({task/metric,filter: value}, {that name: metric_info}, bookkeeping names left out), from
    `results`, then `groups` for groups not also in results."""
    results = data.get("results")
    if not isinstance(results, dict):
        raise InvalidValueError(f"{name}: an lm-evaluation-harness results file has a 'results' mapping")
    groups = _mapping(data, "groups")
    better = _mapping(data, "higher_is_better")
    shots = _mapping(data, "n-shot")
    group_of = {str(t): str(g) for g, tasks in _mapping(data, "group_subtasks").items()
                if isinstance(tasks, list) for t in tasks}
    out: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    bookkeeping: list[str] = []
    for section in (results, {k: v for k, v in groups.items() if k not in results}):
        for task, values in section.items():
            if not isinstance(values, dict):
                out[str(task)] = values  # reported as skipped
                continue
            for key, value in values.items():
                metric, sep, filt = str(key).partition(",")
                if metric.endswith("_stderr"):
                    errors[f"{task}/{metric[:-len('_stderr')]}{sep}{filt}"] = value
                elif BOOKKEEPING.search(metric):
                    bookkeeping.append(f"{task}/{key}")
                else:
                    out[f"{task}/{key}"] = value
    info: dict[str, dict[str, Any]] = {}
    for full in out:
        task, _, key = full.partition("/")
        metric = key.partition(",")[0]
        entry: dict[str, Any] = {"source": SOURCE}
        hib = _mapping(better, task).get(metric)
        if isinstance(hib, bool):
            entry["direction"] = "max" if hib else "min"
        stderr = errors.get(full)
        if isinstance(stderr, (int, float)) and not isinstance(stderr, bool) and stderr >= 0:
            entry["stderr"] = stderr
        if task in group_of:
            entry["group"] = group_of[task]
        shot = shots.get(task)
        if isinstance(shot, int) and not isinstance(shot, bool) and shot >= 0:
            entry["n_shot"] = shot
        info[full] = entry
    return out, info, bookkeeping
