"""The query's syntax tree: what the parser makes and the evaluator compiles."""
from __future__ import annotations

from typing import Any, Union

from gitreg.features.query.value import Value


class Literal(Value):
    """A value as written in the query."""
    __slots__ = ("text", "quoted", "column")
    text: str
    quoted: bool  # a quoted literal is always text ("1" is not the number 1)
    column: int


class Field(Value):
    """A name as written in the query (a field, an alias or a metric)."""
    __slots__ = ("name", "column")
    name: str  # as written (an alias or a metric name)
    column: int


class Compare(Value):
    """`field OP value`."""
    __slots__ = ("field", "op", "value", "op_column")
    field: Field
    op: str  # = != < <= > >= ~ !~
    value: Literal
    op_column: int


class InList(Value):
    """`field [not] in (a, b, ...)`."""
    __slots__ = ("field", "values", "negated")
    _defaults = {"negated": False}
    field: Field
    values: tuple[Literal, ...]
    negated: bool  # default False


class Between(Value):
    """`field between low and high`."""
    __slots__ = ("field", "low", "high")
    field: Field
    low: Literal
    high: Literal


class Exists(Value):
    """A bare name: the value is set (a metric recorded, a list non-empty, a flag true)."""
    __slots__ = ("field",)
    field: Field


class And(Value):
    """Every item holds."""
    __slots__ = ("items",)
    items: tuple["Node", ...]


class Or(Value):
    """Some item holds."""
    __slots__ = ("items",)
    items: tuple["Node", ...]


class Not(Value):
    """The item does not hold."""
    __slots__ = ("item",)
    item: "Node"


class MatchAll(Value):
    """The empty query."""
    __slots__ = ()


Node = Union[Compare, InList, Between, Exists, And, Or, Not, MatchAll]


def names_in(node: Node) -> list[str]:
    """Names a query mentions, in order, once each (for result columns)."""
    out: list[str] = []

    def walk(n: Any) -> None:
        if isinstance(n, (Compare, InList, Between, Exists)):
            if n.field.name not in out:
                out.append(n.field.name)
        for child in getattr(n, "items", ()) or ((n.item,) if hasattr(n, "item") else ()):
            walk(child)

    walk(node)
    return out


