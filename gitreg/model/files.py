"""Where a version's files live, and their sha256/size when readable at registration.

A directory (a LoRA adapter is usually one) is hashed as the sha256 of its
listing: one line `<relative path>\\0<sha256 of the file>\\n` per file, sorted by
path; its size is the sum of its files' sizes; each file is also recorded in
`contents:`. Only regular files (or symlinks to them) and directories of them are
accepted: a FIFO, socket or device would block or hash as empty, and a directory
with unreadable parts would be recorded without them, so both are refused.

With an object sink (the registry's LFS store) every file is copied in the kernel
and the copy is hashed as it lands, one read per file (or reflinked where the file
system can), never hard linked: a later in-place write to the user's file would
change the stored bytes. A file whose stat changes while it is read is refused.
"""
from __future__ import annotations

import hashlib
import os
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Protocol

from gitreg.core.errors import InvalidValueError
from gitreg.core.file_records import ContentFile
from gitreg.core.records import ArtifactFile
from gitreg.core.urls import has_scheme
from gitreg.model.cards import MAX_CARD_BYTES

_CHUNK = 1 << 20


class GitregWarning(UserWarning):
    """Something recorded as given that the user may want to know about."""


class HashProgress(Protocol):
    def begin(self, label: str, total_bytes: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def end(self) -> None: ...


class ObjectWriter(Protocol):
    """A new stored object (store.ingest.NewObject): `store` copies the source in and returns
    (sha256, size) of the bytes it then holds; `commit(oid)` puts it in place under that name."""
    def store(self, source_fd: int, progress: Optional[HashProgress]) -> tuple[str, int]: ...
    def commit(self, oid: str) -> Path: ...
    def abort(self) -> None: ...


Sink = Callable[[], ObjectWriter]


@dataclass
class Planned:
    """A local artifact checked (kinds of file, readable directories) before a byte is read."""
    role: str
    path: Path
    files: list[tuple[str, Path]] = field(default_factory=list)  # (relative posix path, file)
    is_dir: bool = False

    @property
    def total_bytes(self) -> int:
        return sum(f.stat().st_size for _, f in self.files)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def _regular(role: str, path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InvalidValueError(f"{role} path {path} cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise InvalidValueError(f"{role} path {path} is {_kind(mode)}: only regular files and directories are recorded")


def _walk(role: str, root: Path) -> list[tuple[str, Path]]:
    def refuse(exc: OSError) -> None:
        raise InvalidValueError(
            f"{role} directory {root} has a part that cannot be read ({exc.filename}: {exc.strerror}); "
            "fix its permissions or leave it out"
        )

    out = []
    for here, dirs, files in os.walk(root, onerror=refuse):
        for d in dirs:
            if os.path.islink(os.path.join(here, d)):
                raise InvalidValueError(
                    f"{role} directory {root} holds a symlink to a directory ({Path(here, d)}), which is not followed"
                )
        dirs.sort()
        for name in sorted(files):
            f = Path(here) / name
            _regular(role, f)
            if not os.access(f, os.R_OK):
                raise InvalidValueError(f"{role} directory {root} has a file that cannot be read: {f}")
            out.append((f.relative_to(root).as_posix(), f))
    return sorted(out)


def plan(role: str, location: object, must_exist: bool = False) -> Planned | ArtifactFile:
    """A local path checked and listed, or the files: entry as given (a URI, a missing path).
    `must_exist` (the bytes are to be stored): a missing path is refused, not recorded."""
    if not isinstance(location, (str, os.PathLike)) or not str(location).strip():
        raise InvalidValueError(f"{role} path must be a non-empty path or URI, got {location!r}")
    text = str(location)
    if "\n" in text or "\0" in text:
        raise InvalidValueError(f"{role} path must not contain a newline or NUL byte")
    if has_scheme(text):
        return ArtifactFile(role=role, path=text)
    path = Path(text).expanduser()
    if not path.exists():
        if must_exist:
            raise InvalidValueError(f"{role} path {text} does not exist here, so its bytes cannot be stored "
                                    "(--store); nothing was registered")
        warnings.warn(
            f"{role} path {text} does not exist here; recorded as given, without a hash, "
            "in a version that cannot be changed later",
            GitregWarning,
            stacklevel=4,
        )
        return ArtifactFile(role=role, path=text)
    path = path.resolve()
    if path.is_dir():
        return Planned(role, path, _walk(role, path), is_dir=True)
    _regular(role, path)
    return Planned(role, path, [(path.name, path)])


def _open_regular(role: str, path: Path) -> int:
    """Open without blocking (a FIFO swapped in after the check opens at once) and re-check its kind."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        raise InvalidValueError(f"{role} path {path} cannot be read: {exc.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise InvalidValueError(f"{role} path {path} is {_kind(mode)}: only regular files and directories are recorded")
    return fd


def _hash_fd(fd: int, progress: Optional[HashProgress]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    while n := os.readv(fd, [view]):
        digest.update(view[:n])
        size += n
        if progress is not None:
            progress.advance(n)
    return digest.hexdigest(), size


def _unchanged(before: os.stat_result, after: os.stat_result, size: int) -> bool:
    """The file was not written to while it was read (any write moves mtime or ctime)."""
    return (before.st_size == after.st_size == size and before.st_mtime_ns == after.st_mtime_ns
            and before.st_ctime_ns == after.st_ctime_ns)


def _sha256(role: str, path: Path, progress: Optional[HashProgress], sink: Optional[Sink]) -> tuple[str, int]:
    """(sha256, size) in one read; with a sink the bytes are stored under that sha256 as well.

    A file written to meanwhile (a training run still saving it) is refused: its hash
    would match no state of the file, and nothing is stored."""
    fd = _open_regular(role, path)
    writer = None
    try:
        before = os.fstat(fd)
        if sink is not None:
            writer = sink()
            oid, size = writer.store(fd, progress)
        else:
            oid, size = _hash_fd(fd, progress)
        if not _unchanged(before, os.fstat(fd), size):
            raise InvalidValueError(
                f"{role} path {path} changed while it was being {'stored' if writer else 'hashed'}: "
                "register it again once it is complete"
            )
        if writer is not None:
            writer.commit(oid)
            writer = None
        return oid, size
    except OSError as exc:
        raise InvalidValueError(f"{role} path {path} could not be read or stored: {exc.strerror}") from None
    finally:
        os.close(fd)
        if writer is not None:
            writer.abort()


def describe_planned(planned: Planned, progress: Optional[HashProgress] = None,
                     sink: Optional[Sink] = None) -> ArtifactFile:
    """Hash (and with a sink, store) a planned artifact: its files: entry."""
    if progress is not None:
        progress.begin(planned.path.name, planned.total_bytes)
    try:
        if not planned.is_dir:
            sha, size = _sha256(planned.role, planned.path, progress, sink)
            return ArtifactFile(role=planned.role, path=str(planned.path), sha256=sha, size_bytes=size,
                                stored="lfs" if sink else None)
        listing = hashlib.sha256()
        contents = []
        for rel, f in planned.files:
            sha, size = _sha256(planned.role, f, progress, sink)
            listing.update(f"{rel}\0{sha}\n".encode())
            contents.append(ContentFile(rel, sha, size))
        return ArtifactFile(role=planned.role, path=str(planned.path), sha256=listing.hexdigest(),
                            size_bytes=sum(c.size_bytes for c in contents), contents=contents,
                            stored="lfs" if sink else None)
    finally:
        if progress is not None:
            progress.end()


def hash_path(path: Path, progress: Optional[HashProgress] = None) -> tuple[str, int]:
    """(sha256, size_bytes) of a file, or of a directory by its listing (module doc)."""
    got = describe_planned(_plan_existing(path), progress)
    return str(got.sha256), int(got.size_bytes or 0)


def _plan_existing(path: Path) -> Planned:
    planned = plan("file", str(path))
    if not isinstance(planned, Planned):
        raise FileNotFoundError(2, "No such file or directory", str(path))
    return planned


def contents_of(path: Path) -> dict[str, tuple[str, int]]:
    """{relative path: (sha256, size)} of a directory's files (what verify compares with `contents:`)."""
    got = describe_planned(_plan_existing(path))
    return {c.path: (c.sha256, c.size_bytes) for c in got.contents or []}


def describe(role: str, location: str, progress: Optional[HashProgress] = None) -> ArtifactFile:
    """The files: entry for one artifact; local paths are made absolute and hashed."""
    planned = plan(role, location)
    return planned if isinstance(planned, ArtifactFile) else describe_planned(planned, progress)


def read_card(card: os.PathLike) -> bytes:
    """A model card file: a regular file of at most MAX_CARD_BYTES."""
    path = Path(card)
    fd = _open_regular("model card", path)
    try:
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_CARD_BYTES + 1)
    except OSError as exc:
        raise InvalidValueError(f"cannot read model card {path}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_CARD_BYTES:
        raise InvalidValueError(f"model card {path} is larger than {MAX_CARD_BYTES // 1024} KiB")
    return data
