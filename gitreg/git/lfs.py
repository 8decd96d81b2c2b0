"""The registry's Git LFS store and its transport (DESIGN.md 'Stored artifacts (Git LFS)').

Objects live where git-lfs keeps them in a bare repository,
`<registry>/lfs/objects/<aa>/<bb>/<oid>` (oid = sha256 of the content), so the
real `git lfs` CLI, run inside the registry, uploads and downloads them with the
user's remotes and credentials (`git lfs push --object-id`, `git lfs fetch`). An
object is written to `<registry>/lfs/tmp/` and renamed into place, so a reader never
sees half an object; identical content is stored once. Objects are made read-only:
links to them are handed out (see gitreg.features.artifacts), and a write through one would
corrupt every version that shares it.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterable, Optional, Sequence

from gitreg.core.errors import GitregError, RemoteError
from gitreg.git import gitcli, tempdirs
from gitreg.git.refs import lockowner
from gitreg.git.transport.remote import timeout_seconds

POINTER_VERSION = "https://git-lfs.github.com/spec/v1"
ATTRIBUTES = b"artifacts/** filter=lfs diff=lfs merge=lfs -text\n"
INSTALL_HINT = ("git-lfs is needed to store and fetch artifact files and it is not installed: "
                "install it (Debian/Ubuntu: apt-get install git-lfs; macOS: brew install git-lfs)")
MAX_POINTER_BYTES = 1024  # git-lfs's own limit for what may be a pointer
_OID_RE = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20
_OIDS_PER_CALL = 200  # bounded command lines


class LfsMissing(GitregError):
    """The git-lfs command is not installed."""


LFSCONFIG_FILE = ".lfsconfig"
# what an endpoint published in .lfsconfig may hold: a URL without git-config quoting or comments
_PUBLISHABLE = re.compile(r"https?://[A-Za-z0-9._~:/?&=%+@!$'()*,\[\]-]{1,2000}")


def published_endpoint(git_dir: Path, remote: Optional[str]) -> Optional[bytes]:
    """The `.lfsconfig` a version tree carries when this registry's LFS endpoint is set apart
    from its git remote (`lfs.url`, else `remote.<sync remote>.lfsurl`): a plain clone of the
    remote then finds the LFS server the git-lfs way. None when git-lfs derives the endpoint
    from the remote URL (nothing to publish). A login in the URL is never published."""
    from urllib.parse import urlsplit, urlunsplit

    from gitreg.git import config

    cfg = config.read(git_dir)
    if cfg is None:
        return None
    keys = ["lfs.url"] + ([f"remote.{remote}.lfsurl"] if remote else [])
    url = next((cfg[k] for k in keys if k in cfg and cfg[k]), None)
    if url is None:
        return None
    parts = urlsplit(url.strip())
    url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return f"[lfs]\n\turl = {url}\n".encode() if _PUBLISHABLE.fullmatch(url) else None


def is_oid(text: object) -> bool:
    return isinstance(text, str) and _OID_RE.fullmatch(text) is not None


def pointer(oid: str, size: int) -> bytes:
    """The LFS pointer file text for an object (git-lfs spec v1)."""
    return f"version {POINTER_VERSION}\noid sha256:{oid}\nsize {size}\n".encode()


def parse_pointer(data: bytes) -> Optional[tuple[str, int]]:
    """(oid, size) of a pointer file, or None when `data` is not one."""
    if len(data) > MAX_POINTER_BYTES:
        return None
    fields = {}
    for line in data.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(" ")
        fields[key] = value
    oid = fields.get("oid", "").removeprefix("sha256:")
    size = fields.get("size", "")
    if fields.get("version") != POINTER_VERSION or not is_oid(oid) or not size.isdigit():
        return None
    return oid, int(size)


def object_path(git_dir: Path, oid: str) -> Path:
    if not is_oid(oid):
        raise ValueError(f"not an LFS object id: {oid!r}")
    return git_dir / "lfs" / "objects" / oid[:2] / oid[2:4] / oid


def has_object(git_dir: Path, oid: str, size: Optional[int] = None) -> bool:
    """An object file of the right size is there (its content is checked by whoever reads it)."""
    try:
        st = object_path(git_dir, oid).stat()
    except OSError:
        return False
    return st.st_size == size if size is not None else True


class ObjectWriter:
    """One object being written: bytes go to a temporary file, `commit(oid)` renames it into place."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        tmp = tmp_dir(git_dir)
        for leftover in leftover_copies(git_dir):  # a killed writer's partial copy (cheap: one listing)
            leftover.unlink(missing_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"{_TMP_PREFIX}{lockowner.tag()}.", dir=tmp)
        self._fd: Optional[int] = fd
        self._name = Path(name)

    def fileno(self) -> int:
        """The temporary file, open for reading and writing (the copy is hashed back from it)."""
        if self._fd is None:
            raise ValueError("object writer already committed or aborted")
        return self._fd

    def commit(self, oid: str) -> Path:
        """Put the object in place as `oid` (which the caller hashed); an existing one is kept."""
        os.close(self._fd)
        self._fd = None
        adopt(self.git_dir, self._name, oid)  # its bytes were hashed as they were written
        return object_path(self.git_dir, oid)

    def abort(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._name.unlink(missing_ok=True)


def adopt(git_dir: Path, staged: Path, oid: str) -> None:
    """Put a file whose content was just hashed to `oid` into the store (it is moved, so it
    must be on the registry's file system, e.g. under lfs/tmp/); stored once: an existing
    object (identical content from another version or model) is kept."""
    target = object_path(git_dir, oid)
    if target.exists():
        staged.unlink(missing_ok=True)
        return
    os.chmod(staged, 0o444)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, target)
    mark_checked(git_dir, oid)


def delete_object(git_dir: Path, oid: str) -> int:
    """Remove an object from the store (retention); returns the bytes freed (0: it was not here)."""
    path = object_path(git_dir, oid)
    try:
        size = path.stat().st_size
        path.unlink()
    except FileNotFoundError:
        return 0
    _mark_file(git_dir, oid).unlink(missing_ok=True)
    return size


def tmp_dir(git_dir: Path) -> Path:
    """Where objects are staged before they are renamed into place (same file system)."""
    tmp = git_dir / "lfs" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    return tmp


_TMP_PREFIX = "gitreg-"  # then <pid>.<process start ticks>.<random>: whose copy it is
_OLD_TMP_AGE = 3600.0  # a copy whose name says no writer: no copy takes an hour


def leftover_copies(git_dir: Path) -> list[Path]:
    """gitreg's partial copies in `<registry>/lfs/tmp/` whose writer is gone (killed mid-copy);
    git-lfs's own temporary files there are left to it."""
    tmp = git_dir / "lfs" / "tmp"
    try:
        entries = [e for e in os.scandir(tmp) if e.name.startswith(_TMP_PREFIX) and e.is_file(follow_symlinks=False)]
    except OSError:
        return []
    found = []
    for e in entries:
        gone = lockowner.tagged_gone(e.name[len(_TMP_PREFIX):])
        if gone is None:
            try:
                gone = time.time() - e.stat(follow_symlinks=False).st_mtime > _OLD_TMP_AGE
            except OSError:
                continue
        if gone:
            found.append(Path(e.path))
    return found


# -- objects already checked ------------------------------------------------------------
# A full sha256 of an object is recorded with the object file's stat (size, inode,
# mtime, ctime) in the derived cache; while that stat is unchanged the object is the
# one that was checked (any write or chmod moves ctime), so `get` need not hash it
# again. `verify --files` never reads this: it always hashes.
CHECKED_DIR = "lfs-checked"  # under gitreg-cache/: one mark file per object


def _mark_file(git_dir: Path, oid: str) -> Path:
    return git_dir / "gitreg-cache" / CHECKED_DIR / oid


def _stamp(path: Path) -> Optional[str]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_size} {st.st_ino} {st.st_mtime_ns} {st.st_ctime_ns}\n"


def mark_checked(git_dir: Path, oid: str) -> None:
    """Record that the object's content was just hashed and is `oid` (best effort)."""
    stamp = _stamp(object_path(git_dir, oid))
    if stamp is None:
        return
    mark = _mark_file(git_dir, oid)
    try:
        mark.parent.mkdir(parents=True, exist_ok=True)
        tmp = mark.with_name(f".{oid}.{os.getpid()}")
        tmp.write_text(stamp)
        os.replace(tmp, mark)
    except OSError:
        pass


def is_checked(git_dir: Path, oid: str) -> bool:
    """Whether the object is unchanged since it was hashed (a mark that is not a regular file is ignored)."""
    mark = _mark_file(git_dir, oid)
    try:
        if not mark.is_file() or mark.is_symlink() or mark.stat().st_size > 100:
            return False
        recorded = mark.read_text()
    except OSError:
        return False
    return recorded == _stamp(object_path(git_dir, oid))


def object_sha256(git_dir: Path, oid: str, progress=None) -> Optional[str]:
    """The sha256 of the stored object's content (None when absent); progress: HashProgress."""
    try:
        return file_sha256(object_path(git_dir, oid), progress)
    except OSError:
        return None


def file_sha256(path: Path, progress=None) -> str:
    """The sha256 of a file's content, as LFS names objects (OSError when it cannot be read)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            if progress is not None:
                progress.advance(len(chunk))
    return digest.hexdigest()


# -- the git-lfs command ------------------------------------------------------------
_checked: dict[str, bool] = {}


def require_git_lfs() -> None:
    """Raise LfsMissing with the install line when `git lfs` cannot run (checked once per PATH)."""
    key = os.environ.get("PATH", "")
    if key not in _checked:
        try:
            proc = subprocess.run(["git", "lfs", "version"], capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL, timeout=30)
            _checked[key] = proc.returncode == 0 and proc.stdout.startswith("git-lfs/")
        except (OSError, subprocess.SubprocessError):
            _checked[key] = False
    if not _checked[key]:
        raise LfsMissing(INSTALL_HINT)


STALL_MARGIN = 5  # seconds beyond gitreg.timeout before a silent git-lfs is stopped


def _lfs(git_dir: Path, *args: str, stream: bool = False) -> subprocess.CompletedProcess[str]:
    """`git lfs <args>` in the registry, stopped (with its children) once nothing has moved for
    gitreg.timeout (+ STALL_MARGIN) seconds: git-lfs's own retries and back-off would wait on a
    stalled server for many minutes. Progress is what git-lfs reports (GIT_LFS_PROGRESS) and the
    bytes of downloads under way; a stopped call is exit 124, and git-lfs only ever renames
    whole objects into place, so nothing half-written is left to read."""
    require_git_lfs()
    seconds = timeout_seconds(git_dir)
    # git-lfs asks a file:// remote "which locks?" before a push; the registry has none
    config = ("-c", "lfs.locksverify=false", "-c", f"lfs.activitytimeout={seconds}",
              "-c", f"lfs.dialtimeout={seconds}")
    with tempdirs.make("gitreg-lfs-") as tmp:
        log = Path(tmp) / "progress"
        env = {**gitcli.environment(), "GIT_LFS_PROGRESS": str(log)}
        # on a terminal git-lfs draws its own progress, but only when its stdout is a terminal too: both
        # go to our stderr, so that gitreg's own stdout (paths, JSON) stays clean when it is piped
        proc = subprocess.Popen(["git", f"--git-dir={git_dir}", *config, "lfs", *args],
                                stdout=2 if stream else subprocess.PIPE,
                                stderr=None if stream else subprocess.PIPE,  # stream: git-lfs draws its own progress
                                stdin=subprocess.DEVNULL, text=True, errors="replace", env=env,
                                start_new_session=True)
        watched = (log, git_dir / "lfs" / "incomplete", git_dir / "lfs" / "tmp")
        moved, last = time.monotonic(), _activity(watched)
        with gitcli.group_guard(proc):  # stalled, or gitreg stopped: the group is killed
            while True:
                try:
                    out, err = proc.communicate(timeout=0.25)
                    return subprocess.CompletedProcess(proc.args, proc.returncode, out or "", err or "")
                except subprocess.TimeoutExpired:
                    now = _activity(watched)
                    if now != last:
                        moved, last = time.monotonic(), now
                    elif time.monotonic() - moved > seconds + STALL_MARGIN:
                        break
    return subprocess.CompletedProcess(proc.args, 124, "", f"no progress for {seconds} s (gitreg.timeout): "
                                       "the LFS server stopped answering; stopped")


def _activity(paths: Sequence[Path]) -> tuple:
    """What changes while git-lfs moves bytes: its progress log, and files being downloaded."""
    out = []
    for path in paths:
        try:
            if path.is_dir():
                out += sorted((e.name, e.stat().st_size) for e in os.scandir(path) if e.is_file())
            else:
                st = path.stat()
                out.append((st.st_size, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


def _why(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(("Uploading LFS", "Downloading LFS", "fetch:"))]
    return (useful or lines or [f"git lfs exited {proc.returncode}"])[0][:300]


def _batches(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _OIDS_PER_CALL):
        yield items[start:start + _OIDS_PER_CALL]


def push_objects(git_dir: Path, remote: str, oids: Iterable[str], progress: bool = False) -> None:
    """Upload objects to the remote's LFS endpoint; the server skips what it already has.

    Raises RemoteError when any upload fails: the caller then pushes no ref.
    """
    wanted = sorted(set(oids))
    missing = [oid for oid in wanted if not has_object(git_dir, oid)]
    if missing:
        raise RemoteError(
            f"{len(missing)} stored file(s) are not in this registry's LFS store (first: {missing[0][:16]}…): "
            "'gitreg get' the versions first, or push from the registry that stored them"
        )
    for batch in _batches(wanted):
        proc = _lfs(git_dir, "push", "--object-id", remote, *batch, stream=progress)
        if proc.returncode != 0:
            raise RemoteError(f"cannot upload stored files to {remote}'s LFS endpoint: {_why(proc)}")


def fetch_objects(git_dir: Path, remote: str, commit: str, include: Sequence[str], progress: bool = False) -> None:
    """Download the objects of `commit`'s pointer files under the `include` paths (only those)."""
    proc = _lfs(git_dir, "fetch", remote, commit, f"--include={','.join(include)}", "--exclude=",
                stream=progress)
    if proc.returncode != 0:
        raise RemoteError(f"cannot download stored files from {remote}: {_why(proc)}")
