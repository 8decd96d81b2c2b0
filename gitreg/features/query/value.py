"""Immutable value classes for the query language's syntax tree, tokens and sort keys.

What `@dataclass(frozen=True)` gives them (keyword or positional init, defaults, equality
by type and fields, a hash, the same repr, no assignment) without its per-class code
generation: a frozen dataclass costs ~0.6 ms of start-up to define, and `gitreg search`
defined 13 of them before it read anything (issue 28). A subclass names its fields in
`__slots__` (in order) and its defaults in `_defaults`.
"""
from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any, ClassVar


class Value:
    """Fields in `__slots__` order; set once, in `__init__`."""
    __slots__: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self.__slots__
        if len(args) == len(names) and not kwargs:
            for name, value in zip(names, args):
                object.__setattr__(self, name, value)
            return
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}() takes {len(names)} arguments, got {len(args)}")
        given = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {name!r}")
            if name in given:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument {name!r}")
            given[name] = value
        for name in names:
            if name in given:
                value = given[name]
            elif name in self._defaults:
                value = self._defaults[name]
            else:
                raise TypeError(f"{type(self).__name__}() missing required argument {name!r}")
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__qualname__}({fields})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle: made again through __init__
        return (type(self), self._values())
