"""What makes a branch a model's (DESIGN.md), on a commit's parsed facts alone.

Shared by the two readers of it: gitreg/git/refs/kind.py (pygit2) and
gitreg/git/refs/plainkind.py (git's CLI, for a clone's summary without pygit2).
"""
from __future__ import annotations

from typing import Container

from gitreg.git.refs import layout

MAX_WALK = 100_000  # first parents followed to find a root; a longer branch is not a model's
MESSAGE_READ = 300  # bytes of a tip's message that say whether gitreg wrote it


def looks_like_model_tip(name: str, parents: int, message: bytes, entries: Container[str]) -> bool:
    """A model root commit (no parents, model.yaml at its root), or a version or merge commit
    gitreg wrote (`register <model> ...` / `gitreg: merge <model> ...`, with manifest.yaml --
    a Kubernetes repository's manifest.yaml alone is not that). `entries`: its root tree's names."""
    if not parents:
        return layout.MODEL_FILE in entries
    message = message[:MESSAGE_READ]
    written = message.startswith(f"register {name} ".encode()) or \
        message.startswith(f"gitreg: merge {name} ".encode())
    return written and layout.MANIFEST_FILE in entries


def not_a_model_branch(name: str) -> str:
    return f"branch {name!r} does not start with a model root commit (model.yaml)"
