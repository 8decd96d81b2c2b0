"""Where each file of a version goes in a directory gitreg writes, known from the manifest alone.

Two layouts: `gitreg` (what `get -o DIR` always wrote: `<role>/<name>[/<path in the directory>]`)
and `hf` (the Hugging Face one: every file at the top, a stored directory's files at their
own paths, so `from_pretrained(DIR)` finds `config.json`). Signing needs the paths and
sha256 values before any byte is read, so they come from the manifest, never from the files.
"""
from __future__ import annotations

from typing import Optional

from gitreg.core.errors import InvalidValueError
from gitreg.core.records import ArtifactFile, ModelVersion
from gitreg.features.artifacts import tree
from gitreg.git import lfs

LAYOUTS = ("gitreg", "hf")
CARD = "README.md"  # the model card the hf layout adds when no file of the version has that name


def check_layout(layout: str) -> str:
    if layout not in LAYOUTS:
        raise InvalidValueError(f"unknown layout {layout!r}: one of {', '.join(LAYOUTS)}")
    return layout


def target(entry: ArtifactFile, parts: tuple[str, ...], layout: str, where: str) -> tuple[str, ...]:
    """The path (parts) of one file of `entry` (`parts` below the entry's own name) in `layout`."""
    name = tree.basename(entry, where)
    if layout == "hf":
        return parts or (name,)
    return (entry.role, name) + parts


def manifest_files(v: ModelVersion, layout: str, role: Optional[str] = None) -> dict[str, tuple[str, Optional[int]]]:
    """{relative path: (sha256, size)} of every file of the version (of one role) in `layout`.

    Refuses a file without a recorded sha256, a directory registered before `contents:`
    was recorded, and two files landing on one path (name them apart with --role)."""
    where = f"{v.model_name}/{v.version}:manifest.yaml"
    out: dict[str, tuple[str, Optional[int]]] = {}
    owner: dict[str, str] = {}
    for entry in v.files:
        if role is not None and entry.role != role:
            continue
        if entry.contents is None:
            items = [((), entry.sha256, entry.size_bytes)]
        else:
            items = [(tree.safe_parts(c.path, where), c.sha256, c.size_bytes) for c in entry.contents]
        for parts, sha, size in items:
            path = "/".join(target(entry, parts, layout, where))
            if not lfs.is_oid(sha):
                raise InvalidValueError(
                    f"{v.model_name} {v.version} {entry.role} file {entry.path}: no sha256 recorded for {path} "
                    "(a directory registered before its contents were listed, or a URI)")
            if path in owner:
                raise InvalidValueError(
                    f"{v.model_name} {v.version}: {path} would come from both the {owner[path]} and the "
                    f"{entry.role} files in the {layout} layout; choose one with --role")
            owner[path] = entry.role
            out[path] = (str(sha), size)
    if not out:
        raise InvalidValueError(f"{v.model_name} {v.version} has no files{' of role ' + role if role else ''}")
    return out
