"""Storing while hashing: the kernel copy, its fallback, and a source that changes meanwhile.

Real files throughout; a source "still being written" is modified for real from the
progress callback, which runs while the copy is being hashed.
"""
from __future__ import annotations

import hashlib
import os
import subprocess

import pytest

from gitreg.core.errors import InvalidValueError
from gitreg.features.artifacts import copyhash
from tests.features.artifacts.conftest import lfs_object, sha256_of

STEP = copyhash._COPY_STEP


def _copy(tmp_path, data: bytes, flags: int = 0):
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    src.write_bytes(data)
    with open(src, "rb") as fh:
        out = os.open(dst, os.O_RDWR | os.O_CREAT | os.O_EXCL | flags, 0o644)
        try:
            got = copyhash.copy_hashing(fh.fileno(), out)
        finally:
            os.close(out)
    return got, dst.read_bytes()


@pytest.mark.parametrize("size", [0, 1, STEP, STEP + 1, 2 * STEP + 12345])
def test_the_copy_holds_the_bytes_and_its_hash_is_theirs(tmp_path, size):
    data = os.urandom(size)
    got, written = _copy(tmp_path, data)
    assert written == data
    assert (got.sha256, got.size) == (hashlib.sha256(data).hexdigest(), size)


def test_a_copy_held_back_by_the_hash_is_still_whole(tmp_path, monkeypatch):
    # the copy runs at most _MAX_AHEAD beyond the hash (pages not yet hashed stay cached):
    # with a bound of one step it waits for the hash at every step
    monkeypatch.setattr(copyhash, "_MAX_AHEAD", STEP)
    data = os.urandom(5 * STEP + 3)
    got, written = _copy(tmp_path, data)
    assert written == data
    assert (got.sha256, got.size) == (hashlib.sha256(data).hexdigest(), len(data))


def test_where_copy_file_range_is_refused_the_bytes_go_through_a_buffer(tmp_path):
    # copy_file_range(2) refuses a destination opened O_APPEND (EBADF): the buffered path
    out = os.open(tmp_path / "probe", os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    src = tmp_path / "one"
    src.write_bytes(b"x")
    with open(src, "rb") as fh, pytest.raises(OSError):
        os.copy_file_range(fh.fileno(), out, 1)
    os.close(out)
    data = os.urandom(STEP + 777)
    got, written = _copy(tmp_path, data, os.O_APPEND)
    assert written == data
    assert (got.sha256, got.size) == (hashlib.sha256(data).hexdigest(), len(data))


@pytest.mark.parametrize("flags", [0, os.O_APPEND], ids=["kernel copy", "refused: buffer"])
def test_a_checked_object_is_copied_whole_without_hashing(tmp_path, flags):
    """copyhash.copy (get -o of an object already checked): the kernel's copy, or a buffer
    where copy_file_range is refused (an O_APPEND destination)."""
    data = os.urandom(2 * STEP + 99)
    (tmp_path / "src").write_bytes(data)
    out = os.open(tmp_path / "dst", os.O_RDWR | os.O_CREAT | os.O_EXCL | flags, 0o644)
    try:
        with open(tmp_path / "src", "rb") as fh:
            copyhash.copy(fh.fileno(), out)
    finally:
        os.close(out)
    assert (tmp_path / "dst").read_bytes() == data


class _WriteWhileHashing:
    """A progress bar that, at its first step, writes to the file being registered."""

    def __init__(self, path, change) -> None:
        self.path, self.change, self.steps = path, change, 0

    def begin(self, label: str, total_bytes: int) -> None:
        pass

    def advance(self, n: int) -> None:
        self.steps += 1
        if self.steps == 1:
            with open(self.path, "r+b") as fh:
                self.change(fh)

    def end(self) -> None:
        pass


def _overwrite(fh) -> None:
    fh.seek(0)
    fh.write(b"changed!")


def _append(fh) -> None:
    fh.seek(0, os.SEEK_END)
    fh.write(b"more")


def _truncate(fh) -> None:
    fh.truncate(1000)


def _refs(git, registry_path) -> list[str]:
    """The registry's refs (none when nothing was ever written, not even the repository)."""
    return git(registry_path, "for-each-ref", "--format=%(refname)").split() if registry_path.exists() else []


def _big_file(tmp_path):
    big = tmp_path / "model.gguf"
    big.write_bytes(os.urandom(3 * STEP + 5))
    os.utime(big, ns=(10**18, 10**18))  # an mtime in the past: the write below moves it, whatever the clock tick
    return big


@pytest.mark.parametrize("change", [_overwrite, _append, _truncate])
def test_a_file_written_to_while_it_is_stored_is_refused_and_nothing_is_stored(reg, registry_path, tmp_path,
                                                                               git, change):
    big = _big_file(tmp_path)
    progress = _WriteWhileHashing(big, change)
    with pytest.raises(InvalidValueError, match="changed while it was being stored"):
        reg.register_model("majora", gguf_path=str(big), store=True, progress=progress)
    assert progress.steps >= 1
    lfs = registry_path / "lfs"
    assert [p for p in lfs.rglob("*") if p.is_file()] == []  # no object, no temporary left behind
    assert _refs(git, registry_path) == []
    # once the file is complete it registers, and its object is its bytes
    v = reg.register_model("majora", gguf_path=str(big), store=True)
    assert v.files[0].sha256 == sha256_of(big)
    assert lfs_object(registry_path, sha256_of(big)).read_bytes() == big.read_bytes()


def test_a_file_written_to_while_it_is_hashed_is_refused(reg, registry_path, tmp_path, git):
    big = _big_file(tmp_path)
    with pytest.raises(InvalidValueError, match="changed while it was being hashed"):
        reg.register_model("majora", gguf_path=str(big), progress=_WriteWhileHashing(big, _overwrite))
    assert _refs(git, registry_path) == []


def test_the_stored_object_is_not_a_hard_link_or_a_shared_inode(reg, registry_path, tmp_path):
    big = _big_file(tmp_path)
    reg.register_model("majora", gguf_path=str(big), store=True)
    obj = lfs_object(registry_path, sha256_of(big))
    assert obj.stat().st_ino != big.stat().st_ino and big.stat().st_nlink == 1
    # plain git-lfs agrees the object is the file (its own fsck hashes it)
    proc = subprocess.run(["git", f"--git-dir={registry_path}", "lfs", "fsck", "--objects", "majora/v1"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr + proc.stdout
