"""What a query can name: the fields of a version's current view, and its metrics.

A version's view is one flat mapping (`view()`), built from the record the rest of
gitreg reads (manifest + note overrides) with the deployment state laid on by the
caller. Any name that is not a field below is a metric (`accuracy`, `rouge.rouge1`,
`mmlu/acc,none`, custom metrics), whose values are numbers, or a param (`params.NAME`),
whose values are numbers or text.
"""
from __future__ import annotations

import datetime as dt
import math
from itertools import chain
from typing import Any, Callable, Optional

from gitreg.core.records import ModelVersion
from gitreg.git.cache.viewcolumns import (  # noqa: F401  (UPDATED, INDEX_COLUMNS: the index's readers name them here)
    INDEX_COLUMNS,
    PARAMS_PREFIX,
    STORED_COLUMNS,
    TRAINING_NUMBERS,
    UPDATED,
    VIEW_KEYS,
)

TEXT, NUMBER, DATE, VERSION, BOOL, LIST, PARENT = "text", "number", "date", "version", "bool", "list", "parent"

FIELDS: dict[str, str] = {
    "model": TEXT, "version": VERSION, "created": DATE, "status": TEXT,
    "registered_status": TEXT, "deployed": BOOL, "deployed_at": DATE, "environment": LIST,
    "base_model": TEXT, "framework": TEXT, "samples": NUMBER, "epochs": NUMBER,
    "batch_size": NUMBER, "learning_rate": NUMBER, "duration_hours": NUMBER, "cost_usd": NUMBER,
    "hardware": TEXT, "parent": PARENT, "training_data": LIST, "tag": LIST, "notes": TEXT,
    "git_commit": TEXT, "commit": TEXT, "registered_by": TEXT, "training_repo": TEXT,
}
ALIASES = {
    "model_name": "model", "created_at": "created", "env": "environment",
    "environments": "environment", "parent_version": "parent", "tags": "tag",
    "training_data_sources": "training_data", "data": "training_data",
    **{f"training.{k}": k for k in ("framework", "samples", "epochs", "batch_size", "learning_rate",
                                     "duration_hours", "cost_usd", "hardware", "base_model")},
}
# `deployed:staging` names an environment; every other `field:value` is `field = value`.
SHORTHAND = {"deployed": "environment"}


def field_name(name: str) -> Optional[str]:
    """The canonical field a name denotes, or None for a metric."""
    if name in FIELDS:
        return name
    return ALIASES.get(name)


def suggest(name: str) -> str:
    """' (did you mean 'framework'?)' for a near miss of a field name, else ''."""
    import difflib

    close = difflib.get_close_matches(name, [*FIELDS, *ALIASES], n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}?" if close else ""


def timestamp(value: Any) -> Optional[float]:
    """Seconds since the epoch of an ISO 8601 date or time (no offset: UTC); None if not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.timestamp()


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if math.isfinite(value) else None


def _text(value: Any) -> Optional[str]:
    return None if value is None or isinstance(value, (dict, list)) else str(value)


def stored_view(v: ModelVersion) -> dict[str, Any]:
    """The queryable view of a version as stored (manifest + note), JSON-plain, without
    deployment state. Values of the wrong type read as unset: a query never fails on
    what a collaborator wrote."""
    t = v.training
    parent = v.parent_version
    if isinstance(parent, str) and parent and ":" not in parent:
        parent = f"{v.model_name}:{parent}"
    out: dict[str, Any] = {
        "model": v.model_name, "version": v.version, "created": v.created_at,
        "created_ts": timestamp(v.created_at), "status": v.status.value,
        "registered_status": v.registered_status.value,
        "base_model": _text(v.base_model) or (_text(t.base_model) if t else None),
        "framework": _text(t.framework) if t else None,
        "hardware": _text(t.hardware) if t else None,
        "parent": _text(parent), "training_data": [str(s) for s in v.training_data_sources],
        "tag": [str(s) for s in v.tags], "notes": v.notes, "git_commit": _text(v.git_commit),
        "commit": v.commit, "registered_by": v.registered_by,
        "training_repo": _text(v.extra.get("training_repo")),
    }
    for key in TRAINING_NUMBERS:
        out[key] = _number(getattr(t, key)) if t else None
    out["m"] = {k: n for k, raw in v.evaluation_scores.flat().items()
                if isinstance(k, str) and (n := _number(raw)) is not None}
    # params are queried like metrics under `params.NAME`: numbers (`params.lora_r >= 16`) and
    # text (`params.optim = adamw`; true/false for flags); lists and mappings are not queried
    out["m"].update({f"{PARAMS_PREFIX}{k}": p for k, raw in v.params.items()
                     if isinstance(k, str) and (p := param_value(raw)) is not None})
    return out


def param_value(raw: Any) -> Optional[float | str]:
    """A param as the view holds it: a finite number, text, or a flag as 'true' / 'false'."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return raw if isinstance(raw, str) else _number(raw)


def pack(view: dict[str, Any]) -> list[Any]:
    return [view.get(c) for c in STORED_COLUMNS]


_UNPACKED = (*STORED_COLUMNS, "m", *VIEW_KEYS[len(STORED_COLUMNS):])  # a view's keys: metrics ("m") too


def millis(iso: Any) -> Optional[int]:
    """Epoch milliseconds of an ISO 8601 time (no offset: UTC), as MLflow's entities hold
    times; None if not one."""
    try:
        value = dt.datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return int(value.timestamp() * 1000)


# The types stored_view makes, per view key: the checks a cached or indexed value passes
# before it is used (the caches are untrusted input).
_TEXT = {"model", "version", "status", "registered_status"}
_LISTS = {"training_data", "tag", "environment"}
_NUMBERS = {"created_ts", "deployed_at_ts", "samples", "epochs", "batch_size", "learning_rate",
            "duration_hours", "cost_usd"}
_NONE = type(None)


def _types(values: list[Any], allowed: set[type]) -> bool:
    return set(map(type, values)) <= allowed


def _check(key: str) -> Callable[[list[Any]], bool]:
    """The test a column of this view key passes (the types fields.stored_view makes),
    run at C speed: a column is 100,000 values at most every query."""
    if key in _TEXT:
        return lambda xs: _types(xs, {str})
    if key in _LISTS:
        return lambda xs: _types(xs, {list}) and _types(list(chain.from_iterable(xs)), {str})
    if key in _NUMBERS:
        return numbers
    if key == "deployed":
        return lambda xs: _types(xs, {bool})
    return lambda xs: _types(xs, {str, _NONE})


def numbers(xs: list[Any]) -> bool:
    """Numbers or None; JSON has no NaN here (_json refuses it) but 1e999 reads as inf."""
    return _types(xs, {int, float, _NONE}) and math.inf not in xs and -math.inf not in xs


def param_values(xs: list[Any]) -> bool:
    """A `params.*` column: numbers, text or None."""
    return _types(xs, {int, float, str, _NONE}) and math.inf not in xs and -math.inf not in xs


def metric_check(name: str) -> Callable[[list[Any]], bool]:
    """The check of a metric column: only `params.*` ones may hold text."""
    return param_values if name.startswith(PARAMS_PREFIX) else numbers


CHECKS = {key: _check(key) for key in VIEW_KEYS}
CHECKS[UPDATED] = lambda xs: _types(xs, {int, _NONE})


def valid_rows(rows: list[tuple[list[Any], dict[str, Any]]]) -> bool:
    """Whether cached (stored values, metrics) rows all have the types stored_view makes:
    checked column by column, so a model's cache costs a few C-speed passes."""
    return all(CHECKS[c]([values[i] for values, _ in rows]) for i, c in enumerate(STORED_COLUMNS)) \
        and _types(list(chain.from_iterable(m.keys() for _, m in rows)), {str}) \
        and _metric_values(list(chain.from_iterable(m.items() for _, m in rows)))


def _metric_values(items: list[tuple[str, Any]]) -> bool:
    return param_values([v for k, v in items if k.startswith(PARAMS_PREFIX)]) \
        and numbers([v for k, v in items if not k.startswith(PARAMS_PREFIX)])


def unpack(values: list[Any], metrics: dict[str, Any], commit: str) -> dict[str, Any]:
    """A cached view, not deployed anywhere (`deploy` lays deployments on)."""
    return dict(zip(_UNPACKED, [*values, metrics, commit, [], False, None, None]))


def deploy(view: dict[str, Any], environments: list[str], deployed_at: Optional[str]) -> dict[str, Any]:
    """Lay the deployment refs on a stored view (DESIGN.md 'Mutable state')."""
    view["environment"] = environments
    view["deployed"] = bool(environments)
    view["deployed_at"] = deployed_at
    view["deployed_at_ts"] = timestamp(deployed_at)
    if environments:
        view["status"] = "deployed"
    return view


def lookup(view: dict[str, Any], name: str) -> Any:
    """The value a name has in a view: a field, else a metric; None when unset."""
    canonical = field_name(name)
    if canonical is None:
        return view["m"].get(name)
    return view.get(canonical)
