"""Problems found while reading: one bad object is one record, never the end of a read.

A registry holds what every collaborator pushed (DESIGN.md 'What gitreg reads is
untrusted'). Reads skip what they cannot read and note it here, naming the ref it
was found under; the API returns the good records and exposes these
(`ModelRegistry.problems`), the CLI prints each once on stderr and exits 1.
"""
from __future__ import annotations

from dataclasses import dataclass

from gitreg.core.recordbase import FrozenRecord

MAX_TEXT = 300  # a problem quotes untrusted text: keep each line short


@dataclass(frozen=True, eq=False, repr=False)
class ReadProblem(FrozenRecord):
    """A bad object a read skipped, and the ref it was found under."""
    ref: str  # the ref the bad object was found under (refs/tags/m/v3, refs/notes/gitreg/m, ...)
    problem: str

    def __str__(self) -> str:
        return f"{self.ref}: {self.problem}"

    def to_dict(self) -> dict[str, str]:
        return {"ref": self.ref, "problem": self.problem}


class ProblemLog:
    """Problems in the order found, each once (the same object read twice is one problem)."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], ReadProblem] = {}

    def add(self, ref: str, problem: object) -> ReadProblem:
        text = " ".join(str(problem).split())[:MAX_TEXT] or type(problem).__name__
        item = ReadProblem(ref, text)
        return self._items.setdefault((ref, text), item)

    def items(self) -> list[ReadProblem]:
        return list(self._items.values())

    def clear(self) -> None:
        self._items.clear()

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)
