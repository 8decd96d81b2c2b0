"""Ordering views: the default result order, and by sort keys (sortkeys.py parses them).

A param column may hold numbers and text: numbers sort before text (each in the key's
order) whatever the direction. Unset values always sort last.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Optional, Sequence

from gitreg.core.names import version_key
from gitreg.features.query.fields import DATE, FIELDS, LIST, NUMBER, PARAMS_PREFIX, VERSION, field_name


def kind_of(name: str) -> str:
    canonical = field_name(name)
    return NUMBER if canonical is None else FIELDS[canonical]


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


def apply(views: list[dict[str, Any]], keys: Sequence[Any]) -> list[dict[str, Any]]:
    """Views sorted by keys (sortkeys.SortKey: name, descending; first key first), stably,
    unset values last."""
    for key in reversed(keys):
        get = value_getter(key.name)
        present = [(get(v), v) for v in views]
        unset = [v for value, v in present if value is None]
        texts = [(value, v) for value, v in present if isinstance(value, str)]
        ranked = [(value, v) for value, v in present if value is not None and not isinstance(value, str)]
        views = [v for group in (ranked, texts)
                 for _, v in sorted(group, key=lambda pair: pair[0], reverse=key.descending)] + unset
    return views
