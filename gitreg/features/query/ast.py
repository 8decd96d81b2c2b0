"""The query's syntax tree: what the parser makes and the evaluator compiles."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True)
class Literal:
    """A value as written in the query."""
    text: str
    quoted: bool  # a quoted literal is always text ("1" is not the number 1)
    column: int


@dataclass(frozen=True)
class Field:
    """A name as written in the query (a field, an alias or a metric)."""
    name: str  # as written (an alias or a metric name)
    column: int


@dataclass(frozen=True)
class Compare:
    """`field OP value`."""
    field: Field
    op: str  # = != < <= > >= ~ !~
    value: Literal
    op_column: int


@dataclass(frozen=True)
class InList:
    """`field [not] in (a, b, ...)`."""
    field: Field
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True)
class Between:
    """`field between low and high`."""
    field: Field
    low: Literal
    high: Literal


@dataclass(frozen=True)
class Exists:
    """A bare name: the value is set (a metric recorded, a list non-empty, a flag true)."""
    field: Field


@dataclass(frozen=True)
class And:
    """Every item holds."""
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    """Some item holds."""
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    """The item does not hold."""
    item: "Node"


@dataclass(frozen=True)
class MatchAll:
    """The empty query."""


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


