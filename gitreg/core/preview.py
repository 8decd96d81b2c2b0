"""What a write would record (`--dry-run`). Apart from records.py (which names it when
asked) so that a read's start-up does not create its dataclass."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Preview:
    """What a write would record, computed without writing anything (`--dry-run`): a write
    is permanent and, with a sync remote, published at once, so it can be looked at first."""
    action: str  # "register majora v4", "deploy majora v3 to production"
    refs: list[tuple[str, str]]  # (ref, what happens to it)
    files: dict[str, str]  # a commit's or note's files as text: manifest.yaml, deployment.yaml, the note
    # bytes that would go into the LFS store: records.ArtifactFile (not imported: records.py names
    # this module, and an import either way would be a cycle)
    stored: list[Any] = field(default_factory=list)
    effects: list[str] = field(default_factory=list)  # everything else: a new registry, a push

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "refs": [{"ref": r, "change": c} for r, c in self.refs],
                "files": self.files, "stored": [f.to_dict() for f in self.stored], "effects": self.effects}
