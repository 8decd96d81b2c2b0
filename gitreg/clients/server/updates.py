"""What git hands a receive hook: one `OLD NEW REF` line per pushed ref, and who pushed."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

from gitreg.core.errors import GitregError

ZERO = "0" * 40
MAX_LINE = 4096  # a ref name is bounded by git (4 KiB is far above any gitreg ref)


@dataclass(frozen=True)
class PushedRef:
    """One ref update as git's receive-pack reports it (ZERO for a created or deleted side)."""

    old: str
    new: str
    ref: str

    @property
    def created(self) -> bool:
        return self.old == ZERO

    @property
    def deleted(self) -> bool:
        return self.new == ZERO


def parse(lines: Iterable[str]) -> list[PushedRef]:
    """The hook's stdin, validated: a line that is not `OLD NEW REF` is an error (git never sends one)."""
    updates = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if not line:
            continue
        parts = line.split(" ")
        if len(line) > MAX_LINE or len(parts) != 3 or not all(_is_oid(p) for p in parts[:2]):
            raise GitregError(f"hook input line {number} is not 'OLD NEW REF'")
        updates.append(PushedRef(*parts))
    return updates


def _is_oid(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def pusher(environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The authenticated user the server names, where it names one: Apache's REMOTE_USER
    (git-http-backend), gitolite's GL_USER; None over plain ssh or a local path."""
    env = os.environ if environ is None else environ
    for key in ("GL_USER", "REMOTE_USER"):
        if env.get(key):
            return env[key]
    return None
