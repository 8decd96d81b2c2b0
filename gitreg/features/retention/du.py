"""Storage accounting (`gitreg du`): bytes of stored files per model, version and role.

Identical files are one LFS object, so totals count each object once: a model's total
counts its shared files once, the registry's total counts files shared across models
once. `here` is what the local LFS store holds of it (not yet fetched, or purged: less).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from gitreg.features.retention.gc import stored_items
from gitreg.git import lfs
from gitreg.git.refs import layout
from gitreg.git.repository import Store
from gitreg.model.snapshot import READ_ERRORS, ModelSnapshot, model_names


@dataclass(frozen=True)
class Row:
    model: str
    version: str
    role: str
    files: int
    bytes: int  # as registered, each object of this row once
    here: int  # of those, bytes in the local store


@dataclass
class Usage:
    rows: list[Row] = field(default_factory=list)
    models: dict[str, tuple[int, int]] = field(default_factory=dict)  # model -> (bytes, here), objects once
    total: int = 0  # every object once, across models
    here: int = 0


def usage(store: Optional[Store], model: Optional[str] = None) -> Usage:
    out = Usage()
    if store is None:
        return out
    git_dir = store.git_dir()
    everything: dict[str, int] = {}
    for name in [model] if model is not None else model_names(store):
        snap = ModelSnapshot.load(store, name)
        objects: dict[str, int] = {}
        for version in snap.versions_sorted():
            by_role: dict[str, dict[str, int]] = {}
            try:
                items = stored_items(snap.stored(version))
            except READ_ERRORS as exc:  # one bad version is a problem, the rest is counted
                store.problems.add(layout.tag_ref(name, version), exc)
                continue
            for path, oid, size in items:
                by_role.setdefault(path.split("/", 1)[0], {})[oid] = size
            for role, found in sorted(by_role.items()):
                here = sum(s for o, s in found.items() if lfs.has_object(git_dir, o, s))
                out.rows.append(Row(name, version, role, len(found), sum(found.values()), here))
                objects.update(found)
        out.models[name] = (sum(objects.values()),
                            sum(s for o, s in objects.items() if lfs.has_object(git_dir, o, s)))
        everything.update(objects)
    out.total = sum(everything.values())
    out.here = sum(s for o, s in everything.items() if lfs.has_object(git_dir, o, s))
    return out
