"""Getting a version's files: `gitreg get` / `gitreg path` and their API.

Stored files come from the registry's LFS store, downloaded first (only that
version's objects, only the roles asked for) when they are not here. Every object's
sha256 is checked before it is handed out. By default the files are not copied: a
per-version snapshot directory of links into the store is made in the cache,

    ${XDG_CACHE_HOME:-~/.cache}/gitreg/<registry>/snapshots/<commit>/<role>/<name>
    ${XDG_CACHE_HOME:-~/.cache}/gitreg/<registry>/refs/<model>/<version>   (its commit)

(the store is the content-addressed blob directory), so a second get costs a few
stat calls. With a destination directory the files are copied there, checked while
copying. A file that was not stored but whose recorded local path exists with its
recorded sha256 is used from there.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pygit2

from gitreg.core.errors import GitregError, InvalidValueError, RemoteError
from gitreg.core.file_records import ContentFile
from gitreg.core.records import ArtifactFile, ModelVersion
from gitreg.core.urls import has_scheme
from gitreg.features.artifacts import place, tree
from gitreg.git import config as gitconfig
from gitreg.git import lfs
from gitreg.git.repository import Store
from gitreg.git.transport import remote as transport
from gitreg.model.files import contents_of, hash_path

_GLOB_CHARS = re.compile(r"[*?\[\]{},\\!#]")


class NotAvailable(GitregError):
    """A version's file whose bytes cannot be had on this machine."""


STORE_KEY = "gitreg.store"


def store_default(store: Optional[Store]) -> bool:
    """git config gitreg.store (the registry's, else the user's): store files unless --no-store."""
    try:
        config = store.config() if store is not None else gitconfig.read_user()
        return config is not None and STORE_KEY in config and config.get_bool(STORE_KEY)
    except (KeyError, OSError, pygit2.GitError, ValueError):
        return False


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "gitreg"


def registry_cache(registry: Path) -> Path:
    """This registry's cache directory: a readable name plus a hash of its absolute path."""
    absolute = str(registry.resolve())
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", registry.name).strip("-.")[-40:] or "registry"
    return cache_root() / f"{slug}-{hashlib.sha256(absolute.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class Item:
    """One stored file to place: its path below artifacts/ (role first), object and size."""
    parts: tuple[str, ...]
    oid: str
    size: int


def _where(v: ModelVersion) -> str:
    return f"{v.model_name}/{v.version}:manifest.yaml"


def _select(v: ModelVersion, role: Optional[str], name: Optional[str] = None) -> list[ArtifactFile]:
    chosen = [f for f in v.files if (role is None or f.role == role)
              and (name is None or Path(f.path.replace("\\", "/")).name == name)]
    if not chosen and name is not None:
        raise NotAvailable(f"{v.model_name} {v.version} has no {role + ' ' if role else ''}file named {name}")
    if not chosen:
        roles = ", ".join(sorted({f.role for f in v.files})) or "none"
        what = f"no {role} file" if role else "no files"
        raise NotAvailable(f"{v.model_name} {v.version} has {what} (roles: {roles})")
    return chosen


def _fetch_remote(store: Store) -> str:
    name = transport.sync_remote(store.config())
    if name:
        return name
    known = list(transport.remotes(store.repo))
    if len(known) == 1:
        return known[0]
    raise NotAvailable(
        "the stored files are not downloaded here and the registry has "
        + ("no remote to fetch them from" if not known else f"several remotes ({', '.join(known)}) and no sync remote")
    )


def _include(entry: ArtifactFile, v: ModelVersion) -> str:
    """The --include path of one entry for git lfs fetch (its role directory when the name would be a glob)."""
    name = tree.basename(entry, _where(v))
    if _GLOB_CHARS.search(name):
        return f"{tree.ROOT}/{entry.role}"
    return f"{tree.ROOT}/{entry.role}/{name}"


def ensure_objects(store: Store, v: ModelVersion, entries: list[ArtifactFile], items: list[Item],
                   progress: bool = False) -> None:
    """Download the objects of `items` that are not in the local store (only those entries' paths)."""
    git_dir = store.git_dir()
    missing = [i for i in items if not lfs.has_object(git_dir, i.oid, i.size)]
    if not missing:
        return
    remote = _fetch_remote(store)
    includes = sorted({_include(e, v) for e in entries})
    lfs.fetch_objects(git_dir, remote, v.commit, includes, progress=progress)
    still = [i for i in missing if not lfs.has_object(git_dir, i.oid, i.size)]
    if still:
        raise RemoteError(
            f"{remote} does not have {len(still)} stored file(s) of {v.model_name} {v.version} "
            f"(first: {'/'.join(still[0].parts)}): were they pushed from the registry that stored them?"
        )


def _local_source(v: ModelVersion, entry: ArtifactFile) -> Path:
    """A file that was not stored: its recorded path, when it is here with the recorded sha256."""
    label = f"{v.model_name} {v.version} {entry.role} file {entry.path}"
    if has_scheme(entry.path):
        raise NotAvailable(f"{label}: not stored in the registry; it is a URI, fetch it from there")
    if not entry.sha256:
        raise NotAvailable(f"{label}: not stored in the registry and no sha256 was recorded, so it cannot be checked")
    path = Path(entry.path)
    if not path.exists():
        raise NotAvailable(f"{label}: not stored in the registry (registered without --store) and not on this machine")
    try:
        sha, _ = hash_path(path)
    except (OSError, GitregError) as exc:
        raise NotAvailable(f"{label}: not stored, and the local copy cannot be read: {exc}") from None
    if sha != entry.sha256:
        raise NotAvailable(f"{label}: not stored, and the local copy has changed since registration (sha256 differs)")
    return path


def _check_objects(git_dir: Path, items: list[Item], progress) -> None:
    """Hash every object not known to be unchanged since it was last hashed (storage.lfs)."""
    for item in items:
        if lfs.is_checked(git_dir, item.oid):
            continue
        if progress is not None:
            progress.begin(item.parts[-1], item.size)
        try:
            got = lfs.object_sha256(git_dir, item.oid, progress)
        finally:
            if progress is not None:
                progress.end()
        if got != item.oid:
            raise place.CorruptObject(lfs.object_path(git_dir, item.oid), item.oid, got)
        lfs.mark_checked(git_dir, item.oid)


def _snapshot(store: Store, v: ModelVersion, entry: ArtifactFile, items: list[Item], progress) -> Path:
    """The cache's snapshot of one stored entry (made once: links into the store)."""
    root = registry_cache(store.path)
    snap = root / "snapshots" / v.commit
    name = tree.basename(entry, _where(v))
    result = snap / entry.role / name
    git_dir = store.git_dir()

    def intact() -> bool:
        for item in items:
            link = snap.joinpath(*item.parts)
            try:
                if not link.is_symlink() or link.stat().st_size != item.size \
                        or not lfs.is_checked(git_dir, item.oid):  # changed since: hash again
                    return False
            except OSError:
                return False
        return True

    if not intact():
        _check_objects(git_dir, items, progress)
        for item in items:
            place.link(lfs.object_path(git_dir, item.oid).resolve(), snap, item.parts)
    refs = root / "refs" / v.model_name
    refs.mkdir(parents=True, exist_ok=True)
    (refs / v.version).write_text(v.commit + "\n")
    return result


def _fetched(store: Store, v: ModelVersion, entries: list[ArtifactFile],
             transfer_progress: bool) -> list[tuple[ArtifactFile, Optional[list[Item]]]]:
    """[(entry, its stored objects or None when not stored)], the objects downloaded when not here."""
    plan = [(e, [Item(*x) for x in tree.layout(e, _where(v))] if e.stored == "lfs" else None) for e in entries]
    stored = [(e, items) for e, items in plan if items is not None]
    if stored:  # git-lfs is needed only when something must be downloaded
        items = [i for _, items in stored for i in items]
        try:
            ensure_objects(store, v, [e for e, _ in stored], items, transfer_progress)
        except GitregError:
            _say_purged(store, v, items)
            raise
    return plan


def get_files(store: Optional[Store], v: ModelVersion, dest: Optional[Path] = None, role: Optional[str] = None,
              *, name: Optional[str] = None, progress=None, transfer_progress: bool = False) -> list[Path]:
    """The local paths of a version's files (of one role, of one name), fetched and checked (module doc)."""
    if store is None:
        raise NotAvailable("the registry does not exist")
    entries = _select(v, role, name)
    if dest is not None and dest.exists() and not dest.is_dir():  # said before any download
        raise place.UnsafeDestination(f"cannot write files into {dest}: it is a file, not a directory")
    plan = _fetched(store, v, entries, transfer_progress)
    out: list[Path] = []
    for entry, items in plan:
        if items is None:
            source = _local_source(v, entry)
            out.append(source if dest is None else _copy_local(source, dest, entry, v, progress))
        elif dest is None:
            out.append(_snapshot(store, v, entry, items, progress))
        else:
            _check_objects(store.git_dir(), items, progress)  # before anything is placed
            for item in items:
                place.copy_fast(lfs.object_path(store.git_dir(), item.oid), dest, item.parts)
            out.append(dest / entry.role / tree.basename(entry, _where(v)))
    return out


def _say_purged(store: Store, v: ModelVersion, items: list[Item]) -> None:
    """Raise NotAvailable naming the purge when a missing object's bytes were purged (gitreg gc)."""
    purged = {p.sha256: p for p in v.purged}
    for item in items:
        p = purged.get(item.oid)
        if p is not None and not lfs.has_object(store.git_dir(), item.oid, item.size):
            raise NotAvailable(f"{v.model_name} {v.version} {'/'.join(item.parts)}: bytes purged on "
                               f"{p.purged_at[:10]} by {p.purged_by} ({p.reason})")


def _copy_local(source: Path, dest: Path, entry: ArtifactFile, v: ModelVersion, progress) -> Path:
    """A not-stored file taken from its recorded path (checked by _local_source) into dest."""
    name = tree.basename(entry, _where(v))
    if source.is_dir():
        recorded = entry.contents
        if recorded is None:  # registered before `contents:`: the listing matched, take its files
            recorded = [ContentFile(rel, sha, size) for rel, (sha, size) in contents_of(source).items()]
        for c in recorded:
            parts = (entry.role, name) + tree.safe_parts(c.path, _where(v))
            place.copy_checked(source / c.path, dest, parts, c.sha256, progress)
    else:
        place.copy_checked(source, dest, (entry.role, name), str(entry.sha256), progress)
    return dest / entry.role / name


def one_path(store: Optional[Store], v: ModelVersion, role: Optional[str], name: Optional[str], **kw) -> Path:
    """The single file `path` prints: by role, and by name when a role has several (only it is fetched)."""
    entries = _select(v, role, name)
    if len(entries) == 1:
        return get_files(store, v, role=role, name=name, **kw)[0]
    names = ", ".join(Path(e.path).name for e in entries)
    hint = "--name NAME" if role else "--role ROLE (and --name NAME)"
    what = f"{role} files" if role else "files"
    raise InvalidValueError(f"{v.model_name} {v.version} has several {what} ({names}): pick one with {hint}")


@dataclass(frozen=True)
class Source:
    """One file of a version as another layout places it: its path below the entry's own name
    (empty for a single file), where its bytes are now, and whether they are already checked."""
    entry: ArtifactFile
    parts: tuple[str, ...]
    path: Path
    sha256: str
    checked: bool


def sources(store: Optional[Store], v: ModelVersion, role: Optional[str] = None, *, progress=None,
            transfer_progress: bool = False) -> list[Source]:
    """Every file of a version (of one role), downloaded and stored objects checked: for the
    exporters (HF layout, OCI) that place them differently from `get -o`."""
    if store is None:
        raise NotAvailable("the registry does not exist")
    entries = _select(v, role)
    out: list[Source] = []
    for entry, items in _fetched(store, v, entries, transfer_progress):
        if items is not None:
            _check_objects(store.git_dir(), items, progress)
            out += [Source(entry, i.parts[2:], lfs.object_path(store.git_dir(), i.oid), i.oid, True) for i in items]
            continue
        local = _local_source(v, entry)
        if not local.is_dir():
            out.append(Source(entry, (), local, str(entry.sha256), False))
            continue
        recorded = entry.contents
        if recorded is None:
            recorded = [ContentFile(rel, sha, size) for rel, (sha, size) in contents_of(local).items()]
        out += [Source(entry, tree.safe_parts(c.path, _where(v)), local / c.path, c.sha256, False) for c in recorded]
    return out
