"""Remotes: their configuration, and git's own transport for fetch, push and clone.

libgit2 has no atomic push and does not use the user's ssh config, credential
helpers or proxies the way `git push` does, so transport runs the git CLI.
A remote's gitreg refs are fetched into a private mirror,
`refs/gitreg/remotes/<remote>/...`, never over the registry's own refs: what to
do with them is decided by the caller (gitreg.features.sync.sync), ref by ref.

A fetch names only the refs it needs (a Scope: one model's refs, or all): with
protocol v2 git sends them as ref prefixes, so the server advertises and sends
O(that model). Every transport command has a stall bound (`gitreg.timeout`,
see transport_options); what git prints about a failure keeps its cause line
(ssh's, curl's), with credentials in URLs masked.
"""
from __future__ import annotations

import random
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Iterable, Optional, Sequence

import pygit2

from gitreg.core.errors import RemoteError
from gitreg.git import config as gitconfig
from gitreg.git import gitcli
from gitreg.git.refs import layout, lockowner
from gitreg.git.refs.layout import mirror_prefix, mirrored
from gitreg.git.refs.transaction import RefConflict
from gitreg.git.transport import pushplan
from gitreg.git.transport.cloning import (
    HARD_LIMIT_FACTOR,
    NAMESPACES,
    SINGLE,
    SYNC_KEY,
    timeout_seconds,
    transport_options,
)
from gitreg.git.transport.failures import TransportError, why

MIRROR = layout.MIRROR
_FETCH_ATTEMPTS = 50  # another process of this registry fetching into the mirror at the same time

# Rejections that mean "the remote moved on": fetch, rebuild and try again.
# Anything else (a hook or a protected ref declining) is final.
_RETRYABLE = ("non-fast-forward", "already exists", "fetch first", "stale info",
              "atomic", "failed to update ref", "cannot lock ref", "failed to lock")


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


def sync_remote(config: "gitconfig.GitConfig | pygit2.Config") -> Optional[str]:
    """The remote every write is published to (gitreg.remote), from `config`: the registry's
    configuration as git reads it (Store.config()), as every other gitreg setting is read."""
    try:
        name = config[SYNC_KEY] if SYNC_KEY in config else None
    except (KeyError, pygit2.GitError):
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
    """Drop the configuration and this remote's mirror refs and pending-push records (private
    to this registry: a push to a remote that is gone can no longer be settled)."""
    _git(Path(repo.path), "config", "--remove-section", f"remote.{name}")
    if sync_remote(repo.config) == name:  # the file set_sync_remote edits
        set_sync_remote(repo, None)
    prefixes = (mirror_prefix(name), f"{layout.PENDING}{name}/")
    for ref in list(repo.references):
        if ref.startswith(prefixes):
            repo.references.delete(ref)


@dataclass(frozen=True)
class Scope:
    """The gitreg refs one fetch or integration covers: the whole registry, or some models.

    A synced write needs only its model's refs, so it fetches and integrates
    O(that model), whatever the size of the registry.
    """

    models: Optional[frozenset[str]] = None  # None: every gitreg ref

    @classmethod
    def of(cls, models: Optional[Iterable[str]]) -> "Scope":
        return cls(None if models is None else frozenset(models))

    def patterns(self) -> list[str]:
        """Source refspec patterns. A branch or notes ref is `<name>*` (an exact name that
        the remote lacks would fail the fetch); integration picks the exact ref."""
        if self.models is None:
            return [f"{ns}*" for ns in NAMESPACES + SINGLE]
        out = [f"{ref}*" for ref in SINGLE]
        for m in sorted(self.models):
            out += [f"{layout.HEADS}{m}*", f"{layout.TAGS}{m}/*", f"{layout.DEPLOYED}*/{m}",
                    f"{layout.NOTES}{m}*", f"{layout.APPROVALS}{m}*"]
        return out

    def covers(self, ref: str) -> bool:
        return self.models is None or ref in SINGLE or model_of(ref) in self.models


def model_of(ref: str) -> str:
    """The model a gitreg ref belongs to (refs/tags/<m>/<v>, refs/deployed/<env>/<m>, ...)."""
    if ref.startswith(layout.TAGS):
        return ref[len(layout.TAGS):].split("/", 1)[0]
    if ref.startswith(layout.DEPLOYED):
        return ref[len(layout.DEPLOYED):].split("/", 1)[-1]
    return ref.rsplit("/", 1)[-1]


# -- timeouts -------------------------------------------------------------------------
def _ssh_command(git_dir: Path) -> Optional[str]:
    found = gitconfig.read(git_dir)
    try:
        return None if found is None else found["core.sshCommand"]
    except KeyError:
        return None


@dataclass(frozen=True)
class Rejection:
    ref: str
    reason: str

    @property
    def retryable(self) -> bool:
        return any(word in self.reason for word in _RETRYABLE) and "declined" not in self.reason

    @property
    def unknown(self) -> bool:
        """The pack went out but the remote never said what it did with it."""
        return "failed to report status" in self.reason


def _git(git_dir: Path, *args: str, transport: bool = False, options: Sequence[str] = (),
         env_extra: Optional[dict[str, str]] = None, input: Optional[str] = None) -> subprocess.CompletedProcess[str]:
    """git on the registry; a transport command gets the stall bounds and a hard ceiling.
    `options` go before the command (`-c name=value`), `env_extra` into its environment."""
    extra: list[str] = list(options)
    env: Optional[dict[str, str]] = dict(env_extra) if env_extra else None
    limit: Optional[float] = None
    if transport:
        seconds = timeout_seconds(git_dir)
        bounds, bound_env = transport_options(seconds, _ssh_command(git_dir))
        extra += bounds
        env = {**(env or {}), **(bound_env or {})}
        limit = seconds * HARD_LIMIT_FACTOR
    try:
        return gitcli.run(git_dir, *extra, *args, timeout=limit, env=env, input=input, group=transport)
    except gitcli.GitMissing:
        raise RemoteError("the git command is needed to talk to remotes, and it is not on PATH") from None
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, "", f"fatal: git did not finish within {limit:.0f} s")


def _specs(remote: str, scope: Scope) -> list[str]:
    return [f"+{src}:{mirrored(remote, src)}" for src in scope.patterns()]


def fetch(git_dir: Path, remote: str, scope: Scope = Scope(), source: Optional[str] = None) -> None:
    """Mirror `remote`'s gitreg refs in `scope` (the mirror is ours alone, so it may be moved freely).
    `source`: where to fetch from when it is not the remote's name (a bundle file)."""
    for attempt in range(_FETCH_ATTEMPTS):
        proc = _git(git_dir, "-c", "protocol.version=2", "fetch", "--quiet", "--prune", "--no-tags",
                    "--no-write-fetch-head", "--no-auto-gc", source or remote, *_specs(remote, scope),
                    transport=True)
        if proc.returncode == 0:
            return
        if "cannot lock ref" not in proc.stderr:  # only a concurrent fetch into the mirror is retried
            break
        if lockowner.break_stale_under(git_dir, mirror_prefix(remote)):
            continue  # a dead gitreg's lock on the mirror (ours alone: nothing to complete)
        time.sleep(random.uniform(0, 0.02 * (attempt + 1)))
    raise TransportError(f"cannot fetch from {remote}: {why(proc.stderr, proc.returncode)}",
                         why(proc.stderr, proc.returncode))


def record_pushed(git_dir: Path, remote: str, moves: dict[str, tuple[Optional[pygit2.Oid], pygit2.Oid]]) -> None:
    """After `remote` took a push: its mirror refs move to what was pushed ({ref: (mirror value
    read before the push, pushed value)}), in one git transaction, each only if the mirror still
    holds what was read (a fetch meanwhile knows better). Best effort: a failure changes nothing."""
    zero = "0" * 40
    lines = "".join(f"update {mirrored(remote, ref)} {new} {old if old is not None else zero}\n"
                    for ref, (old, new) in sorted(moves.items()) if old != new)
    if lines:
        _git(git_dir, "update-ref", "--stdin", "-m", f"gitreg: pushed to {remote}", input=lines)


@dataclass(frozen=True)
class PushResult:
    rejected: list[Rejection]
    remote_said: list[str]  # the remote's own `remote: ...` lines (its hooks' reasons)
    pushed: list[str]  # refs the remote took


# `git push` matches each explicit refspec against every local and remote ref
# (O(specs x refs): 1,000 specs at 20,000 refs cost ~9 s of CPU), so big pushes name
# namespaces with wildcards and exclude what must not go with negative refspecs.
EXPLICIT_MAX = 64


def _refspecs(updates: Sequence[tuple[pygit2.Oid, str]], exclude: Optional[Collection[str]]) -> list[str]:
    """Explicit `oid:ref` specs for a few refs. For many: with `exclude` known (every other local
    ref that differs from the remote's), namespace wildcards minus negative refspecs; without
    it, a wildcard per model's tags (all of that model's new tags are going) and explicit specs
    for the rest."""
    if len(updates) <= EXPLICIT_MAX or (exclude is not None and len(exclude) > EXPLICIT_MAX):
        return [f"{oid}:{ref}" for oid, ref in updates]
    if exclude is not None:
        used = [ns for ns in NAMESPACES if any(ref.startswith(ns) for _oid, ref in updates)]
        return [f"{ns}*:{ns}*" for ns in used] + \
            [f"^{ref}" for ref in sorted(exclude) if any(ref.startswith(ns) for ns in used)]
    tagged = sorted({model_of(ref) for _oid, ref in updates if ref.startswith(layout.TAGS)})
    return [f"{layout.tag_prefix(m)}*:{layout.tag_prefix(m)}*" for m in tagged] + \
        [f"{oid}:{ref}" for oid, ref in updates if not ref.startswith(layout.TAGS)]


def push(git_dir: Path, remote: str, updates: Sequence[tuple[pygit2.Oid, str]],
         exclude: Optional[Collection[str]] = None) -> PushResult:
    """Push `object:ref` pairs atomically and never forced; when any ref is refused, all are.

    Many updates go as namespace wildcards, with `exclude` (every other local ref of those
    namespaces that differs from the remote's) left out by negative refspecs; git then
    picks the local refs as they are when it reads them, so a pre-push hook holds it to
    `updates` (git/transport/pushplan.py): a ref written meanwhile makes it refuse the whole push,
    raised as RefConflict (plan again). Raises TransportError when the conversation broke
    off (the caller finds out by fetching whether the remote took it).
    """
    if not updates:
        return PushResult([], [], [])
    specs = _refspecs(updates, exclude)
    if any("*" in spec for spec in specs):  # git picks the refs: hold it to the plan
        with pushplan.held_to(updates) as (options, env):
            proc = _git(git_dir, "push", "--atomic", "--porcelain", remote, *specs, transport=True,
                        options=options, env_extra=env)
        late = pushplan.refused(proc.stderr)
        if proc.returncode != 0 and late:
            raise RefConflict(late[0])  # written after the plan: plan again, with it
    else:
        proc = _git(git_dir, "push", "--atomic", "--porcelain", remote, *specs, transport=True)
    rejected, pushed = [], []
    for line in proc.stdout.splitlines():
        flag, _, rest = line.partition("\t")
        spec, _, reason = rest.partition("\t")
        if flag == "!":
            rejected.append(Rejection(spec.rpartition(":")[2], reason.strip()))
        elif flag in ("*", " "):
            pushed.append(spec.rpartition(":")[2])
    cause = why(proc.stderr, proc.returncode)
    if proc.returncode != 0 and (not rejected or any(r.unknown for r in rejected)):
        raise TransportError(f"cannot push to {remote}: {cause}", cause)
    said = [line[len("remote:"):].strip() for line in proc.stderr.splitlines()
            if line.startswith("remote:") and line[len("remote:"):].strip()]
    return PushResult(rejected, said, pushed)
