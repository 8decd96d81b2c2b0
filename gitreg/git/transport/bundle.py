"""git bundles of gitreg refs: written with `git bundle create`, read back by `git fetch`.

A bundle's refs need not be the registry's current values (a bundle of `m:v2` carries
`refs/heads/m` at v2's commit), so they are written into a scratch repository that
borrows the registry's objects (objects/info/alternates) and bundled from there: the
registry itself is never written. Reading is `git fetch <file>` into a private mirror
(gitreg.git.transport.remote.fetch), after the header was read here to learn what it
needs first (prerequisites: what an incremental bundle builds on).
"""
from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Mapping

import pygit2

from gitreg.core.errors import GitregError
from gitreg.git import gitcli

HEADER_LIMIT = 16 << 20  # a header lists every ref: bounded work on an untrusted file
_SIGNATURES = (b"# v2 git bundle\n", b"# v3 git bundle\n")
_OID = re.compile(rb"[0-9a-f]{40}")


class EmptyBundle(GitregError):
    """Nothing to bundle: every object asked for is among the exclusions."""


@dataclass(frozen=True)
class Header:
    refs: dict[str, str]  # ref -> object id
    prerequisites: list[str]  # commits the receiving repository must already have


def write(git_dir: Path, refs: Mapping[str, pygit2.Oid], exclude: Iterable[pygit2.Oid], out: Path) -> None:
    """`git bundle create out` of exactly `refs` (names -> objects of the registry),
    leaving out what is reachable from `exclude` (which become prerequisites)."""
    scratch = Path(tempfile.mkdtemp(prefix="gitreg-bundle-"))
    try:
        gitcli.run(None, "init", "--quiet", "--bare", str(scratch))
        (scratch / "objects" / "info" / "alternates").write_text(f"{(git_dir / 'objects').resolve()}\n")
        made = gitcli.run(scratch, "update-ref", "--stdin",
                          input="".join(f"create {ref} {oid}\n" for ref, oid in sorted(refs.items())))
        if made.returncode != 0:
            raise GitregError(f"cannot prepare the bundle's refs: {made.stderr.strip()[:300]}")
        args = "".join(f"{ref}\n" for ref in sorted(refs)) + "".join(f"^{oid}\n" for oid in exclude)
        proc = gitcli.run(scratch, "bundle", "create", "--quiet", str(out), "--stdin", input=args)
        if proc.returncode != 0:
            if "empty bundle" in proc.stderr:
                raise EmptyBundle("nothing new to bundle")
            raise GitregError(f"git bundle create failed: {proc.stderr.strip()[:300]}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def read_header(fh: BinaryIO) -> Header:
    """The refs and prerequisites of a git bundle (v2 or v3), read from its start; raises
    GitregError when it is not one."""
    first = fh.readline(64)
    if first not in _SIGNATURES:
        raise GitregError("not a git bundle (no '# v2/v3 git bundle' line)")
    refs: dict[str, str] = {}
    prerequisites: list[str] = []
    read = len(first)
    while True:
        line = fh.readline(4096)
        read += len(line)
        if not line.endswith(b"\n") or read > HEADER_LIMIT:
            raise GitregError("the git bundle's header is truncated or too long")
        if line == b"\n":
            return Header(refs, prerequisites)
        if line.startswith(b"@"):  # v3 capability (object-format, filter)
            if line.strip() not in (b"@object-format=sha1",):
                raise GitregError(f"unsupported git bundle capability {line.strip()[:60]!r}")
            continue
        text = line[:-1]
        if text.startswith(b"-") and _OID.fullmatch(text[1:41]):
            prerequisites.append(text[1:41].decode())
            continue
        oid, _, name = text.partition(b" ")
        if not _OID.fullmatch(oid) or not name:
            raise GitregError(f"malformed git bundle header line {text[:80]!r}")
        refs[name.decode("utf-8", "replace")] = oid.decode()
