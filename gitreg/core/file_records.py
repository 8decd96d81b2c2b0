"""Records of stored bytes that a read of versions rarely makes: one file of a directory
artifact (ContentFile) and bytes purged by retention (Purge). Apart from records.py (which
names them when asked) so that a read's start-up does not create their dataclasses."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ContentFile:
    """One regular file inside a directory artifact (manifest `contents:`)."""
    path: str  # relative, '/'-separated
    sha256: str
    size_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "size_bytes": self.size_bytes}


@dataclass(frozen=True)
class Purge:
    """A stored file whose bytes retention (`gitreg gc`) deleted: who, when and why (a note's `purged:`)."""
    sha256: str
    path: str  # below artifacts/
    size_bytes: int
    purged_at: str
    purged_by: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
