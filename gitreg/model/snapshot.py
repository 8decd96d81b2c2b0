"""One consistent read of a model: its refs once, then objects on demand.

Reads cost O(this model): the model's tags, its notes tree and its deployment
refs, never the whole registry.
"""
from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

import pygit2

from gitreg.core import yamlio
from gitreg.core.errors import CorruptRegistryError, InvalidNameError, ModelNotFoundError, VersionNotFoundError
from gitreg.core.names import check_model_name, check_version_name, highest_number, sort_versions, valid_versions
from gitreg.core.recordbase import Record
from gitreg.core.records import ModelMetadata, ModelVersion, VersionStatus
from gitreg.core.suggest import did_you_mean
from gitreg.git.refs import layout, refscan
from gitreg.git.repository import Store
from gitreg.model import manifest as mf
from gitreg.model.current import lay_deployment, stored_record

if TYPE_CHECKING:
    from gitreg.core.audit_records import VersionSignature
    from gitreg.core.rows import VersionRow  # made by manifest.read_row, imported with the first row
    from gitreg.model.cards import ModelCard
    from gitreg.model.curves import Curves

# What reading one untrusted object can raise: each is one problem (gitreg/core/problems.py).
READ_ERRORS = (CorruptRegistryError, pygit2.GitError, ValueError, TypeError, AttributeError, LookupError)


@dataclass(eq=False, repr=False)
class DeploymentState(Record):
    """What the tip of refs/deployed/<env>/<model> says."""
    environment: str
    tip: pygit2.Oid
    record: dict[str, Any]

    @property
    def version(self) -> Optional[str]:
        v = self.record.get("version")
        return None if v is None else str(v)


def _valid(check, name: str) -> bool:
    try:
        check(name)
        return True
    except InvalidNameError:
        return False


def model_names(store: Optional[Store]) -> list[str]:
    if store is None:
        return []
    return sorted(n for n in store.ref_names_under(layout.HEADS) if _valid(check_model_name, n))


def deployment_envs(store: Store, model: str) -> dict[str, pygit2.Oid]:
    """{environment: tip} of refs/deployed/*/<model>; only this model's targets are read."""
    out = {}
    for rest in store.ref_names_under(layout.DEPLOYED):
        env, _, name = rest.partition("/")
        target = store.ref_target(layout.deploy_ref(env, model)) if name == model else None
        if target is not None:
            out[env] = target
    return out


def _deployment_record(snap: "ModelSnapshot", commit: pygit2.Commit, where: str) -> dict[str, Any]:
    """A deployment commit's deployment.yaml (see _yaml_file)."""
    value = _yaml_file(snap, commit, layout.DEPLOYMENT_FILE, "deploy", yamlio.DEPLOYMENT_LIMIT, where, where)
    if value is None:
        raise CorruptRegistryError(f"{layout.DEPLOYMENT_FILE} is missing")
    return value


def _yaml_file(snap: "ModelSnapshot", commit: pygit2.Commit, name: str, kind: str, limit: int,
               read_where: Optional[str], parse_where: str) -> Optional[dict[str, Any]]:
    """A YAML mapping file of commit (None when absent), parsed once per blob: the derived cache
    keeps the parse under the blob id (so by content), so a warm read needs no YAML at all."""
    blob = snap.store.file_id(commit, name)
    if blob is None:
        return None
    cache = snap.store.cache(snap.model) if snap.use_cache else None
    if cache is not None and not cache.cheap_for_one():
        cache = None  # a long model's manifests file: O(model) to load for one small file
    value = cache.parsed(kind, str(blob)) if cache is not None else None
    if value is None:
        data = snap.store.read_blob(blob, limit, read_where or f"{name} of commit {str(commit.id)[:12]}")
        value = yamlio.load_mapping(data, parse_where, limit)
        if cache is not None:
            cache.put_parsed(kind, str(blob), value)
    return value


FEW = 64  # versions_named reads k versions of n from their objects when k * FEW < n
MANY = 1000  # versions read at once, above which the cyclic garbage collector waits


@contextlib.contextmanager
def _collector_paused(count: int) -> Iterator[None]:
    """Reading many versions makes objects that live on (manifests, records) and no cycles:
    the collector's passes over the growing heap were half the time of reading 20,000.
    Paused for the read only (and only if it was running); then what the read made is filed
    with the old objects (freeze, then unfreeze: bookkeeping, no pass over them), so the
    caller's next allocations do not start a pass over all of it either. Cycles made
    meanwhile are collected by the next full collection, as any old garbage is. A process
    that froze objects itself (a pre-fork server) keeps them frozen: then no filing."""
    paused = count > MANY and gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


_UNREAD: Any = object()  # a ref a snapshot was made without


class ModelSnapshot:
    def __init__(self, store: Store, model: str, use_cache: bool = True, *,
                 tip: Optional[pygit2.Oid] = _UNREAD, notes: bool = True) -> None:
        """`notes=False`: the notes ref is not read (a registration never uses it; asking for
        `notes_tip` then is a bug, and raises). `tip`: the branch's tip as the caller knows it
        for certain (the commit its own write just put there), instead of reading the ref."""
        self.store = store
        self.model = model
        # False for writes and verify, which never read the derived cache (DESIGN.md 'Caches')
        self.use_cache = use_cache
        self.tip = store.ref_target(layout.branch_ref(model)) if tip is _UNREAD else tip
        self._notes_tip = store.ref_target(layout.notes_ref(model)) if notes else _UNREAD
        # Tags never move and are only added: the model's tag list is read when first
        # needed (a one-version read needs only its own tag), and targets read with the
        # names stay true; each is parsed once.
        self._listed: Optional[tuple[dict[str, bytes], set[str]]] = None
        self._names: Optional[tuple[frozenset[str], set[str]]] = None  # (packed, loose), no targets read
        self._loose_top: Optional[int] = None  # highest_number of the loose versions (version_parts)
        self._tag_targets: dict[str, pygit2.Oid] = {}
        self._sorted: Optional[list[str]] = None  # versions_sorted, once (a shared snapshot is asked again)

    @property
    def notes_tip(self) -> Optional[pygit2.Oid]:
        """The notes ref's target when the snapshot was made (None: no notes yet)."""
        if self._notes_tip is _UNREAD:
            raise AttributeError(f"this snapshot of {self.model} was made without its notes ref (notes=False)")
        return self._notes_tip

    def _list_tags(self) -> tuple[dict[str, bytes], set[str]]:
        if self._listed is None:
            raw = self.store.targets_under(layout.tag_prefix(self.model))
            self._listed = (raw, valid_versions(raw))
        return self._listed

    def adopt_tags(self, raw: dict[str, bytes]) -> None:
        """Use a listing of refs/tags/<model>/ ({version: raw target}) the caller read in one
        scan for many models, instead of a scan per model; a listing already read is kept."""
        if self._listed is None:
            self._listed = (raw, valid_versions(raw))

    @property
    def versions(self) -> set[str]:
        """Every version of the model (names under refs/tags/<model>/ that are valid)."""
        return self._list_tags()[1]

    def version_parts(self) -> tuple[frozenset[str], set[str]]:
        """The versions as (packed, loose), the packed ones the same object while packed-refs
        is the same file: what a write into a big model asks of every attempt, at little cost
        (a read, which goes on to the tags' targets, lists them with `versions`). The loose
        names are listed every time; which are valid, and their highest number (loose_top),
        come from the store's last answer for this model when the listing only grew since
        (a writer's own tags): both are per name, so the answer for A | B is A's joined with
        B's. Any other change is answered afresh."""
        if self._names is None:
            self._names = self.store.kept_names_under(layout.tag_prefix(self.model), valid_versions,
                                                      self._valid_loose)
        return self._names

    def loose_top(self) -> int:
        """highest_number of version_parts()'s loose versions, without a pass over them."""
        if self._loose_top is None:
            self._loose_top = highest_number(self.version_parts()[1])
        return self._loose_top

    def _valid_loose(self, names: list[str]) -> set[str]:
        listed = frozenset(names)
        known = self.store.loose_versions.get(self.model)
        if known is not None and known[0] == listed:
            valid, top = known[1], known[2]
        elif known is not None and known[0] < listed:
            added = valid_versions(listed - known[0])
            valid, top = known[1] | added, max(known[2], highest_number(added))
        else:
            fresh = valid_versions(names)
            valid, top = frozenset(fresh), highest_number(fresh)  # a set: highest_number keeps no memo of it
        if len(self.store.loose_versions) >= 256 and known is None:
            self.store.loose_versions.clear()
        self.store.loose_versions[self.model] = (listed, valid, top)
        self._loose_top = top
        return set(valid)

    @classmethod
    def load(cls, store: Optional[Store], model: str) -> "ModelSnapshot":
        check_model_name(model)
        snap = cls(store, model) if store is not None else None
        if snap is None or snap.tip is None:
            hint = did_you_mean(model, model_names(store)) if store is not None else ""
            raise ModelNotFoundError(f"no model named {model!r} in the registry{hint}")
        return snap

    # -- versions -------------------------------------------------------------
    def tag_ids(self) -> dict[str, str]:
        """{version: id of its tag object (hex)} from the one ref scan: no object is read."""
        raw, valid = self._list_tags()
        out = {}
        for version in valid:
            hexid = refscan.oid_hex(raw.get(version))
            out[version] = hexid if hexid is not None else str(self.tag_target(version))
        return out

    def versions_sorted(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sort_versions(self.versions)
        return list(self._sorted)

    def require(self, version: str) -> str:
        if self._listed is not None and isinstance(version, str) and version in self._listed[1]:
            return version  # names in the list were checked when read
        check_version_name(version)
        if version in self._tag_targets:
            return version
        if self._listed is None and not self.store.ignores_case():
            # one ref read instead of listing the model (case-insensitive file systems
            # would find v1's file for V1, so they take the list)
            target = self.store.ref_target(layout.tag_ref(self.model, version))
            if target is not None:
                self._tag_targets[version] = target
                return version
        if version not in self.versions:
            known = ", ".join(self.versions_sorted()[-5:]) or "none yet"
            raise VersionNotFoundError(
                f"model {self.model!r} has no version {version!r} (newest: {known})"
            )
        return version

    def tag_target(self, version: str) -> pygit2.Oid:
        """The object refs/tags/<model>/<version> points at (read on demand, once)."""
        target = self._tag_targets.get(version)
        if target is not None:
            return target
        raw = self._listed[0].get(version) if self._listed is not None else None
        target = self.store.raw_target(raw) or self.store.ref_target(layout.tag_ref(self.model, version))
        if target is None:
            raise CorruptRegistryError(f"{layout.tag_ref(self.model, version)} vanished while reading")
        self._tag_targets[version] = target
        return target

    def commit_of(self, version: str) -> pygit2.Commit:
        target = self.tag_target(self.require(version))
        try:
            return self.store.commit(target)
        except CorruptRegistryError as exc:  # name the ref: the object id alone says nothing
            raise CorruptRegistryError(f"{layout.tag_ref(self.model, version)}: {exc}") from None

    def try_commit(self, version: str) -> Optional[pygit2.Commit]:
        """The version's commit, or None with its problem noted (for reads of many versions)."""
        try:
            return self.commit_of(version)
        except READ_ERRORS as exc:
            self.store.problems.add(layout.tag_ref(self.model, version), exc)
            return None

    def signature(self, version: str) -> VersionSignature:
        """Whether the version's tag and commit are signed, and how (two object reads, no git run)."""
        from gitreg.core.audit_records import VersionSignature

        target = self.tag_target(self.require(version))
        return VersionSignature(self.store.tag_signature(target),
                                self.store.commit_signature(self.commit_of(version)))

    def registered_by(self, version: str, commit: pygit2.Commit) -> str:
        """The tagger of the version tag (the commit's author for a lightweight tag)."""
        tag = self.store.tag(self.tag_target(version))
        who = tag.tagger if tag is not None and tag.tagger is not None else commit.author
        return f"{who.name} <{who.email}>"

    def manifest(self, version: str, commit: Optional[pygit2.Commit] = None) -> dict[str, Any]:
        """The parsed manifest; from the derived cache when its blob id is there."""
        commit = commit or self.commit_of(version)
        blob = self.store.file_id(commit, layout.MANIFEST_FILE)
        if blob is None:
            raise CorruptRegistryError(
                f"{self.model}/{version}:{layout.MANIFEST_FILE} is missing (tag {layout.tag_ref(self.model, version)})"
            )
        return self._parsed(version, blob)

    def _parsed(self, version: str, blob: pygit2.Oid) -> dict[str, Any]:
        where = f"{self.model}/{version}:{layout.MANIFEST_FILE}"
        if not self.use_cache:
            return yamlio.load_mapping(self.store.read_blob(blob, where=where), where)
        cache = self.store.cache(self.model)
        value = cache.manifest(str(blob))
        if value is not None and (value.get("model_name"), str(value.get("version"))) != (self.model, version):
            value = None  # a swapped or foreign entry: recomputed (the cache is never the truth)
        if value is None:
            value = yamlio.load_mapping(self.store.read_blob(blob, where=where), where)
            cache.put_manifest(str(blob), value)
        return value

    def _facts(self, version: str, cached: bool = True) -> tuple[str, pygit2.Oid, str]:
        """(commit hex, manifest blob, tagger) of a version: from the cache by tag id, so a
        warm `list` reads no object of the version at all; else (or cached=False) from the objects."""
        target = self.tag_target(self.require(version))
        cache = self.store.cache(self.model) if self.use_cache else None
        known = cache.version_facts(str(target)) if cache is not None and cached else None
        if known is not None:
            return known[0], pygit2.Oid(hex=known[1]), known[2]
        commit = self.commit_of(version)
        blob = self.store.file_id(commit, layout.MANIFEST_FILE)
        if blob is None:
            raise CorruptRegistryError(
                f"{self.model}/{version}:{layout.MANIFEST_FILE} is missing (tag {layout.tag_ref(self.model, version)})"
            )
        tagger = self.registered_by(version, commit)
        if cache is not None:
            cache.put_version_facts(str(target), str(commit.id), str(blob), tagger, replace=not cached)
        return str(commit.id), blob, tagger

    # -- notes ---------------------------------------------------------------
    @cached_property
    def notes(self) -> dict[str, pygit2.Oid]:
        return self.store.notes_map(layout.notes_ref(self.model))

    def note(self, target: pygit2.Oid | str, label: str) -> dict[str, Any]:
        blob = self.notes.get(str(target))
        if blob is None:
            return {}
        where = f"note on {label}"
        try:
            note = mf.check_note(yamlio.load_mapping(self.store.read_blob(blob, where=where), where), where)
        except READ_ERRORS as exc:  # the version still reads, as registered
            self.store.problems.add(layout.notes_ref(self.model), exc)
            return {}
        return note

    # -- deployments -----------------------------------------------------------
    @cached_property
    def deployments(self) -> dict[str, DeploymentState]:
        out = {}
        for env, tip in sorted(deployment_envs(self.store, self.model).items()):
            ref = layout.deploy_ref(env, self.model)
            try:
                commit = self.store.commit(tip)
                where = f"{ref}:{layout.DEPLOYMENT_FILE}"
                record = _deployment_record(self, commit, where)
            except READ_ERRORS as exc:
                self.store.problems.add(ref, exc)
                continue
            out[env] = DeploymentState(env, commit.id, record)
        return out

    def environments_of(self, version: str) -> list[str]:
        return [env for env, d in self.deployments.items() if d.version == version]

    # -- records ---------------------------------------------------------------
    def stored(self, version: str) -> ModelVersion:
        """The version as registered plus its note: status as registered or last set."""
        return self.record_of(version, *self.stored_parts(version))

    def stored_parts(self, version: str) -> tuple[str, dict[str, Any], dict[str, Any], str]:
        """(commit hex, manifest, note, tagger): what the stored record is made of."""
        warm = self._warm_parts(version)
        if warm is not None:
            return warm
        commit, blob, tagger = self._facts(version)
        manifest = self._parsed(version, blob)
        if self.use_cache and (manifest.get("model_name"), str(manifest.get("version"))) != (self.model, version):
            # a cached fact naming another version's manifest is the cache's fault: ask the objects
            commit, blob, tagger = self._facts(version, cached=False)
            manifest = self._parsed(version, blob)
        return commit, manifest, self.note(commit, f"{self.model}/{version}"), tagger

    def _warm_parts(self, version: str) -> Optional[tuple[str, dict[str, Any], dict[str, Any], str]]:
        """stored_parts from the derived cache alone, by the tag id the listing read, with no
        object id made or read (a warm `versions` of 20,000 is this 20,000 times); None when
        anything is missing or does not match, and stored_parts asks the objects."""
        if not self.use_cache or self._listed is None or version not in self._listed[1]:
            return None
        tag = refscan.oid_hex(self._listed[0].get(version))
        cache = self.store.cache(self.model)
        facts = cache.version_facts(tag) if tag is not None else None
        manifest = cache.manifest(facts[1]) if facts is not None else None
        if manifest is None or manifest.get("model_name") != self.model or str(manifest.get("version")) != version:
            return None
        commit = facts[0]
        note = self.note(commit, f"{self.model}/{version}") if self.notes else {}
        return commit, manifest, note, facts[2]

    def record_of(self, version: str, commit: str, manifest: dict[str, Any], note: dict[str, Any],
                  tagger: Optional[str]) -> ModelVersion:
        """The stored record from its parts (read by stored_parts, or kept by a derived index)."""
        record = stored_record(self.model, version, commit, manifest, note, tagger)
        record._card = lambda: self.card(version)  # read only when asked (a list reads no card)
        record._curves = lambda: self.curves(version)
        return record

    def curves(self, version: str) -> Optional["Curves"]:
        """The version's curves/history.csv (gitreg.model.curves); None when it has none. A damaged
        file is one problem, reported under the version's tag; the version still reads."""
        from gitreg.model import curves

        where = f"{self.model}/{version}:{curves.FILE}"
        try:
            data = self.store.read_file(self.commit_of(version), curves.FILE, curves.MAX_BYTES, where)
            return curves.decode(data, where) if data is not None else None
        except CorruptRegistryError as exc:
            self.store.problems.add(layout.tag_ref(self.model, version), exc)
            return None

    def card(self, version: str) -> Optional["ModelCard"]:
        """The version's README.md, parsed (gitreg.model.cards); None when it has none."""
        from gitreg.model.cards import MAX_CARD_BYTES, ModelCard, parse_card

        try:
            data = self.store.read_file(self.commit_of(version), layout.CARD_FILE, MAX_CARD_BYTES,
                                        f"{self.model}/{version}:{layout.CARD_FILE}")
        except CorruptRegistryError as exc:  # the version still reads; its card is not shown
            return ModelCard(text="", problem=str(exc))
        return parse_card(data) if data is not None else None

    def stored_status(self, version: str) -> VersionStatus:
        return self.stored(version).status

    def version(self, version: str) -> ModelVersion:
        """The current view: stored record plus the deployment refs that name it."""
        record = self._version(version)
        self.store.cache(self.model).flush()
        return record

    @contextlib.contextmanager
    def reading_few(self) -> Iterator[None]:
        """Reads inside, of one or a few versions (`show`, `@latest`), come from their objects
        when the model's manifests file is past cache.ONE_FILE_LIMIT and not loaded yet (29 MB
        at 20,000 versions: 0.3 s to load, against ~1 ms a version from its objects). Callers
        reading many versions one by one read without it: the file is their fast way."""
        if self.use_cache and not self.store.cache(self.model).cheap_for_one():
            with self._from_objects():
                yield
        else:
            yield

    @contextlib.contextmanager
    def _from_objects(self) -> Iterator[None]:
        """Reads inside come from the registry's objects alone, neither reading nor writing the
        derived cache (as a write's snapshot reads); for a snapshot that reads the cache."""
        self.use_cache = False
        try:
            yield
        finally:
            self.use_cache = True

    def _version(self, version: str) -> ModelVersion:
        return self._deployed(version, self.stored(version))

    def _deployed(self, version: str, record: Any) -> Any:
        """The record (or row) with the deployment refs that name the version laid on."""
        envs = self.environments_of(version)
        if envs:
            lay_deployment(record, envs, max(
                str(self.deployments[e].record.get("deployed_at") or "") for e in envs
            ) or None)
        return record

    def row(self, version: str) -> VersionRow:
        """What a listing shows of the version (mf.read_row): its stored parts, read as for a
        record, checked alike, and the deployment laid on alike; no full record made."""
        commit, manifest, note, _ = self.stored_parts(version)
        return self._deployed(version, mf.read_row(
            manifest, note, model=self.model, version=version,
            where=f"{self.model}/{version}:{layout.MANIFEST_FILE}"))

    def try_version(self, version: str) -> Optional[ModelVersion]:
        """The version, or None with its problem noted (a read of many must not stop at one)."""
        return self._noting(self._version, version)

    def try_row(self, version: str) -> Optional[VersionRow]:
        """try_version's row: None with the same problem noted where try_version notes one."""
        return self._noting(self.row, version)

    def _noting(self, read: Callable[[str], Any], version: str) -> Any:
        try:
            return read(version)
        except READ_ERRORS as exc:
            self.store.problems.add(layout.tag_ref(self.model, version), exc)
            return None

    def all_versions(self) -> list[ModelVersion]:
        """Every good version; each bad one is a problem in store.problems."""
        return self.versions_named(self.versions_sorted())

    def all_rows(self) -> list[VersionRow]:
        """all_versions as rows (row): the same versions, the same problems."""
        return self.versions_named(self.versions_sorted(), self.try_row)

    def versions_named(self, names: list[str], read: Optional[Callable[[str], Any]] = None) -> list[Any]:
        """These versions (the good ones; each bad one a problem), the derived cache written once.

        A few versions of a long model (a page of 100 of 100,000) are read from their objects:
        the model's cache file is O(model) to load, ~1 s at 100,000 versions. (Several only:
        listing the model to know is cheap beside reading them, not beside reading one.)"""
        read = read or self.try_version  # (or try_row: rows, not records)
        if self.use_cache and len(names) > 1 and len(names) * FEW < len(self.versions):
            with self._from_objects():
                return [r for r in map(read, names) if r is not None]
        with _collector_paused(len(names)):
            records = [r for r in map(read, names) if r is not None]
        self.store.cache(self.model).flush()
        return records

    def root_commit(self) -> pygit2.Commit:
        """The model's root commit (tree: model.yaml).

        The last parent of a version commit is always this model's previous tip
        (DESIGN.md 'Commits'), so following last parents stays on the branch. A
        root never changes (branches only fast-forward): remembered per store,
        and across processes in the derived cache keyed by tip, so a walk stops
        at the newest tip seen before (O(versions since), not O(versions)).
        """
        known = self.store.roots.get(self.model)
        if known is not None:
            return self.store.commit(known)
        cache = self.store.cache(self.model)
        commit = self.store.commit(self.tip)
        while commit.parents:
            hit = cache.root(str(commit.id))
            root = self._cached_root(hit) if hit is not None else None
            # a write (use_cache False) takes a cached answer only once proven: C-speed ancestry
            if root is not None and (self.use_cache or self.store.repo.descendant_of(self.tip, root.id)):
                commit = root
                break
            commit = commit.parents[-1]
        self.store.roots[self.model] = commit.id
        cache.put_root(str(self.tip), str(commit.id))
        cache.flush()
        return commit

    def _cached_root(self, hexid: str) -> Optional[pygit2.Commit]:
        """A root commit named by the cache, if it is one (a damaged entry is a miss)."""
        commit = self.store.commit_named(hexid)
        if commit is None or commit.parents:
            return None
        try:  # another model's root is a well-formed but wrong entry
            named = (_yaml_file(self, commit, layout.MODEL_FILE, "model", yamlio.MANIFEST_LIMIT, None, "cached root")
                     or {}).get("model_name")
        except CorruptRegistryError:
            return None
        return commit if named == self.model else None

    def metadata(self) -> ModelMetadata:
        root = self.root_commit()
        where = f"{self.model}:{layout.MODEL_FILE} (root commit {str(root.id)[:12]})"
        data = _yaml_file(self, root, layout.MODEL_FILE, "model", yamlio.MANIFEST_LIMIT, None, where)
        if data is None:
            raise CorruptRegistryError(f"{where} is missing")
        return mf.read_model(data, self.note(root.id, f"model {self.model}"), self.model)
