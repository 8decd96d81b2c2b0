"""Many objects' types, sizes and small contents in two `git cat-file` runs, at git's speed.

A clone's summary must name bad versions (issue 12) without building every version in
Python: git resolves `<tag>^{commit}:manifest.yaml` for all of them in C, and only blobs
that fit the caller's limit are read, one at a time from a stream (memory stays bounded
by the limit however large a hostile object is).
"""
from __future__ import annotations

import contextlib
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

from gitreg.core.errors import CorruptRegistryError
from gitreg.git import gitcli


@dataclass(frozen=True)
class ObjectHeader:
    oid: str
    kind: str  # blob, tree, commit, tag
    size: int


def headers(gitdir: Path, names: list[str]) -> dict[str, Optional[ObjectHeader]]:
    """{revision: its object's header, or None when git cannot resolve it} for each name
    (a name like `refs/tags/m/v1^{commit}:manifest.yaml`)."""
    return {name: header(line) for name, line in zip(names, answers(gitdir, names))}


def answers(gitdir: Path, names: list[str]) -> list[str]:
    """git's `--batch-check` line for each name, in order (`<id> <type> <size>`, or the name
    and why not): for callers that need only some of them parsed (`header`, `kind`)."""
    if not names:
        return []
    proc = gitcli.run(gitdir, "cat-file", "--batch-check", "--buffer", input="".join(f"{n}\n" for n in names))
    if proc.returncode != 0:
        raise CorruptRegistryError(f"git cat-file failed: {proc.stderr.strip()[:200]}")
    lines = proc.stdout.splitlines()
    if len(lines) != len(names):  # one line per name, always: anything else is not git's output
        raise CorruptRegistryError("git cat-file --batch-check answered out of step")
    return lines


def header(line: str) -> Optional[ObjectHeader]:
    """The header an answer line gives, or None (the name did not resolve)."""
    parts = line.split(" ")
    return ObjectHeader(parts[0], parts[1], int(parts[2])) if len(parts) == 3 and parts[2].isdigit() else None


def kind(line: str) -> Optional[str]:
    """The object type an answer line gives, or None: `header(line).kind` without the record
    (a clone's census asks the type of 1,000 commits and needs nothing else of them)."""
    parts = line.split(" ")
    return parts[1] if len(parts) == 3 and parts[2].isdigit() else None


def contents(gitdir: Path, oids: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    """(id, content) of each object, streamed: the caller bounds sizes first (headers)."""
    with contextlib.closing(resolved(gitdir, oids)) as found:
        for name, _oid, data in found:
            yield name, data


def resolved(gitdir: Path, names: Iterable[str]) -> Iterator[tuple[str, str, bytes]]:
    """(name, the id it resolved to, content) of each name git resolves, streamed: the caller
    bounds sizes first (headers), or names only the kind it reads anyway (`<id>^{commit}` is
    answered by a commit alone, and its id tells whether `<id>` itself was that commit)."""
    wanted = list(names)
    if not wanted:
        return
    proc = subprocess.Popen(["git", f"--git-dir={gitdir}", "cat-file", "--batch", "--buffer"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=gitcli.environment())
    assert proc.stdin is not None and proc.stdout is not None

    def feed() -> None:
        try:
            proc.stdin.write("".join(f"{o}\n" for o in wanted).encode())
        except OSError:
            pass
        finally:
            proc.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for name in wanted:
            header = proc.stdout.readline().split()
            if len(header) != 3 or not header[2].isdigit():
                continue  # "<name> missing": nothing follows
            data = proc.stdout.read(int(header[2]) + 1)[:-1]
            yield name, header[0].decode(), data
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()
        writer.join()
