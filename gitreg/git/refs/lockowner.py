"""Who holds a ref lock, so a lock left by a dead gitreg process is broken without a human.

git's `<ref>.lock` files hold the new ref value, so they cannot say who made them. Before a
gitreg process takes ref locks it writes an owner record, `<gitdir>/gitreg-locks/<host>.<pid>.
<n>.json` (pid, host, boot id, process start time, the lock files it will take and, once
taken, their inodes), and holds an flock on it until the locks are released.

A lock is stale, and is removed, only when a record names it and the record's process is
provably gone: the record's flock can be taken (the kernel drops it when a process dies), the
record was written on this host in this boot, and no process with that pid and start time
exists. A lock no record names (taken by git, or by a gitreg on another host sharing the
directory) is never broken here: after STALE_LOCK_SECONDS the writer says which file to
check (transaction.retrying), and `gitreg doctor` reports it.

Breakers serialise on the record's flock, and a lock is only removed while its inode is the
one the dead owner recorded (or, if it died between creating the lock and recording it, a
lock made within seconds of the record), so a live writer's fresh lock is never removed.
"""
from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

DIR_NAME = "gitreg-locks"
# json.dumps's encoder without the check for cycles (a record is made of strs, numbers and flat
# dicts and lists: none can hold itself): the same text, a seventh fewer instructions a write
_ENCODER = json.JSONEncoder(check_circular=False)
_GRACE = 10.0  # seconds between writing a record and taking its locks, at the very most
_serial = itertools.count()


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _proc_stat(pid: int) -> Optional[list[str]]:
    """The fields after the command name in /proc/<pid>/stat (state first), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def _start_ticks(pid: int) -> Optional[str]:
    """The process's start time since boot (Linux /proc), or None when /proc cannot say."""
    fields = _proc_stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def _alive(pid: int, started: Optional[str]) -> bool:
    """False only when provably gone: no such pid, a zombie, or another process with its pid."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, another user's
    if not Path("/proc/self/stat").exists():
        return True  # no /proc: a live pid is all we can know
    fields = _proc_stat(pid)
    if fields is None:
        return False
    if fields[0] in ("Z", "X"):
        return False  # killed, not yet reaped: its locks are released by nobody
    return started is None or len(fields) <= 19 or fields[19] == started


@dataclass
class Owner:
    """This process's record while it holds (or is about to take) ref locks."""
    gitdir: Path
    locks: dict[str, Optional[int]] = field(default_factory=dict)  # lock path (relative) -> inode
    pending: dict[str, list] = field(default_factory=dict)  # ref -> [old hex | None, new hex]
    file: Optional[str] = None  # the record's path (text: what the os calls take; `path` as a Path)
    fd: Optional[int] = None
    created: float = 0.0
    _size: int = 0  # bytes of the record as last written (truncated only when it shrinks)
    where: str = ""  # gitdir as text (holding): a lock's path is joined to it without a Path's calls

    @property
    def path(self) -> Optional[Path]:
        """The record's path (None where it could not be written): made when asked for, which
        only a writer that finds a ref locked does (a Path costs a registration ~25k instructions)."""
        return None if self.file is None else Path(self.file)

    def _payload(self) -> bytes:
        """The record's JSON: this process's part (me()) encoded once per process."""
        pid = os.getpid()
        head = _me_json.get(pid)
        if head is None:
            _me_json.clear()
            head = _me_json[pid] = json.dumps(me())[:-1]  # '{"pid": ..., "started": ...' without '}'
        tail = _ENCODER.encode({"created": self.created, "locks": self.locks, "pending": self.pending})
        return f"{head}, {tail[1:]}".encode()

    def _write(self) -> None:
        if self.fd is not None:
            data = self._payload()
            os.pwrite(self.fd, data, 0)
            if len(data) < self._size:
                os.ftruncate(self.fd, len(data))
            self._size = len(data)

    def intend(self, pending: dict[str, list]) -> None:
        """Record the ref moves this writer is about to make: a breaker of its locks after
        it died completes them when it had made some (see transaction.finish_interrupted).
        (Writers that know them before taking locks pass them to holding(): one write less.)"""
        self.pending = pending
        with contextlib.suppress(OSError):
            self._write()

    def took(self, lock: Path | str, save: bool = True) -> None:
        """Record the inode of a lock just taken (the proof it is ours, for breakers); a str
        is relative to the git dir. With save=False it is only noted, for one save() after
        all the locks are taken: until then a breaker matches the lock by its age against
        the record's (as for a writer that died between taking a lock and recording it)."""
        rel = lock if isinstance(lock, str) else _rel(self.gitdir, lock)
        try:
            self.locks[rel] = os.stat(f"{self.where or self.gitdir}/{rel}").st_ino
            if save:
                self._write()
        except OSError:
            pass

    def save(self) -> None:
        """Write what took(save=False) noted."""
        with contextlib.suppress(OSError):
            self._write()


def _rel(gitdir: Path, lock: Path | str) -> str:
    """A lock's path relative to the git dir (a str is taken as relative already)."""
    return lock if isinstance(lock, str) else lock.relative_to(gitdir).as_posix()


_bases: dict[Path, tuple[str, str]] = {}  # gitdir -> (it, its record directory), as text


@contextlib.contextmanager
def holding(gitdir: Path, lock_files: list[Path] | list[str],
            pending: Optional[dict[str, list]] = None) -> Iterator[Owner]:
    """An owner record naming `lock_files` (paths, or strs relative to gitdir) and the ref
    moves `pending` (see Owner.intend), flocked for the duration; removed after. Where the
    record cannot be written (read-only dir), locking goes on without it."""
    texts = _bases.get(gitdir)
    if texts is None:
        if len(_bases) > 64:
            _bases.clear()
        texts = _bases[gitdir] = (str(gitdir), os.path.join(gitdir, DIR_NAME))
    where, base = texts
    owner = Owner(gitdir, {_rel(gitdir, p): None for p in lock_files}, pending or {}, created=time.time(),
                  where=where)
    try:
        owner.file = f"{base}/{_host()}.{os.getpid()}.{next(_serial)}.json"
        try:
            owner.fd = os.open(owner.file, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        except FileNotFoundError:  # the first write of this registry: no record directory yet
            with contextlib.suppress(FileExistsError):
                os.mkdir(base)
            owner.fd = os.open(owner.file, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        fcntl.flock(owner.fd, fcntl.LOCK_EX)
        owner._write()
    except OSError:
        if owner.fd is not None:
            with contextlib.suppress(OSError):
                os.close(owner.fd)
        owner.file, owner.fd = None, None
    try:
        yield owner
    finally:
        if owner.fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(owner.file)  # before the flock goes: breakers then see it gone
            os.close(owner.fd)


@dataclass(frozen=True)
class Holder:
    """What an owner record says about a lock (for doctor and messages)."""
    record: Path
    pid: int
    host: str
    alive: bool


def _read(fd: int) -> Optional[dict]:
    try:
        data = json.loads(os.pread(fd, 1 << 16, 0) or b"{}")
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("locks"), dict) else None


_me: dict[int, dict] = {}
_me_json: dict[int, str] = {}  # pid -> me() as JSON, without its closing brace


def _host() -> str:
    pid = os.getpid()
    return _me[pid]["host"] if pid in _me else me()["host"]


def me() -> dict:
    """This process as owner records name it: pid, host, boot id and start time (read once
    per process: none of them changes while it lives; a forked child is another pid)."""
    pid = os.getpid()
    if pid not in _me:
        _me.clear()
        _me[pid] = {"pid": pid, "host": socket.gethostname(), "boot": _boot_id(), "started": _start_ticks(pid)}
    return dict(_me[pid])


def gone(record: dict) -> bool:
    """Whether the process a record (with me()'s keys) names is provably gone."""
    return _gone(record)


def tag() -> str:
    """`<pid>.<start ticks>`: this process, in the name of a temporary file or directory."""
    here = me()
    return f"{here['pid']}.{here['started']}"


def tagged_gone(name: str) -> Optional[bool]:
    """For a name beginning with tag() (this host): whether that process is gone; None when
    the name carries no tag."""
    pid, _, rest = name.partition(".")
    started = rest.partition(".")[0]
    if not (pid.isdigit() and rest):
        return None
    return _gone({**me(), "pid": int(pid), "started": None if started == "None" else started})


def _gone(record: dict) -> bool:
    """Provably gone: same host and boot, and no process with that pid and start time."""
    if record.get("host") != socket.gethostname():
        return False
    if record.get("boot") != _boot_id():
        return bool(_boot_id())  # rebooted since: every process of then is gone
    pid = record.get("pid")
    return isinstance(pid, int) and not _alive(pid, record.get("started"))


def _matches(record: dict, rel: str, st: os.stat_result) -> bool:
    inode = record["locks"].get(rel)
    if inode is not None:
        return inode == st.st_ino
    created = record.get("created")
    return isinstance(created, (int, float)) and created - 1 <= st.st_mtime <= created + _GRACE


def records(gitdir: Path) -> list[Path]:
    base = gitdir / DIR_NAME
    try:
        return sorted(p for p in base.iterdir() if p.suffix == ".json" and not p.name.startswith("."))
    except OSError:
        return []


# Given a dead owner's record and the ref of its stale lock: the value to commit the lock
# with (completing an interrupted write), or None to discard it.
Finisher = Callable[[dict, str], Optional[str]]


def _commit_lock(gitdir: Path, lock: Path, ref: str, value: str) -> None:
    """Commit a lock as git does: the new value into the lock file, then rename it onto the ref."""
    with open(lock, "r+b") as fh:
        fh.truncate(0)
        fh.write(value.encode() + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(lock, gitdir / ref)


def _each_record(gitdir: Path, skip: Optional[Path] = None) -> Iterator[tuple[Path, int]]:
    """(path, open fd) of each owner record; the fd is closed when the loop moves on."""
    for path in records(gitdir):
        if path == skip:
            continue
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue
        try:
            yield path, fd
        finally:
            os.close(fd)


def _flocked(fd: int) -> bool:
    """Take the record's flock without waiting: False while its process lives (or a breaker has it)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _inode(path: Path) -> int:
    try:
        return os.stat(path).st_ino
    except OSError:
        return -1


def break_if_stale(gitdir: Path, lock: Path, finish: Optional[Finisher] = None,
                   mine: Optional[Path] = None) -> bool:
    """Resolve `lock` if a dead gitreg process left it; True when it is gone now.

    With `finish`, an interrupted write is completed through the lock itself (no other
    writer can take it meanwhile); else the lock is removed. `mine` is the caller's own
    record (which names the lock it is about to take)."""
    rel = _rel(gitdir, lock)
    try:
        st = os.stat(lock)
    except FileNotFoundError:
        return True
    with contextlib.closing(_each_record(gitdir, skip=mine)) as each:
        for path, fd in each:
            record = _read(fd)
            if record is None or rel not in record["locks"]:
                continue
            if not _flocked(fd):
                return False  # its owner is alive (or another breaker is at it)
            if os.fstat(fd).st_ino != _inode(path) or not _gone(record) or not _matches(record, rel, st):
                continue
            with contextlib.suppress(FileNotFoundError):
                if os.stat(lock).st_ino == st.st_ino:
                    ref = rel[: -len(".lock")]
                    value = finish(record, ref) if finish is not None else None
                    if value is not None:
                        _commit_lock(gitdir, lock, ref, value)
                    else:
                        os.unlink(lock)
            if not any((gitdir / other).exists() for other in record["locks"]):
                with contextlib.suppress(OSError):
                    os.unlink(path)
            return True
    return False


def _dead(fd: int) -> Optional[dict]:
    """The record behind fd when its process is provably gone (an unreadable record counts
    once it is older than _GRACE: its writer died while writing it), else None."""
    if not _flocked(fd):
        return None
    record = _read(fd)
    if record is None and time.time() - os.fstat(fd).st_mtime > _GRACE:
        record = {"locks": {}, "host": socket.gethostname(), "boot": _boot_id(), "pid": -1}
    return record if record is not None and _gone(record) else None


def sweep(gitdir: Path) -> list[Path]:
    """Remove records of dead processes whose locks are all gone (crash leftovers); returns them."""
    removed = []
    for path, fd in _each_record(gitdir):
        record = _dead(fd)
        if record is not None and not any((gitdir / lock).exists() for lock in record["locks"]):
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed.append(path)
    return removed


def dead_records(gitdir: Path) -> list[Path]:
    """Owner records whose process is provably gone (what sweep would look at)."""
    return [path for path, fd in _each_record(gitdir) if _dead(fd) is not None]


def holders(gitdir: Path, lock: Path) -> list[Holder]:
    """Which records name `lock`, and whether their processes live (for doctor)."""
    rel = _rel(gitdir, lock)
    out = []
    for path, fd in _each_record(gitdir):
        record = _read(fd)
        if record is not None and rel in record["locks"]:
            out.append(Holder(path, int(record.get("pid") or -1), str(record.get("host")), not _gone(record)))
    return out


def break_stale_under(gitdir: Path, prefix: str) -> int:
    """Remove the locks below refs `prefix` that dead gitreg processes left (for refs that are
    ours alone, like a remote's mirror: nothing to complete). Returns how many went."""
    base = gitdir / prefix
    return sum(1 for lock in (sorted(base.rglob("*.lock")) if base.is_dir() else [])
               if break_if_stale(gitdir, lock))
