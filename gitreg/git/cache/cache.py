"""A derived, rebuildable cache of facts that are pure functions of git object ids.

Parsing YAML dominates reads of many versions (`list` parses every manifest),
and finding a model's root commit walks the branch. Both answers depend only on
immutable objects, so they are cached keyed by object id:

- manifests: manifest blob id -> the parsed mapping as JSON text (only when it
  is plain JSON data, so the cached value is exactly what YAML would give, and
  every hit is a fresh object);
- version facts: a version tag's object id -> its commit id, manifest blob id and
  tagger (a tag object never changes; `list` then reads no object of a version
  whose manifest is cached too);
- roots: a branch tip commit id -> the model's root commit id (a tip's history
  never changes; a newer tip walks back only to the nearest tip seen before).

Two JSON files per model under `<registry>/gitreg-cache/`, each replaced atomically by
rename. It is never the source of truth: a missing, unreadable, corrupt or
foreign-format file reads as empty, any write error is ignored, and concurrent
writers can only lose entries (each is recomputed on the next miss).

Every cache file gitreg writes ends in a seal: an HMAC-SHA256 of its content under a key
of this user's (`${XDG_CACHE_HOME:-~/.cache}/gitreg/cache-seal.key`, made on first use,
mode 0600). An entry is keyed by the id of the object it derives from, and the seal binds
each entry to that key as this user's gitreg computed it: an entry crafted or edited by
anyone else (well-formed or not) breaks the seal, and the file reads as empty, so every
answer is recomputed from the objects. `GITREG_NO_CACHE=1` reads and writes no cache at all.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import io
import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any, BinaryIO, Callable, Optional

DIR_NAME = "gitreg-cache"
FORMAT = "gitreg-cache/1"
MAX_ROOTS = 8  # tips remembered per model: the newest few are the ones ever walked from
# A manifests file past this many bytes is loaded (~8 ms a MB: read, seal, JSON) for reads of
# many versions only: one small YAML file of a long model (its model.yaml for a served page's
# header) is parsed from its object instead (~1 ms, and PyYAML's import) — 145 MB at 100,000
# versions cost a served page 1.2 s.
ONE_FILE_LIMIT = 2 << 20


def plain(value: Any) -> bool:
    """True when JSON round-trips value to an equal value of the same types.

    One loop over the values with exact-type fast paths (a view index block checks ~5,000
    values per 100 versions: recursion through generators cost ~2 ms of each rebuild);
    anything else is answered by `_plain`, the definition. A structure that holds itself (YAML
    aliases can make one) is left to `_plain` too, which raises RecursionError as it did."""
    stack = [value]
    pop, push = stack.pop, stack.extend
    budget = _CONTAINERS
    while stack:
        v = pop()
        t = type(v)
        if t is str or t is int or t is bool or v is None:
            continue
        if t is float:
            if not math.isfinite(v):
                return False
            continue
        budget -= 1
        if budget < 0:
            return _plain(value)
        if t is dict:
            for k in v:
                if type(k) is not str and not isinstance(k, str):
                    return False
            push(v.values())
        elif t is list:
            push(v)
        elif not _plain(v):
            return False
    return True


_CONTAINERS = 1 << 20  # lists and mappings: more is no manifest, note or view gitreg wrote


def _plain(value: Any) -> bool:
    """plain's definition (subclasses of the JSON types included)."""
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


_scan_json = json.JSONDecoder().scan_once  # C scanner: one entry's value, without loads' wrappers


def _entry(text: str) -> Any:
    """The JSON value of one entry as written (no surrounding space), or None when it is not
    exactly one value: a damaged entry is a miss. json.loads' own work around the scanner was
    a third of decoding 40,000 small entries."""
    try:
        value, end = _scan_json(text, 0)
    except (StopIteration, ValueError, RecursionError):
        return None
    return value if end == len(text) else None


# A version-facts entry as put_version_facts writes it when no string needs an escape: the
# JSON decoder would give exactly these three strings (no quote, backslash or control character).
@functools.cache
def _plain_facts() -> re.Pattern[str]:
    """version_facts' pattern, compiled when first used (~0.25 ms: a reader of the view index
    alone, MLflow's store in a fresh process, never asks for version facts)."""
    return re.compile(r'\["([^"\\\x00-\x1f]{40})", "([^"\\\x00-\x1f]{40})", "([^"\\\x00-\x1f]*)"\]')


MAX_FILE = 256 << 20  # a cache file beyond this is not one gitreg wrote
NO_CACHE_ENV = "GITREG_NO_CACHE"
_SEAL = b"\ngitreg-seal "
SEAL_LENGTH = len(_SEAL) + 64 + 1
_keys: dict[tuple[Optional[str], Optional[str]], bytes] = {}  # by (XDG_CACHE_HOME, HOME): where the key is


def disabled() -> bool:
    """GITREG_NO_CACHE=1: answers come from the objects alone (no cache read or written)."""
    return os.environ.get(NO_CACHE_ENV, "") not in ("", "0")


def _seal_key() -> bytes:
    """This user's sealing key, made on first use; a per-process one where it cannot be kept.
    Remembered by the environment that locates it (a query checks hundreds of MACs)."""
    where = (os.environ.get("XDG_CACHE_HOME"), os.environ.get("HOME"))
    key = _keys.get(where)
    if key is not None:
        return key
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gitreg"
    path = base / "cache-seal.key"
    try:
        base.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(os.urandom(32).hex().encode())
        except FileExistsError:
            pass
        key = path.read_bytes().strip()
        if len(key) < 32:
            raise OSError("short key")
    except OSError:
        key = os.urandom(32)
    _keys[where] = key
    return key


def seal(content: bytes | memoryview) -> bytes:
    """The trailer that binds a cache file's content to this user's gitreg."""
    return _SEAL + hmac.new(_seal_key(), content, hashlib.sha256).hexdigest().encode() + b"\n"


def mac(content: bytes | memoryview) -> str:
    """A short seal of one piece (a line of the view index): 128 bits of the HMAC, as hex."""
    return hmac.new(_seal_key(), content, hashlib.sha256).hexdigest()[:32]


def macs() -> Callable[[bytes | memoryview], str]:
    """mac() under this user's key as it is now, for checking many pieces: the key is located
    once and its HMAC state made once (each piece then hashes from a copy of it)."""
    keyed = hmac.new(_seal_key(), digestmod=hashlib.sha256)

    def one(content: bytes | memoryview) -> str:
        h = keyed.copy()
        h.update(content)
        return h.hexdigest()[:32]

    return one


def sealed_length(data: Any) -> Optional[int]:
    """The length of the content before a valid seal (bytes or mmap), or None: not ours."""
    n = len(data) - SEAL_LENGTH
    if n < 0 or bytes(data[n:n + len(_SEAL)]) != _SEAL:
        return None
    mac = bytes(data[n + len(_SEAL):n + len(_SEAL) + 64])
    good = hmac.new(_seal_key(), memoryview(data)[:n], hashlib.sha256).hexdigest().encode()
    return n if hmac.compare_digest(mac, good) else None


def open_regular(path: Path, limit: int) -> Optional[tuple[int, int]]:
    """(fd, size) of path if it is a regular file (not a FIFO, device or symlink) of at most
    `limit` bytes, opened without following links or blocking, so it can never hang a read;
    the caller closes fd. None otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
    except OSError:
        st = None
    if st is None or not stat.S_ISREG(st.st_mode) or st.st_size > limit:
        os.close(fd)
        return None
    return fd, st.st_size


def _read_regular(path: Path) -> Optional[bytes]:
    """The bytes of path if open_regular opens it."""
    opened = open_regular(path, MAX_FILE)
    if opened is None:
        return None
    try:
        with os.fdopen(os.dup(opened[0]), "rb") as fh:
            return fh.read(MAX_FILE + 1)
    except OSError:
        return None
    finally:
        os.close(opened[0])


def _read(path: Path) -> dict[str, str]:
    """{key: text} from a cache file; anything unreadable, irregular or foreign reads as empty."""
    raw = _read_regular(path)
    size = sealed_length(raw) if raw is not None else None
    try:
        data = json.loads(raw[:size]) if raw is not None and size is not None else None
    except ValueError:
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    entries = data.get("entries")
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, str)}


def _write(path: Path, entries: dict[str, Any], fmt: str = FORMAT) -> None:
    """Replace path atomically (temp file + rename); any failure leaves it as it was."""
    def dump(out: BinaryIO) -> None:
        text = json.dumps({"format": fmt, "entries": entries}, ensure_ascii=False, separators=(",", ":"))
        out.write(text.encode("utf-8"))

    replace(path, dump)


def replace(path: Path, write: Callable[[BinaryIO], None], sealed: bool = True) -> bool:
    """Write a new file with `write`, sealed (unless it seals its own parts), and rename it over
    path; False (and path as it was) on any failure, or under GITREG_NO_CACHE: a cache that
    cannot be written is only slower."""
    if disabled():
        return False
    import tempfile  # a warm read writes nothing: not its start-up cost

    try:
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError:
        return False
    try:
        os.fchmod(fd, 0o644)  # readable like the registry's own files (mkstemp makes 0600)
        buffer = io.BytesIO()
        write(buffer)
        content = buffer.getbuffer()
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            if sealed:
                out.write(seal(content))
        os.replace(tmp, path)
        return True
    except (OSError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False


class _File:
    """One cache file, loaded on first use, written by `flush` only when it gained entries."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: Optional[dict[str, str]] = None
        self.dirty = False

    @property
    def loaded(self) -> bool:
        return self._entries is not None

    @property
    def entries(self) -> dict[str, str]:
        if self._entries is None:
            self._entries = {} if disabled() else _read(self.path)
        return self._entries

    def flush(self) -> None:
        if self.dirty:
            self.dirty = False
            _write(self.path, self.entries)


class ModelCache:
    """The cache of one model: its manifests file (O(model) to rewrite, so only reads
    write it) and its tiny roots file (written by registration too)."""

    def __init__(self, gitdir: Path, model: str) -> None:
        base = gitdir / DIR_NAME
        self._manifests = _File(base / f"{model}.manifests.json")
        self._roots = _File(base / f"{model}.roots.json")

    # -- manifests ---------------------------------------------------------------
    def manifest(self, blob: str) -> Optional[dict[str, Any]]:
        """The cached parse of blob (a fresh object), or None; a damaged entry is a miss."""
        text = self._manifests.entries.get(blob)
        value = _entry(text) if text is not None else None
        return value if isinstance(value, dict) else None

    def put_manifest(self, blob: str, value: dict[str, Any]) -> None:
        entries = self._manifests.entries
        if blob not in entries and plain(value):
            entries[blob] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            self._manifests.dirty = True

    # -- other YAML files: deployment.yaml, model.yaml (in the manifests file, "<kind>:<blob id>")
    def cheap_for_one(self) -> bool:
        """Whether one small file's parse is worth asking the manifests file for: it is loaded
        already, or small (ONE_FILE_LIMIT); a missing or unreadable file is cheap (empty)."""
        if self._manifests.loaded or disabled():
            return True
        try:
            return os.stat(self._manifests.path).st_size <= ONE_FILE_LIMIT
        except OSError:
            return True

    def parsed(self, kind: str, blob: str) -> Optional[dict[str, Any]]:
        """The cached parse of a `kind` file's blob (a fresh object), or None; a damaged entry is a
        miss. Keyed by the blob id, so by content: a warm read of a deployed model parses no YAML."""
        text = self._manifests.entries.get(f"{kind}:{blob}")
        try:
            value = json.loads(text) if text is not None else None
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def put_parsed(self, kind: str, blob: str, value: dict[str, Any]) -> None:
        entries, key = self._manifests.entries, f"{kind}:{blob}"
        if key not in entries and plain(value):
            entries[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            self._manifests.dirty = True

    # -- version facts (in the manifests file, under "tag:<id>") --------------------
    def version_facts(self, tag: str) -> Optional[tuple[str, str, str]]:
        """(commit hex, manifest blob hex, tagger) cached for a tag object id, or None."""
        text = self._manifests.entries.get(f"tag:{tag}")
        if text is None:
            return None
        plain_facts = _plain_facts().fullmatch(text)  # as written, with nothing to unescape: no decoding
        if plain_facts is not None:
            return plain_facts.group(1, 2, 3)  # type: ignore[return-value]
        facts = _entry(text)
        if not (isinstance(facts, list) and len(facts) == 3 and all(isinstance(f, str) for f in facts)):
            return None
        commit, blob, tagger = facts
        return (commit, blob, tagger) if len(commit) == len(blob) == 40 else None

    def put_version_facts(self, tag: str, commit: str, blob: str, tagger: str, replace: bool = False) -> None:
        entries = self._manifests.entries
        key = f"tag:{tag}"
        if replace or key not in entries:
            entries[key] = json.dumps([commit, blob, tagger], ensure_ascii=False)
            self._manifests.dirty = True

    # -- roots -------------------------------------------------------------------
    def root(self, tip: str) -> Optional[str]:
        return self._roots.entries.get(tip)

    def put_root(self, tip: str, root: str) -> None:
        entries = self._roots.entries
        if entries.get(tip) != root:
            entries.pop(tip, None)
            entries[tip] = root  # newest last
            while len(entries) > MAX_ROOTS:
                del entries[next(iter(entries))]
            self._roots.dirty = True

    def flush(self) -> None:
        self._manifests.flush()
        self._roots.flush()
