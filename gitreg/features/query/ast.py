"""The query's syntax tree: what the parser makes and the evaluator compiles.

The nodes are dataclasses on core.recordbase.Record: structural equality and a repr shared by
every record, so creating the ten classes compiles only their `__init__` (issue 28: generated
frozen, hash and repr methods took ~4 ms of every `gitreg search`). Treat a tree
as read-only; `dataclasses.asdict(tree)` shows one."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from gitreg.core.recordbase import Record


@dataclass(eq=False, repr=False)
class Literal(Record):
    """A value as written in the query."""
    text: str
    quoted: bool  # a quoted literal is always text ("1" is not the number 1)
    column: int


@dataclass(eq=False, repr=False)
class Field(Record):
    """A name as written in the query (a field, an alias or a metric)."""
    name: str  # as written (an alias or a metric name)
    column: int


@dataclass(eq=False, repr=False)
class Compare(Record):
    """`field OP value`."""
    field: Field
    op: str  # = != < <= > >= ~ !~
    value: Literal
    op_column: int


@dataclass(eq=False, repr=False)
class InList(Record):
    """`field [not] in (a, b, ...)`."""
    field: Field
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(eq=False, repr=False)
class Between(Record):
    """`field between low and high`."""
    field: Field
    low: Literal
    high: Literal


@dataclass(eq=False, repr=False)
class Exists(Record):
    """A bare name: the value is set (a metric recorded, a list non-empty, a flag true)."""
    field: Field


@dataclass(eq=False, repr=False)
class And(Record):
    """Every item holds."""
    items: tuple["Node", ...]


@dataclass(eq=False, repr=False)
class Or(Record):
    """Some item holds."""
    items: tuple["Node", ...]


@dataclass(eq=False, repr=False)
class Not(Record):
    """The item does not hold."""
    item: "Node"


@dataclass(eq=False, repr=False)
class MatchAll(Record):
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


