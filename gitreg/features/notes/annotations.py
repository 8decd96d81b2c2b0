"""Later changes (scores, status, tags, notes, model metadata) as git notes.

A note holds the *current* overrides for one version (or, on the model's root
commit, for the model); each change is a commit on refs/notes/gitreg/<model>,
so that ref's history is the change log. Commit messages end in trailers that
`history` reads back (Gitreg-Action, Gitreg-Version, Gitreg-Time).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Mapping, Optional, Sequence

import pygit2

from gitreg.core import yamlio
from gitreg.core.preview import Preview
from gitreg.git.refs import layout
from gitreg.git.refs.transaction import RefUpdate, retrying
from gitreg.git.repository import Store
from gitreg.model import manifest as mf
from gitreg.model.snapshot import ModelSnapshot

NoteChange = Callable[[dict[str, Any]], dict[str, Any]]


def message(action: str, model: str, versions: Sequence[str], detail: str, when: float) -> str:
    """Subject plus the trailers `history` reads (one Gitreg-Version per version touched)."""
    subject = f"{action} {model}{' ' + ' '.join(versions) if len(versions) == 1 else ''}: {detail}"
    trailers = [f"Gitreg-Action: {action}"] + [f"Gitreg-Version: {v}" for v in versions]
    trailers.append(f"Gitreg-Time: {mf.now_iso(when)}")
    return f"{subject}\n\n" + "\n".join(trailers) + "\n"


TRAILER_LIMIT = 1024  # a trailer value read back from a (possibly hand-made) notes commit


def trailers(commit_message: str) -> dict[str, list[str]]:
    """The Gitreg-* trailers `message` wrote, read back (values bounded: the commit is untrusted)."""
    out: dict[str, list[str]] = {}
    for line in commit_message.strip().splitlines()[1:]:
        key, sep, value = line.partition(": ")
        if sep and key.startswith("Gitreg-"):
            out.setdefault(key, []).append(value.strip()[:TRAILER_LIMIT])
    return out


def notes_update(
    snap: ModelSnapshot,
    changes: Mapping[pygit2.Oid, tuple[str, NoteChange]],
    msg: str,
    when: float,
) -> Optional[RefUpdate]:
    """The notes-ref move that applies `changes` ({target: (label, change)}), or None if a no-op."""
    blobs: dict[str, bytes] = {}
    for target, (label, change) in changes.items():
        current = snap.note(target, label)
        new = change(dict(current))
        if new != current:
            blobs[str(target)] = yamlio.dump_within(new, f"the note on {label}")
    if not blobs:
        return None
    commit = snap.store.write_notes_commit(snap.notes_tip, blobs, msg, when)
    return RefUpdate(layout.notes_ref(snap.model), snap.notes_tip, commit)


def annotate_version(
    store: Store, model: str, version: str, action: str, detail: str, change: NoteChange,
    check: Optional[Callable[[ModelSnapshot], None]] = None, when: Optional[float] = None,
) -> bool:
    """Apply `change` to one version's note; False when nothing changed.

    `when` (epoch; default now) dates the notes commit: imports keep the original time.
    """

    def attempt() -> bool:
        snap = ModelSnapshot.load(store, model)
        target = snap.commit_of(version).id
        if check is not None:
            check(snap)
        at = time.time() if when is None else when
        update = notes_update(
            snap, {target: (f"{model}/{version}", change)},
            message(action, model, [version], detail, at), at,
        )
        if update is None:
            return False
        store.update_refs([update], f"gitreg: {action} {model} {version}")
        return True

    return retrying(attempt, f"{action} {model} {version}")


def preview_version(store: Store, model: str, version: str, action: str, detail: str, change: NoteChange,
                    check: Optional[Callable[[ModelSnapshot], None]] = None,
                    sync_remote: Optional[str] = None) -> Preview:
    """What annotate_version() would record now, from the local refs; nothing is written."""
    snap = ModelSnapshot.load(store, model)
    target = snap.commit_of(version).id
    if check is not None:
        check(snap)
    current = snap.note(target, f"{model}/{version}")
    new = change(dict(current))
    title = f"{action} {model} {version}: {detail}"
    if new == current:
        return Preview(title, [], {}, effects=["nothing: the note already says so"])
    refs = [(layout.notes_ref(model), "created: the model's notes" if snap.notes_tip is None
             else "moves to a new notes commit")]
    files = {f"note on {model}/{version} (commit {str(target)[:12]})": yamlio.dump(new).decode()}
    return Preview(title, refs, files, effects=[f"published to {sync_remote} at once"] if sync_remote else [])


def annotate_model(store: Store, model: str, action: str, detail: str, change: NoteChange) -> bool:
    def attempt() -> bool:
        snap = ModelSnapshot.load(store, model)
        when = time.time()
        update = notes_update(
            snap, {snap.root_commit().id: (f"model {model}", change)},
            message(action, model, [], detail, when), when,
        )
        if update is None:
            return False
        store.update_refs([update], f"gitreg: {action} {model}")
        return True

    return retrying(attempt, f"{action} {model}")
