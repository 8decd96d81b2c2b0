"""The durable outbox in a bare registry: `gitreg-events/` (local files, never shared objects).

    incoming/<ns>-<pid>.updates   one per accepted push: its `OLD NEW REF` lines as git gave them
                                  (a first line `# pusher: NAME` when the server named one);
                                  written and fsynced before the hook returns
    outbox.jsonl                  the events derived from them, one JSON object a line, in push
                                  order; appended (fsynced) before the push's file is removed
    deliveries.jsonl              one line per delivery attempt (delivery.py)
    outbox.N.jsonl, deliveries.N.jsonl
                                  earlier generations (1 = the newest), kept for `redeliver` and
                                  `deliveries`: rotate() starts a new outbox once every event of
                                  the current one is settled and it is over its size
    lock                          held (flock) by the one process deriving and delivering

A crash between appending events and removing the push's file re-derives the same events
on the next run; their ids are already in the outbox, so they are not appended twice.
"""
from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

from gitreg.features.events.derive import derive
from gitreg.git.refs.changes import parse_lines
from gitreg.git.repository import Store

DIR = "gitreg-events"
LINE_LIMIT = 1 << 20  # an outbox line longer than this was not written by gitreg: skipped
PUSHER_LIMIT = 256


def root(git_dir: Path) -> Path:
    return Path(git_dir) / DIR


def spool(git_dir: Path, lines: Iterable[str], pusher: Optional[str] = None) -> Path:
    """Keep one push's updates durably (write, fsync, rename): the hook's only work."""
    incoming = root(git_dir) / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}-{os.getpid()}"
    tmp = incoming / f".{name}.tmp"
    text = (f"# pusher: {pusher}\n" if pusher else "") + "".join(
        line if line.endswith("\n") else line + "\n" for line in lines)
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    final = incoming / f"{name}.updates"
    tmp.replace(final)
    return final


def pending_pushes(git_dir: Path) -> list[Path]:
    incoming = root(git_dir) / "incoming"
    return sorted(incoming.glob("*.updates"), key=_push_order) if incoming.is_dir() else []


def _push_order(path: Path) -> tuple[int, str]:
    head = path.name.split("-", 1)[0]
    return (int(head) if head.isdigit() else 0, path.name)


@contextmanager
def locked(git_dir: Path, wait: bool = False) -> Iterator[bool]:
    """Whether this process holds the outbox lock (False: another deliverer runs)."""
    root(git_dir).mkdir(parents=True, exist_ok=True)
    with open(root(git_dir) / "lock", "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def generations(git_dir: Path, name: str) -> list[Path]:
    """`name`.jsonl's files, oldest first: the archived generations, then the current one."""
    base = root(git_dir)
    archived = sorted((p for p in base.glob(f"{name}.*.jsonl") if p.name.split(".")[1].isdigit()),
                      key=lambda p: -int(p.name.split(".")[1]))
    return archived + [base / f"{name}.jsonl"]


def size(git_dir: Path) -> int:
    """The current outbox's size in bytes (0 when there is none yet)."""
    try:
        return (root(git_dir) / "outbox.jsonl").stat().st_size
    except FileNotFoundError:
        return 0


def rotate(git_dir: Path, keep: int) -> None:
    """Start a new outbox and deliveries log, keeping `keep` earlier generations (caller holds
    the lock, and every event of the current outbox is settled: nothing is left to send).

    Whatever a crash interrupts, no event is lost or sent twice for that: the outbox is renamed
    first (a crash after it leaves delivery records of archived events, which are only read), and
    the ids of a push not yet ingested are not in the outbox anyway."""
    base = root(git_dir)
    for name in ("outbox", "deliveries"):
        for old in generations(git_dir, name)[:-1]:
            if int(old.name.split(".")[1]) >= keep:
                old.unlink(missing_ok=True)
        for n in range(keep - 1, 0, -1):
            older = base / f"{name}.{n}.jsonl"
            if older.exists():
                older.replace(base / f"{name}.{n + 1}.jsonl")
        current = base / f"{name}.jsonl"
        if keep > 0 and current.exists():
            current.replace(base / f"{name}.1.jsonl")
        else:
            current.unlink(missing_ok=True)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a .jsonl file; a damaged or foreign line is skipped, not fatal."""
    out = []
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return out
    with f:
        for raw in f:
            if len(raw) > LINE_LIMIT:
                continue
            try:
                item = json.loads(raw)
            except ValueError:
                continue
            if isinstance(item, dict):
                out.append(item)
    return out


def append_jsonl(path: Path, items: list[dict[str, Any]], sync: bool = True) -> None:
    if not items:
        return
    data = "".join(json.dumps(i, sort_keys=False) + "\n" for i in items).encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def events(git_dir: Path, archived: bool = False) -> list[dict[str, Any]]:
    """The outbox's events (with `archived`, every generation's), oldest first, once each (by id)."""
    seen: set[str] = set()
    out = []
    files = generations(git_dir, "outbox") if archived else [root(git_dir) / "outbox.jsonl"]
    for e in (item for path in files for item in read_jsonl(path)):
        if isinstance(e.get("id"), str) and isinstance(e.get("ref"), str) and e["id"] not in seen:
            seen.add(e["id"])
            out.append(e)
    return out


def _read_push(path: Path) -> tuple[Optional[str], list[str]]:
    pusher, lines = None, []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("# pusher: "):
            pusher = "".join(c for c in line[10:] if c.isprintable())[:PUSHER_LIMIT] or None
        elif not line.startswith("#"):
            lines.append(line)
    return pusher, lines


def ingest(store: Store) -> int:
    """Derive the events of every spooled push into the outbox (caller holds the lock); how many."""
    git_dir = store.path
    known = {e["id"] for e in events(git_dir)}
    added = 0
    for push in pending_pushes(git_dir):
        try:
            pusher, lines = _read_push(push)
            derived = derive(store, parse_lines(lines))
        except Exception as exc:  # noqa: BLE001 -- a bad push file must not block every later one
            store.problems.add(str(push), exc)
            push.rename(push.with_suffix(".bad"))
            continue
        new = []
        for event in derived:
            if event.id not in known:
                known.add(event.id)
                new.append({**event.as_dict(), "pusher": pusher})
        append_jsonl(root(git_dir) / "outbox.jsonl", new)
        added += len(new)
        push.unlink()
    return added
