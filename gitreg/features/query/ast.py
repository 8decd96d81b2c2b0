"""The query's syntax tree: what the parser makes and the evaluator compiles.

The nodes are plain dataclasses (equality, repr), not frozen ones: a tree is made per query,
read by the evaluator and never changed, hashed or kept, and a frozen dataclass costs twice
as much to define (its `__setattr__`, `__delattr__` and `__hash__`): ~3 ms of every
`gitreg search` start-up for ten classes (issue 28). Treat a tree as read-only."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union


@dataclass
class Literal:
    """A value as written in the query."""
    text: str
    quoted: bool  # a quoted literal is always text ("1" is not the number 1)
    column: int


@dataclass
class Field:
    """A name as written in the query (a field, an alias or a metric)."""
    name: str  # as written (an alias or a metric name)
    column: int


@dataclass
class Compare:
    """`field OP value`."""
    field: Field
    op: str  # = != < <= > >= ~ !~
    value: Literal
    op_column: int


@dataclass
class InList:
    """`field [not] in (a, b, ...)`."""
    field: Field
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass
class Between:
    """`field between low and high`."""
    field: Field
    low: Literal
    high: Literal


@dataclass
class Exists:
    """A bare name: the value is set (a metric recorded, a list non-empty, a flag true)."""
    field: Field


@dataclass
class And:
    """Every item holds."""
    items: tuple["Node", ...]


@dataclass
class Or:
    """Some item holds."""
    items: tuple["Node", ...]


@dataclass
class Not:
    """The item does not hold."""
    item: "Node"


@dataclass
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


