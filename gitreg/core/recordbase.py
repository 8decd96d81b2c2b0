"""`__eq__`, `__repr__` and (frozen) `__hash__` for the record dataclasses, shared.

Python's dataclass() writes these three as source text and compiles it with exec() for every
class, at import: about a third of what creating gitreg's records costs, and every read and the
MLflow store's first call create them (issue 28). A record declared `@dataclass(eq=False,
repr=False)` (frozen ones also `unsafe_hash=False`, the default) on `Record` or `FrozenRecord`
gets one shared function instead, behaving exactly as the generated one does: the same fields
(those with `compare` / `repr` / `hash` set), the same order, the same tuple comparison, the same
`...` for a record that contains itself; tests/core/test_recordbase.py compares them with the
generated ones.
"""
from __future__ import annotations

import functools
import operator
import reprlib
from dataclasses import fields
from typing import Any, Callable


@functools.cache
def _key(cls: type, which: str) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of a record's fields that `which` (compare, hash) covers, as dataclass() builds it."""
    if which == "hash":  # dataclass: a field's hash=None follows its compare
        names = [f.name for f in fields(cls) if (f.compare if f.hash is None else f.hash)]
    else:
        names = [f.name for f in fields(cls) if f.compare]
    if len(names) >= 2:
        return operator.attrgetter(*names)  # returns a tuple for two or more names
    return lambda record: tuple(getattr(record, name) for name in names)


class Record:
    """Base of a record dataclass declared eq=False, repr=False: dataclass()'s eq and repr, shared."""
    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        key = _key(self.__class__, "compare")
        return key(self) == key(other)

    __hash__ = None  # type: ignore[assignment]  # as dataclass() makes a mutable record with eq

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        return self.__class__.__qualname__ + "(" + ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr) + ")"


class FrozenRecord(Record):
    """Base of a frozen record dataclass (frozen=True, eq=False, repr=False): also its hash."""
    __slots__ = ()

    def __hash__(self) -> int:
        return hash(_key(self.__class__, "hash")(self))
