"""Copying a file while hashing the copy: one read of the source, and the digest is of
the bytes that were written.

The copy is made in the kernel: a reflink where the file system shares blocks
(btrfs, XFS), else copy_file_range(2) in a second thread, while this thread hashes the
destination's pages as they land (the page cache is shared, so the disk is read once).
Hashing the copy rather than the source means a source that changes during the copy
can never give a stored object whose bytes differ from its name; the caller compares
the source's stat before and after to refuse such a copy (gitreg.model.files).

Why not write from Python buffers: on this project's machines write(2) from user
memory into the page cache cost 5x the CPU of the kernel copy and serialised with the
hash (benchmarks/RESULTS.md, 'Stored artifacts'). Where copy_file_range is refused (an
old kernel, a file system without it) the bytes go through one reusable buffer:
read, written, and hashed from that same buffer.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import threading
from dataclasses import dataclass
from typing import Optional, Protocol

_FICLONE = 0x40049409  # Linux ioctl: reflink (btrfs, XFS, ...): shares blocks, copy-on-write
_COPY_STEP = 8 << 20  # bytes per copy_file_range call: the hash starts after the first step
_HASH_STEP = 1 << 20  # bytes per read of the copy: one reusable buffer
# how far the copy may run ahead of the hash: the pages not yet hashed stay in the page
# cache however large the file (the kernel copy is faster than sha256)
_MAX_AHEAD = 256 << 20
# copy_file_range refused for this pair of files (not an I/O error): copy through a buffer
_UNSUPPORTED = {errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL, errno.EBADF, errno.EPERM,
                getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)}


class Progress(Protocol):
    def advance(self, n: int) -> None: ...


@dataclass(frozen=True)
class Copied:
    """What was written to the destination: its sha256 and size (read back from it, not from the source)."""
    sha256: str
    size: int


def reflink(src: int, dst: int) -> bool:
    """Share the source's blocks instead of copying (file systems that can); False: copy."""
    try:
        fcntl.ioctl(dst, _FICLONE, src)
        return True
    except OSError:
        return False


def copy_hashing(src: int, dst: int, progress: Optional[Progress] = None) -> Copied:
    """Copy all of `src` into the empty file `dst` (opened for reading and writing) and hash
    what `dst` then holds. Offsets are explicit: neither fd's position matters."""
    if reflink(src, dst):
        return _hash_written(dst, _Done(os.fstat(dst).st_size), progress)
    try:
        first = os.copy_file_range(src, dst, _COPY_STEP, 0, 0)
    except OSError as exc:
        if exc.errno not in _UNSUPPORTED:
            raise
        return _through_buffer(src, dst, progress)
    if first == 0 and os.fstat(src).st_size > 0:  # some file systems copy nothing rather than refuse
        return _through_buffer(src, dst, progress)
    copier = _Copier(src, dst, first)
    try:
        return _hash_written(dst, copier, progress)
    finally:
        copier.stop()


def copy(src: int, dst: int) -> None:
    """Copy all of `src` into the empty file `dst` without hashing (an object already checked):
    a reflink, else the kernel's copy, else through a buffer where the kernel refuses."""
    if reflink(src, dst):
        return
    pos = 0
    try:
        while n := os.copy_file_range(src, dst, _COPY_STEP, pos, pos):
            pos += n
    except OSError as exc:
        if exc.errno not in _UNSUPPORTED:
            raise
        pos = -1
    if pos < os.fstat(src).st_size:  # refused, or copied nothing rather than refuse: offsets are explicit
        _through_buffer(src, dst, None)


class _Done:
    """A copy already complete (a reflink): everything up to `size` may be hashed."""

    def __init__(self, size: int) -> None:
        self.size = size

    def wait_beyond(self, pos: int) -> int:
        return self.size


class _Copier:
    """copy_file_range in a thread (the kernel releases the GIL); `wait_beyond` hands the
    hashing thread how far the copy has got."""

    def __init__(self, src: int, dst: int, copied: int) -> None:
        self._src, self._dst = src, dst
        self._copied = copied
        self._hashed = 0
        self._finished = copied == 0
        self._error: Optional[BaseException] = None
        self._stopping = False
        self._cv = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="gitreg-store-copy", daemon=True)
        if not self._finished:
            self._thread.start()

    def _run(self) -> None:
        offset = self._copied
        try:
            while True:
                with self._cv:
                    while offset - self._hashed > _MAX_AHEAD and not self._stopping:
                        self._cv.wait()
                if self._stopping:
                    break
                n = os.copy_file_range(self._src, self._dst, _COPY_STEP, offset, offset)
                if n == 0:
                    break
                offset += n
                with self._cv:
                    self._copied = offset
                    self._cv.notify_all()
        except BaseException as exc:  # handed to the hashing thread
            self._error = exc
        finally:
            with self._cv:
                self._finished = True
                self._cv.notify_all()

    def wait_beyond(self, pos: int) -> int:
        """How far the copy has got, once that is beyond `pos` (hashed so far) or the copy has ended."""
        with self._cv:
            self._hashed = pos
            self._cv.notify_all()
            while self._copied <= pos and not self._finished:
                self._cv.wait()
            if self._error is not None:
                raise self._error
            return self._copied

    def stop(self) -> None:
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        if self._thread.is_alive():
            self._thread.join()


def _hash_written(dst: int, copy: "_Done | _Copier", progress: Optional[Progress]) -> Copied:
    digest = hashlib.sha256()
    buf = bytearray(_HASH_STEP)
    view = memoryview(buf)
    pos = 0
    while (end := copy.wait_beyond(pos)) > pos:
        end = min(end, pos + _COPY_STEP)  # back often to say how far: the copy waits beyond _MAX_AHEAD
        while pos < end:
            n = os.preadv(dst, [view[:min(_HASH_STEP, end - pos)]], pos)
            if n == 0:
                raise OSError(errno.EIO, "the copy is shorter than what was written to it")
            digest.update(view[:n])
            pos += n
            if progress is not None:
                progress.advance(n)
    return Copied(digest.hexdigest(), pos)


def _through_buffer(src: int, dst: int, progress: Optional[Progress]) -> Copied:
    digest = hashlib.sha256()
    buf = bytearray(_HASH_STEP)
    view = memoryview(buf)
    pos = 0
    while n := os.preadv(src, [view], pos):
        chunk = view[:n]
        done = 0
        while done < n:
            done += os.pwrite(dst, chunk[done:], pos + done)
        digest.update(chunk)
        pos += n
        if progress is not None:
            progress.advance(n)
    return Copied(digest.hexdigest(), pos)
