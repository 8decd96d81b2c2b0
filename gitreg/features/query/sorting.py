"""Sort keys: `KEY`, `KEY:asc`, `KEY:desc`.

A key names a field or a metric as in queries. The suffix is split at the last `:`
only when it is `asc` or `desc`, so metric names with `:` stay whole. Without a
suffix, numbers that have a better direction (metrics, cost_usd, duration_hours)
sort best first; everything else ascending (params too: a hyperparameter has no better
value). A param column may hold numbers and text: numbers sort before text (each in the
key's order) whatever the direction. Unset values always sort last.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Sequence

from gitreg.core.errors import QueryError
from gitreg.core.names import version_key
from gitreg.features.query.fields import DATE, FIELDS, LIST, NUMBER, PARAMS_PREFIX, VERSION, field_name


@dataclass(frozen=True)
class SortKey:
    """One `--sort` key: a name and its direction."""
    name: str
    descending: bool

    def __str__(self) -> str:
        return f"{self.name}:{'desc' if self.descending else 'asc'}"


SortSpec = Optional[str | SortKey | Sequence[str | SortKey]]  # what search(sort=...) takes


def kind_of(name: str) -> str:
    canonical = field_name(name)
    return NUMBER if canonical is None else FIELDS[canonical]


def best_first_descending(name: str) -> bool:
    """Whether best-first order of a number is descending (higher is better)."""
    from gitreg.features.query.direction import lower_is_better  # only a key without :asc/:desc asks

    return not lower_is_better(field_name(name) or name)


def parse_sort(spec: str) -> SortKey:
    if not isinstance(spec, str) or not spec.strip():
        raise QueryError("a sort key is a field or metric name, optionally with :asc or :desc")
    spec = spec.strip()
    name, sep, suffix = spec.rpartition(":")
    if sep and suffix.lower() in ("asc", "desc") and name:
        return SortKey(name, suffix.lower() == "desc")
    from gitreg.features.query.direction import NEUTRAL  # a search without --sort never loads it

    kind = kind_of(spec)
    canonical = field_name(spec) or spec
    descending = (kind == NUMBER and canonical not in NEUTRAL and not spec.startswith(PARAMS_PREFIX)
                  and best_first_descending(spec))
    return SortKey(spec, descending)


def sort_keys(specs: SortSpec) -> list[SortKey]:
    if specs is None:
        return []
    if isinstance(specs, (str, SortKey)):
        specs = [specs]
    return [s if isinstance(s, SortKey) else parse_sort(s) for s in specs]


def value_getter(name: str) -> Callable[[dict[str, Any]], Any]:
    canonical = field_name(name)
    if canonical is None:
        if name.startswith(PARAMS_PREFIX):  # a number or text (fields.param_value)
            return lambda view: _param(view["m"].get(name))
        return lambda view: _num(view["m"].get(name))
    kind = FIELDS[canonical]
    if kind == DATE:
        return lambda view: _num(view.get(f"{canonical}_ts"))
    if kind == VERSION:
        return lambda view: version_key(view[canonical]) if isinstance(view.get(canonical), str) else None
    if kind == LIST:
        return lambda view: ", ".join(view.get(canonical) or ()) or None
    if kind == NUMBER:
        return lambda view: _num(view.get(canonical))
    return lambda view: None if view.get(canonical) is None else str(view.get(canonical))


def _num(value: Any) -> Optional[float]:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _param(value: Any) -> Optional[float | str]:
    return value if isinstance(value, str) else _num(value)


def default_order(views: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(views, key=lambda v: (v["model"], version_key(v["version"])))


def apply(views: list[dict[str, Any]], keys: list[SortKey]) -> list[dict[str, Any]]:
    """Views sorted by keys (first key first), stably, unset values last."""
    for key in reversed(keys):
        get = value_getter(key.name)
        present = [(get(v), v) for v in views]
        unset = [v for value, v in present if value is None]
        texts = [(value, v) for value, v in present if isinstance(value, str)]
        ranked = [(value, v) for value, v in present if value is not None and not isinstance(value, str)]
        views = [v for group in (ranked, texts)
                 for _, v in sorted(group, key=lambda pair: pair[0], reverse=key.descending)] + unset
    return views
