"""Reading the training repository (not the registry) with the git CLI.

The training repository is the user's ordinary work tree, with whatever config,
hooks path and worktree layout git gives it, so git itself answers the questions
(`rev-parse --git-path hooks` honours core.hooksPath; trailers are parsed by git).
"""
from __future__ import annotations

import os
import subprocess
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from gitreg.core.errors import GitregError


class TrainingRepoError(GitregError):
    """The training repository cannot be read (not a git work tree, unknown revision, ...)."""


@dataclass(frozen=True)
class CommitInfo:
    """What a registration needs to know about one commit of the training code."""
    sha: str
    subject: str
    changed: tuple[str, ...]          # paths changed against the first parent (all files for a root commit)
    register_trailers: tuple[str, ...]  # values of `Gitreg-Register:` trailers


def _run(args: list[str], cwd: Optional[Path] = None, check: bool = True) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True)
    except FileNotFoundError:
        raise TrainingRepoError("git is not installed (needed to read the training repository)") from None
    if check and proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise TrainingRepoError(f"git {' '.join(args[:1])} failed: {detail[-1] if detail else proc.returncode}")
    return proc


@dataclass(frozen=True)
class TrainingRepo:
    top: Path        # the work tree's top directory
    git_dir: Path    # the common git directory (.git; shared by linked worktrees)

    @classmethod
    def discover(cls, path: str | os.PathLike[str] = ".") -> "TrainingRepo":
        start = Path(path)
        if not start.is_dir():
            raise TrainingRepoError(f"{start} is not a directory")
        proc = _run(
            ["rev-parse", "--path-format=absolute", "--is-bare-repository", "--show-toplevel",
             "--git-common-dir"],
            cwd=start, check=False,
        )
        lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
        if lines and lines[0] == "true":
            raise TrainingRepoError(f"{start.resolve()} is a bare repository: a training repository needs a work tree")
        if proc.returncode != 0 or len(lines) < 3:
            raise TrainingRepoError(f"{start.resolve()} is not inside a git work tree")
        return cls(top=Path(lines[1]), git_dir=Path(lines[2]))

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return _run([f"--git-dir={self.git_dir}", f"--work-tree={self.top}", *args], cwd=self.top, check=check)

    def _text(self, *args: str) -> str:
        return self.git(*args).stdout.decode("utf-8", "surrogateescape")

    def hooks_dir(self) -> Path:
        """Where git runs hooks from: core.hooksPath if set (relative to the top), else .git/hooks."""
        # Run without --git-dir so that a linked worktree resolves like git itself does.
        out = _run(["rev-parse", "--git-path", "hooks"], cwd=self.top).stdout.decode("utf-8", "surrogateescape")
        return (self.top / out.strip()).resolve()

    def log_dir(self) -> Path:
        return self.git_dir / "gitreg"

    def commit(self, rev: str = "HEAD") -> CommitInfo:
        proc = self.git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
        sha = proc.stdout.decode().strip()
        if proc.returncode != 0 or not sha:
            raise TrainingRepoError(f"{rev!r} is not a commit in {self.top}")
        fmt = "%P%x00%s%x00%(trailers:key=Gitreg-Register,valueonly,separator=%x01)"
        parents, subject, trailers = self._text("log", "-1", f"--format={fmt}", sha).rstrip("\n").split("\0")
        first = parents.split()[0] if parents.split() else None
        diff = ["diff-tree", "-r", "-z", "--name-only", "--no-renames"]
        diff += [first, sha] if first else ["--root", "--no-commit-id", sha]
        changed = tuple(p for p in self._text(*diff).split("\0") if p)
        values = tuple(v.strip() for v in trailers.split("\x01") if v.strip())
        return CommitInfo(sha=sha, subject=subject, changed=changed, register_trailers=values)

    def read_at(self, sha: str, path: str) -> Optional[bytes]:
        """The file as committed in `sha`, or None when the commit does not hold it."""
        proc = self.git("cat-file", "blob", f"{sha}:{path}", check=False)
        return proc.stdout if proc.returncode == 0 else None

    def reference(self) -> str:
        """The training repo as other people can find it: the URL of `origin` (else of the
        first remote), without credentials; the top directory when there is no remote."""
        remotes = self._text("remote").split()
        if remotes:
            name = "origin" if "origin" in remotes else remotes[0]
            url = self.git("remote", "get-url", name, check=False).stdout.decode().strip()
            if url:
                return strip_credentials(url)
        return str(self.top)


def strip_credentials(url: str) -> str:
    """https://user:token@host/x -> https://host/x (ssh's git@host:x is kept: it is no secret)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("http", "https", "ftp", "ftps") and "@" in parts.netloc:
        return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return url
