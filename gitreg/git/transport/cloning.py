"""`git clone` of a registry, started before the rest of gitreg is imported.

At 1,000 versions a clone's transfer takes about as long as importing pygit2 and the
registry modules; started first (this module imports neither pygit2 nor yaml), git
transfers while Python imports, and the wait is the longer of the two, not their sum.
The module imports nothing heavier than subprocess (no dataclasses: its `inspect` is ~10 ms
of start-up), so that `gitreg clone` can start git before the CLI is imported (api/clonestart).
"""
from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from pathlib import Path
from typing import NamedTuple, Optional

from gitreg.core.errors import GitregError, InvalidValueError, RemoteError, ResourceLimitError
from gitreg.core.names import check_remote_name
from gitreg.git import config as gitconfig
from gitreg.git import gitcli
from gitreg.git.refs import layout

NAMESPACES = (layout.HEADS, layout.TAGS, layout.DEPLOYED, layout.NOTES, layout.APPROVALS)
SINGLE = (layout.POLICY,)  # shared refs that are not a namespace: in every scope
SYNC_KEY = "gitreg.remote"  # the remote every write is published to
TIMEOUT_KEY = "gitreg.timeout"
DEFAULT_TIMEOUT = 30  # seconds without progress before a transfer is given up
HARD_LIMIT_FACTOR = 20  # any one git transport command: at most this many timeouts in all


def timeout_seconds(git_dir: Optional[Path]) -> int:
    """`gitreg.timeout` (seconds) as git reads it now: the registry's config, GIT_CONFIG_GLOBAL,
    GIT_CONFIG_COUNT/KEY/VALUE, includes (None: no registry yet); else DEFAULT_TIMEOUT."""
    found = gitconfig.read(git_dir) if git_dir is not None else gitconfig.read_user()
    try:
        value = int(found[TIMEOUT_KEY]) if found is not None else 0
    except (KeyError, ValueError):
        value = 0
    return value if value > 0 else DEFAULT_TIMEOUT


def transport_options(timeout: int, ssh_command: Optional[str]) -> tuple[list[str], dict[str, str]]:
    """(git -c options, environment) bounding a stalled transfer to about `timeout` seconds.

    HTTP(S): curl gives up when fewer than 1 byte/s move for `timeout` s. SSH: the
    connection (and banner exchange) must complete within `timeout`, and a silent
    server is dropped after 3 unanswered keep-alives `timeout/3` s apart. The
    user's own ssh command (core.sshCommand / GIT_SSH_COMMAND) is kept and
    extended; a GIT_SSH program is left alone.
    """
    args = ["-c", "http.lowSpeedLimit=1", "-c", f"http.lowSpeedTime={timeout}"]
    env: dict[str, str] = {}
    if not os.environ.get("GIT_SSH"):
        base = os.environ.get("GIT_SSH_COMMAND") or ssh_command or "ssh"
        env["GIT_SSH_COMMAND"] = (f"{base} -o ConnectTimeout={timeout} "
                                  f"-o ServerAliveInterval={max(1, timeout // 3)} -o ServerAliveCountMax=3")
    return args, env


class Started(NamedTuple):
    """A `git clone` under way; its process group dies with gitreg (gitcli.group_guard).
    A NamedTuple, not a dataclass: importing dataclasses would cost more than starting git."""

    proc: subprocess.Popen
    guard: contextlib.ExitStack
    limit: float  # seconds git may take in all
    target: Path
    existed: bool  # the target was an empty directory before

    def wait(self) -> subprocess.CompletedProcess[str]:
        """git's outcome (returncode 124: it was stopped at the time limit)."""
        with self.guard:
            try:
                out, err = self.proc.communicate(timeout=self.limit)
            except subprocess.TimeoutExpired:
                return subprocess.CompletedProcess([], 124, "", f"fatal: git did not finish within {self.limit} s")
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)

    def abandon(self) -> None:
        """Stop git if it still runs and leave nothing half-made behind."""
        import shutil  # only a failed clone needs it (bz2 and lzma come with it: 2 ms of start-up)

        self.guard.close()
        shutil.rmtree(self.target, ignore_errors=True)
        if self.existed:
            self.target.mkdir()


def start(target: Path, remote: str, url: str) -> Started:
    """Start `git clone --bare` of `url` into `target` (new, or an empty directory), with
    every gitreg namespace; `remote` becomes the sync remote (SYNC_KEY, written by clone)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise GitregError(f"{target} already exists; clone needs a new or empty path")
    check_remote_name(remote)
    if not url or url != url.strip() or "\n" in url:
        raise InvalidValueError(f"remote URL {url!r} is empty or has surrounding space")
    existed = target.exists()
    # Given to git, not to clone: the refspecs serve this fetch and stay out of the new config
    # (a gitreg remote has none, so plain `git fetch` leaves the registry alone). clone --bare
    # already maps heads and tags onto themselves; a ref outside the namespaces is taken into
    # the mirror here too (the namespaces are copied there afterwards: clone_into).
    specs = []
    for ns in NAMESPACES[2:] + SINGLE:
        specs += ["-c", f"remote.{remote}.fetch=+{ns}*:{ns}*"]
    for ref in SINGLE:
        specs += ["-c", f"remote.{remote}.fetch=+{ref}*:{layout.MIRROR}{remote}/{ref[len('refs/'):]}*"]
    timeout = timeout_seconds(None)
    extra, env = transport_options(timeout, None)
    full = gitcli.environment()
    full.update(env)
    try:
        proc = subprocess.Popen(["git", *extra, *specs, "clone", "--quiet", "--bare", "--origin", remote,
                                 "-c", f"{SYNC_KEY}={remote}", url,
                                 str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True, errors="replace", env=full,
                                start_new_session=True)
    except OSError as exc:
        if exc.errno in (errno.EMFILE, errno.ENFILE):
            raise ResourceLimitError(f"cannot run git: {exc.strerror} (raise 'ulimit -n')") from None
        raise gitcli.GitMissing(exc.errno, f"cannot run git: {exc.strerror}") from None
    guard = contextlib.ExitStack()
    guard.enter_context(gitcli.group_guard(proc))
    return Started(proc, guard, timeout * HARD_LIMIT_FACTOR, target, existed)


def clone_into(target: Path, remote: str, url: str, started: Optional[Started] = None) -> None:
    """A new registry at `target` holding `url`'s gitreg refs both as its own and in the
    mirror, in packed-refs (as fast as `git clone --mirror`).

    git clone writes the registry's own refs into packed-refs in one go; the mirror is the
    same refs under other names, added to that file (git/objects/packwrite: asking git clone for
    both doubled its ref work). `started`: that clone already under way (start).
    """
    proc = (started or start(target, remote, url)).wait()
    # imported after git started (not at the top): they are not needed to start it
    from gitreg.core.urls import redact
    from gitreg.git.objects import packwrite
    from gitreg.git.transport.failures import TransportError, why

    if proc.returncode != 0:
        raise TransportError(f"cannot clone {redact(url)}: {why(proc.stderr, proc.returncode)}",
                             why(proc.stderr, proc.returncode))
    if not packwrite.copy_refs(target, [(ns, layout.mirrored(remote, ns)) for ns in NAMESPACES]):
        _mirror_with_git(target, remote)


def _mirror_with_git(target: Path, remote: str) -> None:
    """The mirror made by git from the local refs (when packed-refs is not a fresh clone's)."""
    listed = gitcli.run(target, "for-each-ref", "--format=%(objectname) %(refname)", *NAMESPACES)
    commands = "".join(f"create {layout.mirrored(remote, ref)} {oid}\n" for oid, _, ref in
                       (line.partition(" ") for line in listed.stdout.splitlines()))
    made = gitcli.run(target, "update-ref", "--stdin", input=commands)
    if listed.returncode != 0 or made.returncode != 0:
        raise RemoteError(f"cannot record {remote}'s refs: {(listed.stderr or made.stderr).strip()[:200]}")
    gitcli.run(target, "pack-refs", "--all")
