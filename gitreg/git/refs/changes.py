"""Ref updates as git hands them to receive hooks: one `OLD NEW REF` line per pushed ref.

One record and one parser for the server's hooks (gitreg/clients/server/hooks.py) and for
the events derived from pushes (gitreg/features/events), so both read hook input alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from gitreg.core.errors import GitregError

ZERO = "0" * 40  # the object id git gives the absent side of a created or deleted ref
MAX_LINE = 4096  # a ref name is bounded by git (4 KiB is far above any gitreg ref)


@dataclass(frozen=True)
class RefChange:
    """One ref update: `old` and `new` object ids (ZERO for a created or deleted ref)."""

    old: str
    new: str
    ref: str

    @property
    def created(self) -> bool:
        return self.old == ZERO

    @property
    def deleted(self) -> bool:
        return self.new == ZERO


def is_oid(text: str) -> bool:
    """A full object id in lower-case hex (SHA-1 or SHA-256)."""
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def parse_lines(lines: Iterable[str], what: str = "input") -> list[RefChange]:
    """`OLD NEW REF` lines, validated: any other line is an error naming its number (git never
    sends one); blank lines are skipped."""
    out = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if not line:
            continue
        parts = line.split(" ")
        if len(line) > MAX_LINE or len(parts) != 3 or not all(is_oid(p) for p in parts[:2]):
            raise GitregError(f"{what} line {number} is not 'OLD NEW REF'")
        out.append(RefChange(*parts))
    return out
