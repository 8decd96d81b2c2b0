"""Writing files below a directory without ever leaving it.

Every directory on the way is opened relative to its parent with O_NOFOLLOW, so a
symlink planted in the destination (`DIR/gguf -> /etc`) is refused instead of
followed; the file itself is written to a temporary name and renamed over the
final one, which replaces a symlink there rather than writing through it.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Callable, Optional, Sequence

from gitreg.core.errors import GitregError
from gitreg.features.artifacts import copyhash


class UnsafeDestination(GitregError):
    """A destination path would lead outside the directory (a symlink or a file in the way)."""


def open_dirs(root: Path, parts: Sequence[str]) -> int:
    """An fd of root/parts..., made as needed; refuses symlinks and non-directories on the way."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for i, part in enumerate(parts):
        try:
            os.mkdir(part, 0o755, dir_fd=fd)
        except FileExistsError:
            pass
        except OSError as exc:
            os.close(fd)
            raise UnsafeDestination(f"cannot make {root.joinpath(*parts[:i + 1])}: {exc.strerror}") from None
        try:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
        except OSError:
            os.close(fd)
            raise UnsafeDestination(
                f"{root.joinpath(*parts[:i + 1])} is a symlink or not a directory: refusing to write through it"
            ) from None
        os.close(fd)
        fd = inner
    return fd


def _temp_name() -> str:
    return f".gitreg-tmp-{os.getpid()}-{secrets.token_hex(4)}"


def _replace(dir_fd: int, tmp: str, name: str, where: Path) -> None:
    try:
        os.rename(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except OSError as exc:
        os.unlink(tmp, dir_fd=dir_fd)
        raise UnsafeDestination(f"cannot write {where}: {exc.strerror}") from None


def _write_file(root: Path, parts: Sequence[str], fill: Callable[[int], None]) -> Path:
    """root/parts written by `fill(fd)` into a temporary file, then renamed into place.
    An exception from `fill` leaves nothing behind."""
    dir_fd = open_dirs(root, parts[:-1])
    target = root.joinpath(*parts)
    tmp = _temp_name()
    try:
        out = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=dir_fd)
        try:
            fill(out)
        except BaseException:
            os.unlink(tmp, dir_fd=dir_fd)
            raise
        finally:
            os.close(out)
        _replace(dir_fd, tmp, parts[-1], target)
    finally:
        os.close(dir_fd)
    return target


def copy_checked(source: Path, root: Path, parts: Sequence[str], sha256: str, progress=None) -> Path:
    """Copy `source` to root/parts and hash the copy; a content that is not `sha256` is not placed."""
    def fill(out: int) -> None:
        with open(source, "rb") as fh:
            got = copyhash.copy_hashing(fh.fileno(), out, progress).sha256
        if got != sha256:
            raise CorruptObject(source, sha256, got)

    return _write_file(root, parts, fill)


def copy_fast(source: Path, root: Path, parts: Sequence[str]) -> Path:
    """Copy `source` (an object already checked) to root/parts: reflink, else in the kernel (copyhash.copy)."""
    def fill(out: int) -> None:
        with open(source, "rb") as fh:
            copyhash.copy(fh.fileno(), out)

    return _write_file(root, parts, fill)


def write_bytes(root: Path, parts: Sequence[str], data: bytes) -> Path:
    """root/parts holding `data` (a generated file: a model card, a signature)."""
    def fill(out: int) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(out, view):]

    return _write_file(root, parts, fill)


def link(target: Path, root: Path, parts: Sequence[str]) -> Path:
    """A symlink root/parts -> target (made fresh; replaces whatever link was there)."""
    dir_fd = open_dirs(root, parts[:-1])
    try:
        tmp = _temp_name()
        os.symlink(str(target), tmp, dir_fd=dir_fd)
        _replace(dir_fd, tmp, parts[-1], root.joinpath(*parts))
    finally:
        os.close(dir_fd)
    return root.joinpath(*parts)


class CorruptObject(GitregError):
    """Stored bytes whose sha256 is not the one recorded."""

    def __init__(self, path: Path, expected: str, got: Optional[str]) -> None:
        super().__init__(
            f"{path} is corrupt: sha256 {str(got)[:16]}…, recorded {expected[:16]}…; "
            "remove it and get the version again"
        )
        self.path = path
