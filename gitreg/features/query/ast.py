"""The query's syntax tree: what the parser makes and the evaluator compiles.

The nodes are dataclasses with structural equality only: a tree is made per query, read by
the evaluator and never changed, hashed, kept or printed, and each generated method costs
start-up time (issue 28: frozen, with `__setattr__`, `__delattr__`, `__hash__` and
`__repr__`, the ten classes took ~4 ms of every `gitreg search`; now ~2 ms). Treat a tree
as read-only; `dataclasses.asdict(tree)` shows one."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union


@dataclass(repr=False)
class Literal:
    """A value as written in the query."""
    text: str
    quoted: bool  # a quoted literal is always text ("1" is not the number 1)
    column: int


@dataclass(repr=False)
class Field:
    """A name as written in the query (a field, an alias or a metric)."""
    name: str  # as written (an alias or a metric name)
    column: int


@dataclass(repr=False)
class Compare:
    """`field OP value`."""
    field: Field
    op: str  # = != < <= > >= ~ !~
    value: Literal
    op_column: int


@dataclass(repr=False)
class InList:
    """`field [not] in (a, b, ...)`."""
    field: Field
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(repr=False)
class Between:
    """`field between low and high`."""
    field: Field
    low: Literal
    high: Literal


@dataclass(repr=False)
class Exists:
    """A bare name: the value is set (a metric recorded, a list non-empty, a flag true)."""
    field: Field


@dataclass(repr=False)
class And:
    """Every item holds."""
    items: tuple["Node", ...]


@dataclass(repr=False)
class Or:
    """Some item holds."""
    items: tuple["Node", ...]


@dataclass(repr=False)
class Not:
    """The item does not hold."""
    item: "Node"


@dataclass(repr=False)
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


