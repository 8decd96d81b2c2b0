"""Offline bundles: a registry's models, with their weights, carried as one file.

`create` writes the chosen models' refs (heads, tags, deployments, notes) as a git
bundle, plus the LFS objects their versions store, plus a manifest with sha256 values
(archive.py seals the whole file). `unbundle` checks every byte first, stages the LFS
objects, fetches the git bundle into a private mirror and then integrates it ref by ref
exactly as `pull` integrates a remote (features/sync): conflicts are per model and
nothing is rewritten. An incremental bundle (`since`: an earlier bundle) carries only
the refs that moved since, the objects not reachable from that bundle's refs, and
the LFS objects it did not carry.
"""
from __future__ import annotations

import datetime
import fcntl
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, Mapping, Optional

import pygit2

from gitreg.core import yamlio
from gitreg.core.errors import GitregError, InvalidNameError, ModelNotFoundError, VersionNotFoundError
from gitreg.core.names import check_model_name
from gitreg.features.artifacts.upload import pointer_oids
from gitreg.features.bundle import archive
from gitreg.features.bundle.archive import BundleError
from gitreg.features.sync import sync
from gitreg.git import lfs
from gitreg.git.refs import layout
from gitreg.git.refs.transaction import retrying
from gitreg.git.repository import Store
from gitreg.git.transport import bundle as gitbundle
from gitreg.git.transport import remote as transport
from gitreg.model.snapshot import deployment_envs, model_names

FORMAT = "gitreg-bundle/1"
MIRROR_NAME = "_bundle"  # refs/gitreg/remotes/_bundle/: no remote can be named so (names start alnum)
LOCK_FILE = "gitreg-unbundle.lock"  # in the registry's git directory, held while one unbundle runs
_NAMESPACES = transport.NAMESPACES

Selection = Mapping[str, Optional[frozenset[str]]]  # model -> versions (None: the whole model)


@dataclass
class Manifest:
    """What a bundle holds (gitreg-bundle.yaml); `state` is what a later --since builds on."""

    created_at: str
    models: list[str]
    refs: dict[str, str]  # in refs.bundle
    prerequisites: list[str]  # commits the receiving registry must have (an earlier bundle's)
    git_bundle: Optional[dict[str, Any]]  # {sha256, size} of refs.bundle
    lfs: dict[str, int]  # oid -> size, each a member lfs/<oid>
    state_refs: dict[str, str]  # every chosen ref as it was when the bundle was made
    state_lfs: list[str]  # LFS objects the receiver has once this bundle (and its predecessors) is in

    def to_yaml(self) -> bytes:
        return yamlio.dump({
            "format": FORMAT, "created_at": self.created_at, "models": self.models,
            "refs": self.refs, "prerequisites": self.prerequisites, "git_bundle": self.git_bundle,
            "lfs": self.lfs, "state": {"refs": self.state_refs, "lfs": self.state_lfs},
        })

    @property
    def lfs_bytes(self) -> int:
        return sum(self.lfs.values())


def _hexes(value: Any, what: str, length: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and len(v) == length and
                                              all(c in "0123456789abcdef" for c in v) for v in value):
        raise BundleError(f"the bundle's manifest has a malformed {what}")
    return value


def _ref_map(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
            isinstance(r, str) and r.startswith(_NAMESPACES) and ".." not in r for r in value):
        raise BundleError(f"the bundle's manifest has malformed {what} (only gitreg's refs may be bundled)")
    _hexes(list(value.values()), what, 40)
    return dict(value)


def _is_model(name: Any) -> bool:
    try:
        check_model_name(name)
        return True
    except (InvalidNameError, TypeError):
        return False


def parse_manifest(data: bytes) -> Manifest:
    """The manifest, every field checked for shape (it is untrusted input)."""
    try:
        doc = yamlio.load_mapping(data, archive.MANIFEST, archive.MANIFEST_LIMIT)
    except GitregError as exc:
        raise BundleError(f"the bundle's manifest does not parse: {exc}") from None
    if doc.get("format") != FORMAT:
        raise BundleError(f"not a {FORMAT} bundle (format: {str(doc.get('format'))[:40]!r})")
    lfs_map, state = doc.get("lfs") or {}, doc.get("state")
    git_bundle = doc.get("git_bundle")
    if not isinstance(lfs_map, dict) or not all(lfs.is_oid(o) and type(s) is int and s >= 0
                                                for o, s in lfs_map.items()):
        raise BundleError("the bundle's manifest has a malformed lfs list")
    if git_bundle is not None and not (isinstance(git_bundle, dict) and lfs.is_oid(git_bundle.get("sha256"))
                                       and type(git_bundle.get("size")) is int):
        raise BundleError("the bundle's manifest has a malformed git_bundle entry")
    models = doc.get("models")
    if not isinstance(state, dict) or not isinstance(models, list) or not all(_is_model(m) for m in models):
        raise BundleError("the bundle's manifest has no state or malformed model names")
    return Manifest(str(doc.get("created_at", "")), models, _ref_map(doc.get("refs") or {}, "refs"),
                    _hexes(doc.get("prerequisites") or [], "prerequisites", 40), git_bundle, dict(lfs_map),
                    _ref_map(state.get("refs") or {}, "state"), _hexes(state.get("lfs") or [], "state", 64))


def _matches(manifest: Manifest, scanned: archive.Scanned) -> None:
    """Every member is the one the manifest names, with its size and sha256."""
    expected = {archive.LFS + oid: (size, oid) for oid, size in manifest.lfs.items()}
    if manifest.git_bundle is not None:
        expected[archive.REFS] = (manifest.git_bundle["size"], manifest.git_bundle["sha256"])
    present = {n for n in scanned.sizes if n != archive.MANIFEST}
    if present != set(expected):
        raise BundleError(f"the bundle's members differ from its manifest ({len(present)} vs {len(expected)})")
    for name, (size, digest) in expected.items():
        if scanned.sizes[name] != size or scanned.sha256[name] != digest:
            raise BundleError(f"{name} in the bundle does not match its sha256 in the manifest")


# -- create ------------------------------------------------------------------------------
def _chosen_refs(store: Store, model: str,
                 versions: Optional[frozenset[str]]) -> tuple[dict[str, pygit2.Oid], set[str]]:
    """(refs to carry, versions whose stored files go) for one selection.

    A whole model: all its refs. Some versions: the branch as it was when the newest of
    them was registered (a version commit is the branch's tip of its time, and holds every
    earlier version), the tags of every version on it, the notes, and the deployment refs
    whose current version is among those tags."""
    branch = store.ref_target(layout.branch_ref(model))
    if branch is None:
        raise ModelNotFoundError(f"no model named {model!r}")
    tags = store.refs_under(layout.tag_prefix(model))
    refs: dict[str, pygit2.Oid] = {layout.branch_ref(model): branch}
    notes = store.ref_target(layout.notes_ref(model))
    if notes is not None:
        refs[layout.notes_ref(model)] = notes
    deployed = {layout.deploy_ref(env, model): tip for env, tip in deployment_envs(store, model).items()}
    if versions is None:
        return {**refs, **tags, **deployed}, {t[len(layout.tag_prefix(model)):] for t in tags}
    commits = {}
    for version in versions:
        tag = tags.get(layout.tag_ref(model, version))
        if tag is None:
            raise VersionNotFoundError(f"{model} has no version {version}")
        commits[version] = store.commit(tag).id
    tips = [c for c in commits.values() if all(store.relation(c, o) in ("equal", "ahead") for o in commits.values())]
    tip = tips[0] if tips else branch  # chosen versions on diverged lines since merged: the branch
    on_branch = store.reachable(tip)
    refs[layout.branch_ref(model)] = tip
    kept = {ref: oid for ref, oid in tags.items() if store.commit(oid).id in on_branch}
    names = {ref[len(layout.tag_prefix(model)):] for ref in kept}
    for ref, oid in deployed.items():
        text = store.read_file(store.commit(oid), layout.DEPLOYMENT_FILE) or b""
        try:
            version = yamlio.load_mapping(text, f"{layout.DEPLOYMENT_FILE} of {ref}").get("version")
        except GitregError:
            continue
        if version in names:
            refs[ref] = oid
    return {**refs, **kept}, set(versions)


def _stored_objects(store: Store, model: str, versions: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for version in sorted(versions):
        tag = store.ref_target(layout.tag_ref(model, version))
        for oid in pointer_oids(store, store.commit(tag)):
            try:
                found[oid] = lfs.object_path(store.git_dir(), oid).stat().st_size
            except OSError:
                raise GitregError(f"a stored file of {model}:{version} ({oid[:16]}…) is not in this "
                                  f"registry's LFS store: 'gitreg get {model}:{version}' first") from None
    return found


def read_manifest(path: Path) -> Manifest:
    """The manifest of a bundle file, after the whole file was checked."""
    scanned = archive.scan(path)
    manifest = parse_manifest(scanned.manifest)
    _matches(manifest, scanned)
    return manifest


def create(store: Store, path: Path, selection: Selection, since: Optional[Path] = None) -> Manifest:
    """Write the bundle of `selection` (every model when empty) to `path`; see the module docstring."""
    if not selection:
        selection = {m: None for m in model_names(store)}
    if not selection:
        raise GitregError("the registry has no models: nothing to bundle")
    before = read_manifest(since) if since is not None else None
    refs: dict[str, pygit2.Oid] = {}
    objects: dict[str, int] = {}
    for model, versions in sorted(selection.items()):
        chosen, stored = _chosen_refs(store, model, versions)
        refs.update(chosen)
        objects.update(_stored_objects(store, model, stored))
    old_refs = before.state_refs if before else {}
    old_lfs = set(before.state_lfs) if before else set()
    moved = {ref: oid for ref, oid in refs.items() if old_refs.get(ref) != str(oid)}
    new_objects = {oid: size for oid, size in objects.items() if oid not in old_lfs}
    if not moved and not new_objects:
        raise GitregError(f"nothing new since {since}: no bundle written")
    exclude = [pygit2.Oid(hex=h) for h in sorted(set(old_refs.values())) if h in store.repo]
    writer = archive.Writer(path)
    scratch = Path(tempfile.mkdtemp(prefix="gitreg-bundle-"))
    try:
        git_bundle = None
        header: Optional[gitbundle.Header] = None
        if moved:
            gitfile = scratch / archive.REFS
            gitbundle.write(store.git_dir(), moved, exclude, gitfile)
            with open(gitfile, "rb") as fh:
                header = gitbundle.read_header(fh)
            git_bundle = {"sha256": lfs.file_sha256(gitfile), "size": gitfile.stat().st_size}
        manifest = Manifest(
            datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            sorted(selection), {r: str(o) for r, o in sorted(moved.items())},
            header.prerequisites if header else [], git_bundle, dict(sorted(new_objects.items())),
            dict(sorted({**old_refs, **{r: str(o) for r, o in refs.items()}}.items())),
            sorted(old_lfs | set(objects)),
        )
        writer.add_bytes(archive.MANIFEST, manifest.to_yaml())
        if git_bundle is not None:
            writer.add_file(archive.REFS, scratch / archive.REFS)
        for oid in manifest.lfs:  # a damaged local object would only be refused at the far end
            if not lfs.is_checked(store.git_dir(), oid) and lfs.object_sha256(store.git_dir(), oid) != oid:
                raise GitregError(f"stored object {oid[:16]}… is damaged in this registry's LFS store "
                                  "(gitreg verify --files names its versions): no bundle written")
            writer.add_file(archive.LFS + oid, lfs.object_path(store.git_dir(), oid))
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return manifest


# -- verify --------------------------------------------------------------------------------
@dataclass
class Checked:
    manifest: Manifest
    missing: list[str] = field(default_factory=list)  # prerequisites this registry lacks


def verify(store: Optional[Store], path: Path) -> Checked:
    """Check every byte and every sha256 of the bundle; with a registry, also whether it has
    what an incremental bundle builds on. Raises BundleError on a bad bundle."""
    manifest = read_manifest(path)
    return Checked(manifest, _missing(store, manifest))


def _missing(store: Optional[Store], manifest: Manifest) -> list[str]:
    if store is None:
        return list(manifest.prerequisites)
    return [oid for oid in manifest.prerequisites if oid not in store.repo]


# -- unbundle ------------------------------------------------------------------------------
@dataclass
class Unbundled:
    manifest: Manifest
    integration: sync.Integration
    objects_added: int
    name: str

    def describe(self) -> str:
        """The conflicts in words (as `pull` reports them), and where the bundle's side is kept."""
        lines = [f"the bundle {self.name} conflicts with local work; both sides are kept:"]
        for c in self.integration.conflicts:
            lines.append(f"  {c.ref}: here {c.local}, in the bundle {c.remote}: {c.why}")
        lines.append(f"  the bundle's side is at {transport.mirror_prefix(MIRROR_NAME)}<ref> until the next "
                     "unbundle; the other models came in")
        return "\n".join(lines)


def unbundle(open_store: Callable[[], Store], existing: Optional[Store], path: Path) -> Unbundled:
    """Import a bundle: checked whole first, before anything is written (`open_store` makes
    the registry only then), then read again into staging (the file may have changed
    meanwhile: checked again) and its refs integrated as `pull` integrates a remote's."""
    manifest = read_manifest(path)
    missing = _missing(existing, manifest)
    if missing:
        raise BundleError(f"this bundle builds on an earlier one (made with --since) that is not here: "
                          f"{len(missing)} commit(s) missing, first {missing[0][:12]}; unbundle that first")
    store = open_store()
    with _one_unbundle_at_a_time(store.git_dir()):
        return _unbundle_locked(store, manifest, path)


@contextmanager
def _one_unbundle_at_a_time(git_dir: Path) -> Iterator[None]:
    """Every unbundle fetches into the same mirror (MIRROR_NAME) and integrates from it: two at
    once would integrate each other's refs, and one bundle's versions would be reported in but
    never land. An flock (dropped by the kernel if the process dies) makes them take turns."""
    with open(Path(git_dir) / LOCK_FILE, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _unbundle_locked(store: Store, manifest: Manifest, path: Path) -> Unbundled:
    staging = Path(tempfile.mkdtemp(prefix="unbundle-", dir=lfs.tmp_dir(store.git_dir())))
    try:
        opened: dict[str, BinaryIO] = {}

        def keep(name: str) -> Optional[BinaryIO]:
            if name == archive.MANIFEST:
                return None
            opened[name] = open(staging / name.replace("/", "_"), "wb")
            return opened[name]

        try:
            scanned = archive.scan(path, keep)
        finally:
            for fh in opened.values():
                fh.close()
        if parse_manifest(scanned.manifest) != manifest:
            raise BundleError(f"{path} changed while it was being read")
        _matches(manifest, scanned)  # every LFS member's sha256 is its oid: staged content is right
        if manifest.git_bundle is not None:
            gitfile = staging / archive.REFS
            with open(gitfile, "rb") as fh:
                header = gitbundle.read_header(fh)
            if header.refs != manifest.refs or header.prerequisites != manifest.prerequisites:
                raise BundleError("the git bundle's refs differ from the manifest's")
            transport.fetch(store.git_dir(), MIRROR_NAME, transport.Scope(), source=str(gitfile))
        added = 0
        for oid, size in manifest.lfs.items():
            added += not lfs.has_object(store.git_dir(), oid, size)
            lfs.adopt(store.git_dir(), staging / (archive.LFS + oid).replace("/", "_"), oid)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    scope = transport.Scope.of(manifest.models)
    result = retrying(lambda: sync.integrate(store, MIRROR_NAME, scope=scope), f"unbundle {path.name}")
    store.pack_refs_if_needed()
    return Unbundled(manifest, result, added, path.name)

