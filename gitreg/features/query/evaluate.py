"""Compile a syntax tree into one predicate over views (fields.py), checking types once.

Semantics: numbers compare as numbers and dates as instants (a date without a time is
that whole UTC day: `created = 2026-01-14` is any time that day, `created > 2026-01-14`
is from the next day on); versions compare in natural order; `~` is a case-insensitive
glob; a list field (`tag`, `training_data`, `environment`) matches when any element
does. An unset value matches nothing, except `!=`, `!~` and `not in`, which are the
negations of `=`, `~` and `in`.
"""
from __future__ import annotations

import fnmatch
import math
import operator
import re
from typing import Any, Callable, Optional

from gitreg.core.errors import QueryError
from gitreg.core.names import version_key
from gitreg.core.records import METRIC_FIELDS
from gitreg.features.query.ast import (
    And,
    Between,
    Compare,
    Exists,
    Field,
    InList,
    Literal,
    MatchAll,
    Node,
    Not,
    Or,
)
from gitreg.features.query.fields import (
    BOOL,
    DATE,
    FIELDS,
    LIST,
    NUMBER,
    PARAMS_PREFIX,
    PARENT,
    TEXT,
    VERSION,
    field_name,
    suggest,
    timestamp,
)

Predicate = Callable[[dict[str, Any]], bool]
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ORDER = {"<", "<=", ">", ">="}
_NEGATED = {"!=": "=", "!~": "~"}
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


def compile_query(node: Node) -> Predicate:
    if isinstance(node, MatchAll):
        return lambda view: True
    if isinstance(node, (And, Or)):
        # chained closures, not all()/any() over a generator: a query runs once per version
        parts = [compile_query(n) for n in node.items]
        both = _both if isinstance(node, And) else _either
        predicate = parts[-1]
        for part in reversed(parts[:-1]):
            predicate = both(part, predicate)
        return predicate
    if isinstance(node, Not):
        inner = compile_query(node.item)
        return lambda view: not inner(view)
    if isinstance(node, Exists):
        get, kind = _getter(node.field)
        if kind in (NUMBER, DATE):  # 0 is a value
            return lambda view: get(view) is not None
        return lambda view: bool(get(view))  # text: non-empty; a list: non-empty; a flag: true
    if isinstance(node, Compare):
        if node.op in _NEGATED:
            inner = _compare(node.field, _NEGATED[node.op], node.value, node.op_column)
            return lambda view: not inner(view)
        return _compare(node.field, node.op, node.value, node.op_column)
    if isinstance(node, InList):
        parts = [_compare(node.field, "=", v, v.column) for v in node.values]
        if node.negated:
            return lambda view: not any(p(view) for p in parts)
        return lambda view: any(p(view) for p in parts)
    if isinstance(node, Between):
        low = _compare(node.field, ">=", node.low, node.low.column)
        high = _compare(node.field, "<=", node.high, node.high.column)
        return lambda view: low(view) and high(view)
    raise TypeError(f"not a query node: {node!r}")


def _getter(field: Field) -> tuple[Callable[[dict[str, Any]], Any], str]:
    canonical = field_name(field.name)
    if canonical is None:
        name = field.name
        return (lambda view: view["m"].get(name)), NUMBER
    kind = FIELDS[canonical]
    key = f"{canonical}_ts" if kind == DATE else canonical
    return (lambda view: view.get(key)), kind


def number(lit: Literal) -> Optional[float]:
    if lit.quoted:
        return None
    try:
        value = float(lit.text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def date_range(lit: Literal) -> Optional[tuple[float, float, bool]]:
    """(start, end, whole_day) of a date or date-time literal."""
    when = timestamp(lit.text)
    if when is None:
        return None
    if _DATE_ONLY.fullmatch(lit.text):
        return when, when + 86400.0, True
    return when, when, False


def glob(pattern: str) -> Callable[[str], bool]:
    match = re.compile(fnmatch.translate(pattern), re.IGNORECASE | re.DOTALL).match
    return lambda text: match(text) is not None


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda view: a(view) and b(view)


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda view: a(view) or b(view)


_NUMERIC = (int, float)  # exact types: a bool is not a number here
_OPS = {"=": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _number_test(field: Field, op: str, value: float) -> Predicate:
    """One closure per comparison of a number (the hot path of a query over many versions)."""
    test = _OPS[op]
    canonical = field_name(field.name)
    if canonical is None:
        name = field.name
        return lambda view: type(x := view["m"].get(name)) in _NUMERIC and test(x, value)
    key = f"{canonical}_ts" if FIELDS[canonical] == DATE else canonical
    return lambda view: type(x := view.get(key)) in _NUMERIC and test(x, value)


def _ordered(op: str, value: Any) -> Callable[[Any], bool]:
    if op == "=":
        return lambda x: x == value
    if op == "<":
        return lambda x: x < value
    if op == "<=":
        return lambda x: x <= value
    if op == ">":
        return lambda x: x > value
    return lambda x: x >= value


def _wrap(get: Callable[[dict[str, Any]], Any], test: Callable[[Any], bool], types: tuple) -> Predicate:
    def predicate(view: dict[str, Any]) -> bool:
        value = get(view)
        return isinstance(value, types) and not isinstance(value, bool) and test(value) if value is not None else False
    return predicate


def _compare(field: Field, op: str, lit: Literal, column: int) -> Predicate:
    get, kind = _getter(field)
    name = field.name
    if kind == NUMBER and name.startswith(PARAMS_PREFIX) and field_name(name) is None \
            and (op == "~" or number(lit) is None):
        kind = TEXT  # a param holds a number or text: `params.optim = adamw` compares text

    def refuse(what: str) -> QueryError:
        return QueryError(f"{what} at {column}", column)

    if op == "~":
        if kind in (NUMBER, BOOL):
            raise refuse(f"'~' matches text, but {name} is a {'number' if kind == NUMBER else 'flag'}")
        if kind == DATE:
            raw = field_name(name)
            get, kind = (lambda view: view.get(raw)), TEXT
        match = glob(lit.text)
        if kind == LIST:
            return lambda view: any(isinstance(x, str) and match(x) for x in get(view) or ())
        return _wrap(get, match, (str,))
    if kind == NUMBER:
        value = number(lit)
        if value is None:
            close = suggest(name) if field_name(name) is None and name not in METRIC_FIELDS else ""
            hint = f" (a name that is not a field is a metric; {close})" if close else ""
            raise refuse(f"{name} is a number: expected a number after {op!r}, got {lit.text!r}{hint}")
        return _number_test(field, op, value)
    if kind == DATE:
        span = date_range(lit)
        if span is None:
            raise refuse(f"{name} is a date: expected an ISO date like 2026-01-31 after {op!r}, got {lit.text!r}")
        start, end, day = span
        test = {
            "=": (lambda x: start <= x < end) if day else (lambda x: x == start),
            "<": lambda x: x < start,
            "<=": (lambda x: x < end) if day else (lambda x: x <= start),
            ">": (lambda x: x >= end) if day else (lambda x: x > start),
            ">=": lambda x: x >= start,
        }[op]
        return _wrap(get, test, (int, float))
    if kind == BOOL:
        if op != "=":
            raise refuse(f"{name} is true or false: compare it with '=' or '!='")
        text = lit.text.lower()
        if text not in _TRUE | _FALSE:
            raise refuse(f"{name} is true or false, got {lit.text!r}")
        want = text in _TRUE
        return lambda view: bool(get(view)) == want
    if kind == VERSION:
        key = version_key(lit.text)
        test = _ordered(op, key)
        return _wrap(get, lambda v: test(version_key(v)), (str,))
    if op in _ORDER:
        raise refuse(f"{op!r} compares numbers, dates and versions, but {name} is text")
    text, key = lit.text, field_name(name)
    if kind == LIST:
        return lambda view: type(values := view.get(key)) is list and text in values
    if kind == PARENT and ":" not in lit.text:  # parent:v2 -- the same model's v2
        suffix = f":{lit.text}"
        return lambda view: view.get("parent") == f"{view.get('model')}{suffix}"
    if key is None:  # a text param
        return lambda view: view["m"].get(name) == text
    return lambda view: view.get(key) == text

