"""The registry's bare repository: the only place that reads or writes git objects and refs."""
from __future__ import annotations

import contextlib
import functools
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Mapping, Optional, Sequence

import pygit2
from pygit2.enums import ObjectType, Option, RepositoryOpenFlag, SortMode

from gitreg.core.errors import (
    CorruptRegistryError,
    GitregError,
    RegistryAccessError,
    ResourceLimitError,
    SyncConflictError,
    too_large,
)
from gitreg.core.problems import ProblemLog
from gitreg.core.yamlio import MANIFEST_LIMIT
from gitreg.git import config as gitconfig
from gitreg.git.cache.cache import ModelCache
from gitreg.git.objects import notes
from gitreg.git.refs import layout, refscan

if TYPE_CHECKING:  # signing is imported by the writes that sign, not by every read
    from types import ModuleType

    from gitreg.core.audit_records import SignatureBlock
    from gitreg.git.refs.transaction import RefUpdate
    from gitreg.git.signing.signing import Signer

# Called with a write's ref updates before they are made locally; raises
# RefConflict to have the write rebuilt (see gitreg.features.sync.sync: push to the sync remote).
# What it returns, if anything, is called once the local refs have moved.
Publisher = Callable[[Sequence["RefUpdate"]], Optional[Callable[[], None]]]


# Loose tag refs beyond this are packed after a registration: packed refs scan at
# C speed and keep the refs directory small (one tag per version would not).
PACK_LOOSE_TAGS = 256
READ_LIMIT = MANIFEST_LIMIT  # the largest object read whole by default: manifests, notes, cards


def _owner(path: Path) -> str:
    """' (owned by NAME)' for messages, when it can be told."""
    try:
        uid = path.stat().st_uid
    except OSError:
        return ""
    try:
        import pwd

        return f" (owned by {pwd.getpwuid(uid).pw_name})"
    except (ImportError, KeyError):
        return f" (owned by uid {uid})"


def _open_trusted(path: Path) -> pygit2.Repository:
    """A registry owned by another user, opened when git itself trusts it (safe.directory, read
    as git reads its configuration now), else refused with git's own remedy in one line.
    libgit2's check reads neither GIT_CONFIG_GLOBAL nor GIT_CONFIG_COUNT, so git decides."""
    from gitreg.git import gitcli  # subprocess and signals: not loaded by a registry one owns

    proc = gitcli.run(None, "-C", str(path), "rev-parse", "--git-dir", timeout=30)
    if proc.returncode != 0:
        if "dubious ownership" in proc.stderr:
            raise RegistryAccessError(
                f"the registry {path} belongs to another user{_owner(path)} and git does not trust it; "
                f"if you do: git config --global --add safe.directory {path}")
        raise CorruptRegistryError(f"registry path {path} is not a git repository")
    pygit2.option(Option.SET_OWNER_VALIDATION, 0)
    try:
        return pygit2.Repository(str(path), RepositoryOpenFlag.NO_SEARCH)
    except pygit2.GitError:
        raise CorruptRegistryError(f"registry path {path} is not a git repository") from None
    finally:
        pygit2.option(Option.SET_OWNER_VALIDATION, 1)


# The write path's modules, imported by the first write (a read never loads them), then found by
# one cached call: `from a import b` inside a method runs importlib's _handle_fromlist each time
# (~4k instructions; a registration ran eight of them here).
@functools.cache
def _identity() -> "ModuleType":
    from gitreg.git.signing import identity

    return identity


@functools.cache
def _signing() -> "ModuleType":
    from gitreg.git.signing import signing

    return signing


@functools.cache
def _transaction() -> "ModuleType":
    from gitreg.git.refs import transaction

    return transaction


@functools.cache
def _leftovers() -> "ModuleType":
    from gitreg.git.refs import leftovers

    return leftovers


class Store:
    """A thin, typed face over pygit2 for the registry layout in DESIGN.md."""

    def __init__(self, repo: pygit2.Repository, path: Path) -> None:
        self.repo = repo
        self.path = path
        self.roots: dict[str, pygit2.Oid] = {}  # model -> root commit; immutable once made
        self.root_writes_since: dict[str, int] = {}  # model -> writes since its root was cached (registration)
        # model -> (a tip this process wrote, the version its subject claims, that version's tag):
        # facts of immutable objects, so the next registration on that tip reads none of them
        self.written_tips: dict[str, tuple[pygit2.Oid, str, pygit2.Oid]] = {}
        # model -> (its loose tag names as last listed, the valid versions among them, their
        # highest number): keyed by the names themselves (snapshot.version_parts)
        self.loose_versions: dict[str, tuple[frozenset[str], frozenset[str], int]] = {}
        self.publisher: Optional[Publisher] = None
        self._caches: dict[str, ModelCache] = {}
        self.gitdir = Path(repo.path)  # made once: a write asks for it a dozen times
        self._gitdir_text = str(self.gitdir)  # the configuration's key: a Path's str() and hash are Python calls
        self._packed = refscan.PackedRefs(self.gitdir)
        self.problems = ProblemLog()  # what reads skipped (gitreg/core/problems.py)
        self.wrote = False  # a ref update was made through this store (update_refs)
        self._ignorecase: Optional[bool] = None  # core.ignorecase (ignores_case)
        self._pack_skip = 0  # writes before pack_refs_if_needed counts loose refs again
        self.scans: dict[str, int] = {}  # targets_under listings per prefix: what a read costs, for tests

    # -- opening -------------------------------------------------------------
    @classmethod
    def open(cls, path: Path) -> Optional["Store"]:
        """The registry at path, or None when there is none yet (reads see it empty)."""
        try:
            if not path.exists() or (path.is_dir() and not any(path.iterdir())):
                return None
        except PermissionError:
            raise RegistryAccessError(f"cannot read the registry {path}: permission denied{_owner(path)}; "
                                      "ask its owner for read access") from None
        if not path.is_dir():
            raise CorruptRegistryError(f"registry path {path} is a file, not a git repository")
        try:
            repo = pygit2.Repository(str(path), RepositoryOpenFlag.NO_SEARCH)
        except pygit2.GitError as exc:
            if "not owned by current user" not in str(exc):
                raise CorruptRegistryError(f"registry path {path} is not a git repository") from None
            repo = _open_trusted(path)
        if not repo.is_bare:
            raise CorruptRegistryError(
                f"registry path {path} is a repository with a work tree; gitreg needs a "
                "dedicated bare repository"
            )
        return cls(repo, path)

    def require_writable(self) -> None:
        """Refuse a write this user cannot make, in one line, before anything is written."""
        if not all(os.access(self.path / sub, os.W_OK | os.X_OK) for sub in ("objects", "refs")):
            raise RegistryAccessError(f"cannot write to the registry {self.path}: permission denied"
                                      f"{_owner(self.path)}; ask its owner for write access, or work in "
                                      "a clone ('gitreg clone')")

    @classmethod
    def create(cls, path: Path, parents: bool = True) -> "Store":
        """Open the registry, creating it first if needed (its missing parent directories
        too only with `parents`: a mistyped path must not grow a directory tree).

        A new registry is initialised beside its final path and renamed into
        place, so a concurrent reader or creator never sees half a repository.
        """
        existing = cls.open(path)
        if existing is not None:
            return existing
        if not parents and not path.parent.is_dir():
            raise GitregError(
                f"no registry at {path}, and its directory {path.parent} does not exist: check the path "
                "(-R, $GITREG_REGISTRY), or create it there with `gitreg init` (API: ModelRegistry.init())")
        import tempfile

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        except OSError as exc:
            raise GitregError(f"cannot create registry at {path}: {exc.strerror}") from None
        try:
            pygit2.init_repository(str(staging), bare=True)
            mask = os.umask(0o022)
            os.umask(mask)
            os.chmod(staging, 0o777 & ~mask)  # as `git init` makes it (mkdtemp's is private)
            os.rename(staging, path)
        except OSError:  # another process created it first (or path is in the way)
            shutil.rmtree(staging, ignore_errors=True)
        except pygit2.GitError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise GitregError(f"cannot create registry at {path}: {exc}") from None
        store = cls.open(path)
        if store is None:
            raise GitregError(f"cannot create registry at {path}")
        return store

    # -- identity ------------------------------------------------------------
    def signer(self, what: str, sign: Optional[bool] = None) -> Optional["Signer"]:
        """How to sign a 'tag' or 'commit' as git's configuration (or `sign`) says; None: unsigned."""
        return _signing().signer_for(self.config(), what, sign)

    def config(self) -> "gitconfig.GitConfig | pygit2.Config":
        """The configuration as git reads it now (gitconfig.py); libgit2's only without git."""
        return gitconfig.read(self._gitdir_text) or self.repo.config

    def is_signed(self, oid: str) -> bool:
        """Whether the commit `oid` carries a signature (gpgsig header)."""
        try:
            obj = self.repo[oid]
        except (KeyError, ValueError, pygit2.GitError):
            return False
        return obj.type == ObjectType.COMMIT and obj.gpg_signature[0] is not None

    def tag_signature(self, oid: pygit2.Oid) -> Optional["SignatureBlock"]:
        """The signature block on tag object `oid`, described (not verified); None: unsigned or no tag."""
        from gitreg.git.signing import sigblock, signing

        kind, data = self.repo.odb.read(oid)[:2]
        if kind != ObjectType.TAG:
            return None
        _, block = signing.split_signed(data)
        return sigblock.describe(block) if block is not None else None

    @staticmethod
    def commit_signature(commit: pygit2.Commit) -> Optional["SignatureBlock"]:
        """The commit's gpgsig header, described (not verified); None when unsigned."""
        from gitreg.git.signing import sigblock

        block = commit.gpg_signature[0]
        return sigblock.describe(block) if block is not None else None

    def signature(self, role: str, when: float) -> pygit2.Signature:
        """Who `role` is at `when`; once per steady() scope (a registration's commit, tag and
        returned record name the same committer at the same instant)."""
        return gitconfig.remembered(("signature", role, when, self._gitdir_text),
                                    lambda: _identity().signature(self.config(), role, when, gitdir=self._gitdir_text))

    # -- refs ----------------------------------------------------------------
    def ref_target(self, name: str) -> Optional[pygit2.Oid]:
        try:
            return self.repo.references[name].target
        except KeyError:
            return None
        except pygit2.GitError as exc:
            raise CorruptRegistryError(f"cannot read ref {name}: {exc}") from None

    def ref_names_under(self, prefix: str) -> set[str]:
        """Names below prefix (which ends in '/'), relative to it; no targets are read."""
        return {full[len(prefix):] for full in refscan.names_under(self.gitdir, prefix, self._packed)}

    def kept_names_under(self, prefix: str, keep: Callable[[list[str]], set[str]],
                         keep_loose: Optional[Callable[[list[str]], set[str]]] = None,
                         ) -> tuple[frozenset[str], set[str]]:
        """keep(names below prefix, relative to it) as (packed, loose), no target read; the packed
        ones filtered once per packed-refs file (a write into a big model lists its versions each
        time); the loose ones by `keep_loose` when given."""
        return refscan.kept_names_under(self.gitdir, prefix, self._packed, keep, keep_loose)

    def targets_under(self, prefix: str) -> dict[str, bytes]:
        """{name relative to prefix: raw target} in one scan, for refs that never move
        (tags); turn a raw target into an id with `raw_target`."""
        self.scans[prefix] = self.scans.get(prefix, 0) + 1
        return refscan.targets_under(self.gitdir, prefix, self._packed, relative=True)

    def peeled_under(self, prefix: str) -> dict[str, tuple[bytes, bytes]]:
        """{full name: (raw target, raw peeled id)} from packed-refs' peel lines (see refscan)."""
        return self._packed.peeled_under(prefix)

    @staticmethod
    def raw_target(raw: Optional[bytes]) -> Optional[pygit2.Oid]:
        """The id a raw target names; None when only libgit2 can resolve it (use ref_target)."""
        hexid = refscan.oid_hex(raw)
        return pygit2.Oid(hex=hexid) if hexid else None

    def update_refs(
        self,
        updates: Sequence["RefUpdate"],
        message: str,
        guards: Mapping[str, Optional[pygit2.Oid]] = {},
        publish: bool = True,
        check: Optional[Callable[[], None]] = None,
        ident: Optional[tuple[str, str]] = None,
    ) -> None:
        """Compare-and-swap locally; with a publisher, the remote accepts the change first.

        Once the remote has it, it is the truth: the local refs then only move
        forward to it (another local process may already have brought it in). `guards`
        stay locked from `check` until then, so the case rule holds with a remote too.
        `ident` (name, email): who the ref logs name (the write's committer; transaction.update_refs).
        """
        txn = _transaction()
        _leftovers().sweep_if_due(self.gitdir)
        if self.publisher is None or not publish:
            txn.update_refs(self.repo, updates, message, guards, check, self.gitdir, ident)
            self.wrote = True
            return
        held = {name: old for name, old in guards.items() if name not in {u.name for u in updates}}
        with txn.guarded(self.repo, held) if held else contextlib.nullcontext():  # until it is local too
            if check is not None:
                check()
            moved = self.publisher(updates)
            published = {u.name: u.new for u in updates}
            # The remote has it now: this must not raise RefConflict, which would make the
            # caller rebuild and publish the change a second time.
            deadline = time.monotonic() + txn.STALE_LOCK_SECONDS
            while True:
                try:
                    self.advance_refs(published, message)
                    self.wrote = True
                    if moved is not None:
                        moved()
                    return
                except txn.RefConflict as conflict:
                    if conflict.lock_file is not None and time.monotonic() < deadline:
                        time.sleep(0.005)  # another local writer holds the lock for a moment
                        continue
                    raise SyncConflictError(
                        f"the change was published, but the local {conflict.ref} has diverged from it "
                        "(local writes made offline meanwhile?): run 'gitreg pull'"
                    ) from None

    def advance_refs(self, updates: Mapping[str, pygit2.Oid], message: str) -> dict[str, str]:
        """Create or fast-forward refs (never backwards, never sideways); see transaction."""
        from gitreg.git.refs.transaction import advance_refs

        return advance_refs(self.repo, updates, message)

    def refs_under(self, prefix: str) -> dict[str, pygit2.Oid]:
        """{full ref name: target} for every ref below prefix (which ends in '/').

        Targets come from the one scan that found the names (a pull reads 200,000 refs at
        100,000 versions: a libgit2 lookup per name was most of its own time); only a
        target that is not a plain id (symbolic, damaged) is asked of libgit2."""
        found = {}
        for name, raw in refscan.targets_under(self.gitdir, prefix, self._packed).items():
            target = self.raw_target(raw) or self.ref_target(name)
            if target is not None:
                found[name] = target
        return found

    def relation(self, ours: pygit2.Oid, theirs: pygit2.Oid) -> str:
        """'equal', 'behind' (theirs descends from ours), 'ahead', or 'diverged'.

        Tag objects (and anything not a commit) are only ever equal or diverged.
        """
        if ours == theirs:
            return "equal"
        from gitreg.git.refs.transaction import is_commit

        if not (is_commit(self.repo, ours) and is_commit(self.repo, theirs)):
            return "diverged"
        if self.repo.descendant_of(theirs, ours):
            return "behind"
        if self.repo.descendant_of(ours, theirs):
            return "ahead"
        return "diverged"

    def merge_base(self, a: pygit2.Oid, b: pygit2.Oid) -> Optional[pygit2.Oid]:
        return self.repo.merge_base(a, b)

    def notes_at(self, commit: Optional[pygit2.Oid]) -> dict[str, pygit2.Oid]:
        """{annotated object hex: note blob} of a notes commit (empty for None)."""
        return {} if commit is None else notes.read_all(self.repo, self.commit(commit).tree)

    def git_dir(self) -> Path:
        return self.gitdir

    def pack_refs_if_needed(self, limit: Optional[int] = None) -> bool:
        """Pack refs (`git pack-refs --all`) once more than `limit` tags (or mirrored refs of a
        remote's, see remote.py) are loose; True if packed.

        git's pack-refs locks each loose ref (`<ref>.lock`, the lock our CAS writers
        take) and prunes it only if it still holds the packed value, so concurrent
        writers lose nothing; libgit2's compress_references makes no such promise.
        An optimisation only: when git is missing or fails, nothing changes.
        """
        if limit is None and self._pack_skip > 0:  # this process's own writes cannot be over yet
            self._pack_skip -= 1
            return False
        lim = PACK_LOOSE_TAGS if limit is None else limit
        gitdir = self.gitdir
        loose = max(refscan.loose_count(gitdir, prefix, lim + 1) for prefix in ("refs/tags/", layout.MIRROR))
        if loose <= lim:
            if limit is None:  # counting walks every tag directory: not again until this process
                self._pack_skip = lim - loose  # alone could have written past the limit
            return False
        import subprocess

        from gitreg.git import gitcli
        from gitreg.git.refs import leftovers, lockowner

        leftovers.clear_stale_packed_lock(gitdir)  # else every registration waits on it for 1 s
        try:
            with lockowner.holding(gitdir, [gitdir / "packed-refs.lock"]):
                done = gitcli.run(gitdir, "pack-refs", "--all", timeout=leftovers.PACK_SECONDS)
        except (OSError, subprocess.SubprocessError, ResourceLimitError):
            return False
        return done.returncode == 0

    def ignores_case(self) -> bool:
        try:
            if self._ignorecase is None:  # set by `git init` for its file system: asked once per store
                self._ignorecase = self.repo.config.get_bool("core.ignorecase")
            return self._ignorecase
        except (KeyError, pygit2.GitError):
            self._ignorecase = False
            return False

    # -- objects: read -------------------------------------------------------
    def commit(self, oid: pygit2.Oid) -> pygit2.Commit:
        obj = self.repo.get(oid)
        if obj is None:
            raise CorruptRegistryError(f"object {oid} is missing from the registry")
        try:
            return obj.peel(pygit2.Commit)
        except (pygit2.GitError, ValueError):
            raise CorruptRegistryError(f"object {oid} does not lead to a commit") from None

    def commit_named(self, hexid: str) -> Optional[pygit2.Commit]:
        """The commit with this full hex id, or None (for ids from untrusted places: the cache)."""
        try:
            obj = self.repo.get(hexid) if len(hexid) == 40 else None
        except (ValueError, pygit2.GitError):
            return None
        return obj if isinstance(obj, pygit2.Commit) else None

    def object_time(self, rev: str) -> Optional[int]:
        """When the object a revision names (`refs/tags/m/v3`, `majora`, an id) was made, as it
        records it: a tag's tagger date, else its commit's committer date; None if no such object."""
        if not isinstance(rev, str) or not rev or rev.startswith("-") or "\n" in rev:
            return None
        try:
            obj = self.repo.revparse_single(rev)
        except (KeyError, ValueError, pygit2.GitError):
            return None
        if isinstance(obj, pygit2.Tag) and obj.tagger is not None:
            return obj.tagger.time
        try:
            return obj.peel(pygit2.Commit).commit_time
        except (pygit2.GitError, ValueError):
            return None

    def tag(self, oid: pygit2.Oid) -> Optional[pygit2.Tag]:
        obj = self.repo.get(oid)
        return obj if isinstance(obj, pygit2.Tag) else None

    def read_file(self, commit: pygit2.Commit, name: str, limit: int = READ_LIMIT,
                  where: Optional[str] = None) -> Optional[bytes]:
        """A file of commit's tree (None if absent or not a file), bounded like read_blob."""
        blob = self.file_id(commit, name)
        if blob is None:
            return None
        return self.read_blob(blob, limit, where or f"{name} of commit {str(commit.id)[:12]}")

    def file_id(self, commit: pygit2.Commit, name: str) -> Optional[pygit2.Oid]:
        """The blob id of a file in commit's tree (None if absent or not a file); the blob is not read."""
        tree = commit.tree
        if name not in tree:
            return None
        entry = tree[name]
        return entry.id if entry.type_str == "blob" else None

    def cache(self, model: str) -> ModelCache:
        """The derived cache of one model (see cache.py): never the source of truth."""
        cache = self._caches.pop(model, None)
        if cache is None:
            cache = ModelCache(self.gitdir, model)
        self._caches[model] = cache  # most recent last; a few kept, so `list` stays O(model) in memory
        while len(self._caches) > 4:
            self._caches.pop(next(iter(self._caches))).flush()
        return cache

    def read_blob(self, oid: pygit2.Oid, limit: int = READ_LIMIT, where: Optional[str] = None) -> bytes:
        """A blob's bytes. Another kind of object, or one over `limit`, is refused from its
        header, never read into memory (a hostile collaborator can push a gigabyte, or a
        commit, where a manifest belongs)."""
        kind, size = self.repo.odb.read_header(oid)
        if kind != ObjectType.BLOB:
            raise CorruptRegistryError(f"{where or f'object {oid}'} is not a file")
        if size > limit:
            raise too_large(where or f"object {oid}", size, limit)
        return self.repo[oid].data

    def walk(self, tip: pygit2.Oid) -> Iterator[pygit2.Commit]:
        """Every commit reachable from tip, oldest first (parents before children)."""
        return iter(self.repo.walk(tip, SortMode.TOPOLOGICAL | SortMode.REVERSE))

    def notes_map(self, notes_ref: str) -> dict[str, pygit2.Oid]:
        tip = self.ref_target(notes_ref)
        if tip is None:
            return {}
        return notes.read_all(self.repo, self.commit(tip).tree)

    # -- objects: write ------------------------------------------------------
    def write_tree(self, files: Mapping[str, bytes], base: Optional[pygit2.Oid] = None) -> pygit2.Oid:
        """A tree of `files` ('a/b' makes subtree a), laid over the tree `base` when given."""
        builder = self.repo.TreeBuilder(self.repo[base]) if base else self.repo.TreeBuilder()
        subtrees: dict[str, dict[str, bytes]] = {}
        for name, data in files.items():
            top, sep, rest = name.partition("/")
            if sep:
                subtrees.setdefault(top, {})[rest] = data
            else:
                builder.insert(name, self.repo.create_blob(data), pygit2.GIT_FILEMODE_BLOB)
        for top, inner in subtrees.items():
            builder.insert(top, self.write_tree(inner), pygit2.GIT_FILEMODE_TREE)
        return builder.write()

    def write_commit(
        self,
        tree: pygit2.Oid,
        parents: Sequence[pygit2.Oid],
        message: str,
        when: float,
        signer: Optional["Signer"] = None,
    ) -> pygit2.Oid:
        """A commit; with a signer, signed as git does (a gpgsig header over the payload)."""
        author = self.signature("author", when)
        committer = self.signature("committer", when)
        if signer is None:
            return self.repo.create_commit(None, author, committer, message, tree, list(parents))
        content = self.repo.create_commit_string(author, committer, message, tree, list(parents))
        signature = signer.sign(content.encode("utf-8"))
        return self.repo.create_commit_with_signature(content, signature.decode("utf-8"))

    def write_tag(
        self, name: str, target: pygit2.Oid, message: str, when: float,
        signer: Optional["Signer"] = None,
    ) -> pygit2.Oid:
        """An annotated tag object, written raw: no ref is created here (see transaction).

        With a signer the signature is appended to the payload, as `git tag -s` does.
        """
        tagger = _identity().format_signature(self.signature("committer", when))
        if not message.endswith("\n"):
            message += "\n"
        raw = f"object {target}\ntype commit\ntag {name}\ntagger {tagger}\n\n{message}".encode("utf-8")
        if signer is not None:
            raw += signer.sign(raw)
        return self.repo.odb.write(ObjectType.TAG, raw)

    def raw_object(self, oid: pygit2.Oid) -> bytes:
        """The stored data of an object (tag payload plus any signature)."""
        return self.repo.odb.read(oid)[1]

    def reachable(self, tip: Optional[pygit2.Oid]) -> set[pygit2.Oid]:
        """Every commit reachable from tip (empty for None)."""
        return set() if tip is None else {c.id for c in self.repo.walk(tip)}

    def write_notes_commit(
        self, tip: Optional[pygit2.Oid], changes: Mapping[str, bytes], message: str, when: float,
        merged: Optional[pygit2.Oid] = None,
    ) -> pygit2.Oid:
        """A notes commit on `tip` with `changes`; `merged` (another notes tip) makes it a merge.

        Signed as git's configuration says for commits (refused unsigned under
        gitreg.requireSigned), like every commit gitreg writes (DESIGN.md)."""
        signer = self.signer("commit")
        base = self.commit(tip).tree if tip is not None else None
        tree = notes.write_notes_tree(self.repo, base, dict(changes))
        parents = [p for p in (tip, merged) if p is not None]
        return self.write_commit(tree, parents, message, when, signer)
