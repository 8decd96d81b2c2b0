"""Remotes: their configuration, and git's own transport for fetch and push.

libgit2 has no atomic push and does not use the user's ssh config, credential
helpers or proxies the way `git push` does, so transport runs the git CLI.
A remote's gitreg refs are fetched into a private mirror,
`refs/gitreg/remotes/<remote>/...`, never over the registry's own refs: what to
do with them is decided by the caller (gitreg.sync), ref by ref.
"""
from __future__ import annotations

import random
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import pygit2

from ..errors import RemoteError
from . import gitcli, layout, lockowner

MIRROR = layout.MIRROR
SYNC_KEY = "gitreg.remote"
_FETCH_ATTEMPTS = 50  # another process of this registry fetching into the mirror at the same time
NAMESPACES = (layout.HEADS, layout.TAGS, layout.DEPLOYED, layout.NOTES)

# Rejections that mean "the remote moved on": fetch, rebuild and try again.
# Anything else (a hook or a protected ref declining) is final.
_RETRYABLE = ("non-fast-forward", "already exists", "fetch first", "stale info",
              "atomic", "failed to update ref", "cannot lock ref", "failed to lock")


def mirror_prefix(remote: str) -> str:
    return f"{MIRROR}{remote}/"


def mirrored(remote: str, ref: str) -> str:
    """The mirror of `ref` (e.g. refs/tags/m/v1 -> refs/gitreg/remotes/origin/tags/m/v1)."""
    return mirror_prefix(remote) + ref[len("refs/"):]


def _config_entries(repo: pygit2.Repository, prefix: str) -> dict[str, str]:
    """Config entries of the registry's own file (a remote in ~/.gitconfig is not the registry's)."""
    own = pygit2.Config(str(Path(repo.path) / "config"))
    return {e.name: e.value for e in own if e.name.startswith(prefix)}


def remotes(repo: pygit2.Repository) -> dict[str, str]:
    """{name: url} of the registry's remotes, in name order."""
    found = {}
    for key, value in _config_entries(repo, "remote.").items():
        name, _, field = key[len("remote."):].rpartition(".")
        if field == "url" and name:
            found[name] = value
    return dict(sorted(found.items()))


def sync_remote(repo: pygit2.Repository) -> Optional[str]:
    try:
        name = repo.config[SYNC_KEY]
    except KeyError:
        return None
    return name or None


def set_sync_remote(repo: pygit2.Repository, name: Optional[str]) -> None:
    if name is None:
        try:
            del repo.config[SYNC_KEY]
        except KeyError:
            pass
    else:
        repo.config[SYNC_KEY] = name


def add_remote(repo: pygit2.Repository, name: str, url: str) -> None:
    """Only `remote.<name>.url`: no fetch refspec, so plain `git fetch` leaves the registry alone."""
    repo.config[f"remote.{name}.url"] = url


def remove_remote(repo: pygit2.Repository, name: str) -> None:
    """Drop the configuration and this remote's mirror refs (private to this registry)."""
    _git(Path(repo.path), "config", "--remove-section", f"remote.{name}")
    if sync_remote(repo) == name:
        set_sync_remote(repo, None)
    prefix = mirror_prefix(name)
    for ref in list(repo.references):
        if ref.startswith(prefix):
            repo.references.delete(ref)


@dataclass(frozen=True)
class Rejection:
    ref: str
    reason: str

    @property
    def retryable(self) -> bool:
        return any(word in self.reason for word in _RETRYABLE) and "declined" not in self.reason


def _git(git_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return gitcli.run(git_dir, *args)
    except gitcli.GitMissing:
        raise RemoteError("the git command is needed to talk to remotes, and it is not on PATH") from None


def _why(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (fatal or lines or [f"git exited {proc.returncode}"])[0]


def fetch(git_dir: Path, remote: str) -> None:
    """Mirror every gitreg ref of `remote` (the mirror is ours alone, so it may be moved freely)."""
    specs = [f"+{ns}*:{mirrored(remote, ns)}*" for ns in NAMESPACES]
    for attempt in range(_FETCH_ATTEMPTS):
        proc = _git(git_dir, "fetch", "--quiet", "--prune", "--no-tags", "--no-write-fetch-head",
                    remote, *specs)
        if proc.returncode == 0:
            return
        if "cannot lock ref" not in proc.stderr:  # only a concurrent fetch into the mirror is retried
            break
        if lockowner.break_stale_under(git_dir, mirror_prefix(remote)):
            continue  # a dead gitreg's lock on the mirror (ours alone: nothing to complete)
        time.sleep(random.uniform(0, 0.02 * (attempt + 1)))
    raise RemoteError(f"cannot fetch from {remote}: {_why(proc)}")


@dataclass(frozen=True)
class PushResult:
    rejected: list[Rejection]
    remote_said: list[str]  # the remote's own `remote: ...` lines (its hooks' reasons)


def push(git_dir: Path, remote: str, updates: Sequence[tuple[pygit2.Oid, str]]) -> PushResult:
    """Push `object:ref` pairs atomically and never forced; when any ref is refused, all are."""
    if not updates:
        return PushResult([], [])
    specs = [f"{oid}:{ref}" for oid, ref in updates]
    proc = _git(git_dir, "push", "--atomic", "--porcelain", remote, *specs)
    rejected = []
    for line in proc.stdout.splitlines():
        flag, _, rest = line.partition("\t")
        if flag == "!":
            spec, _, reason = rest.partition("\t")
            rejected.append(Rejection(spec.rpartition(":")[2], reason.strip()))
    if proc.returncode != 0 and not rejected:
        raise RemoteError(f"cannot push to {remote}: {_why(proc)}")
    said = [line[len("remote:"):].strip() for line in proc.stderr.splitlines()
            if line.startswith("remote:") and line[len("remote:"):].strip()]
    return PushResult(rejected, said)
