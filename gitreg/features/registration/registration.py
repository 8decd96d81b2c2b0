"""Registering a version: validate everything, then claim the version with one CAS.

The version commit's first parent is the commit it was trained from (or the
model's root commit); when the branch tip is something else it becomes the
second parent, so the branch always fast-forwards (DESIGN.md 'Commits').
"""
from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Collection, Optional

import pygit2

from gitreg.core import values, yamlio
from gitreg.core.errors import (
    InvalidNameError,
    InvalidValueError,
    NotARegistryError,
    VersionExistsError,
    VersionNotFoundError,
)
from gitreg.core.names import (
    check_model_name,
    check_role,
    check_version_name,
    highest_number,
    is_version_name,
    next_version,
    split_qualified,
)
from gitreg.core.preview import Preview
from gitreg.core.records import REGISTRATION_STATUSES, ArtifactFile, ModelVersion
from gitreg.git import config as gitconfig
from gitreg.git.refs import kind, layout
from gitreg.git.refs.transaction import RefUpdate, retrying
from gitreg.git.repository import Store
from gitreg.model import curves as curve_store
from gitreg.model import files as artifacts
from gitreg.model import manifest as mf
from gitreg.model.snapshot import READ_ERRORS, ModelSnapshot, model_names

if TYPE_CHECKING:
    from gitreg.git.signing.signing import Signer


@dataclass
class Registration:
    """A validated registration, ready to be written (everything but the version name)."""
    model: str
    version: Optional[str]
    parent: Optional[tuple[str, str]]
    status: str
    base_model: Any  # a name, or a provenance mapping (values.check_source)
    training: Optional[dict[str, Any]]
    scores: dict[str, Any]
    files: list
    training_data: list[Any]  # names or provenance mappings
    git_commit: Optional[str]
    tags: list[str]
    notes: str
    model_card: Optional[bytes]
    training_repo: Optional[str] = None
    extra_keys: dict[str, Any] = field(default_factory=dict)  # integrations' manifest keys
    params: dict[str, Any] = field(default_factory=dict)  # every training parameter, checked
    metric_info: dict[str, dict[str, Any]] = field(default_factory=dict)  # direction/stderr/source
    curves: Optional[Any] = None  # gitreg.model.curves.Curves: curves/history.csv in the version's tree
    planned: list = field(default_factory=list)  # artifacts.Planned or ArtifactFile, hashed by describe_files
    store_files: bool = False  # put the bytes in the registry's LFS store (DESIGN.md 'Stored artifacts')
    lfsconfig: Optional[bytes] = None  # the LFS endpoint a plain clone needs (git/lfs.py published_endpoint)
    sign: Optional[bool] = None  # None: as git's configuration says (git/signing/signing.py)
    when: Optional[float] = None  # commit/tag date and created_at (epoch); None: now. Imports keep originals.
    # run on the hashed files just before anything of the version is written; one that raises
    # refuses the registration (e.g. an imported OMS signature that does not list these files)
    checks: list[Callable[["Registration"], None]] = field(default_factory=list)


def prepare(
    model_name: str,
    version: Optional[str],
    *,
    parent_version: Optional[str],
    status: str,
    base_model: Optional[str],
    training: dict[str, Any],
    evaluation_scores: Optional[dict[str, Any]],
    paths: dict[str, Any],
    training_data: Any,
    files: Any = None,
    store_files: bool = False,
    git_commit: Optional[str],
    tags: Any,
    notes: Any,
    model_card: Any,
    progress: Optional[artifacts.HashProgress] = None,
    training_repo: Optional[str] = None,
    extra_keys: Optional[dict[str, Any]] = None,
    params: Any = None,
    metric_info: Any = None,
    curves: Any = None,
) -> Registration:
    """Check every input (and hash local files) before anything is written."""
    model = check_model_name(model_name)
    if version is not None:
        check_version_name(version)
    parent = split_qualified(parent_version, model) if parent_version is not None else None
    if status not in REGISTRATION_STATUSES:
        raise InvalidValueError(
            f"status at registration must be one of {', '.join(REGISTRATION_STATUSES)}, got {status!r}"
        )
    if evaluation_scores is not None and not isinstance(evaluation_scores, dict):
        raise InvalidValueError(f"evaluation_scores must be a mapping, got {evaluation_scores!r}")
    scores = values.split_scores(evaluation_scores or {})
    git_commit = values.check_text("git_commit", git_commit)
    training_repo = values.check_text("training_repo", training_repo)
    extra = values.check_extra_keys(extra_keys, mf.RESERVED_KEYS)
    checked_params = values.check_params(params)
    checked_info = values.check_metric_info(metric_info)
    checked_curves = _curves(curves)
    if notes is None:
        notes = ""
    values.check_text("notes", notes)
    card: Optional[bytes] = None
    if model_card is not None:
        if isinstance(model_card, os.PathLike):
            card = artifacts.read_card(model_card)
        elif isinstance(model_card, (str, bytes)):
            card = model_card.encode() if isinstance(model_card, str) else model_card
        else:
            raise InvalidValueError(f"model_card must be text or a path, got {type(model_card).__name__}")
    if card is not None:  # an HF-style card's front matter fills what was not given
        from gitreg.model.cards import parse_card
        meta = parse_card(card).metadata
        base_model = base_model if base_model is not None else meta.get("base_model")
        training_data = training_data if training_data else meta.get("datasets")
    base_model = values.check_source("base_model", base_model) if base_model not in (None, "") else None
    training_data = values.check_sources("training_data", training_data)
    checked_training = {
        "framework": values.check_text("framework", training.get("framework")),
        "base_model": values.source_name(base_model) if base_model is not None else None,
        "samples": values.check_count("samples", training.get("samples")),
        "epochs": values.check_epochs(training.get("epochs")),
        "batch_size": values.check_count("batch_size", training.get("batch_size")),
        "learning_rate": values.check_amount("learning_rate", training.get("learning_rate")),
        "duration_hours": values.check_amount("duration_hours", training.get("duration_hours")),
        "cost_usd": values.check_amount("cost_usd", training.get("cost_usd")),
        "hardware": values.check_text("hardware", training.get("hardware")),
    }
    tags = values.check_str_list("tags", tags)
    planned = [artifacts.plan(role, loc, must_exist=store_files) for role, loc in _file_list(paths, files)]
    if store_files:
        from gitreg.features.artifacts import tree as storing

        storing.check_stored_names(planned)
    reg = Registration(
        model=model, version=version, parent=parent, status=status, base_model=base_model,
        training=checked_training if any(v is not None for v in checked_training.values()) else None,
        scores=scores, files=[], training_data=training_data, git_commit=git_commit,
        tags=tags, notes=notes, model_card=card, training_repo=training_repo or None,
        extra_keys=extra, params=checked_params, metric_info=checked_info, curves=checked_curves,
        planned=planned, store_files=store_files,
    )
    if not store_files:  # hashed now; stored files are hashed as they are copied, once the registry exists
        describe_files(reg, None, progress)
    return reg


def _file_list(paths: dict[str, Any], files: Any) -> list[tuple[str, Any]]:
    """(role, location) pairs: the role shorthands first, then `files` in the order given."""
    out = [(role, loc) for role, loc in paths.items() if loc is not None]
    if files is None:
        return out
    if isinstance(files, dict):
        files = [(role, loc) for role, locs in files.items()
                 for loc in (locs if isinstance(locs, (list, tuple)) else [locs])]
    if isinstance(files, (str, bytes)) or not hasattr(files, "__iter__"):
        raise InvalidValueError(f"files must be a list of (role, path) pairs, got {files!r}")
    for item in files:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise InvalidValueError(f"files must be (role, path) pairs, got {item!r}")
        out.append((check_role(item[0]), item[1]))
    return out


def describe_files(reg: Registration, store: Optional[Store],
                   progress: Optional[artifacts.HashProgress] = None) -> None:
    """Hash every planned artifact; with the store (store_files), copy its bytes in as well."""
    sink = None
    if reg.store_files and store is not None:
        from gitreg.features.artifacts import ingest

        sink = ingest.sink(store)
    if sink is not None:
        from gitreg.git import lfs
        from gitreg.git.transport import remote

        reg.lfsconfig = lfs.published_endpoint(store.git_dir(), remote.sync_remote(store.config()))
        for p in reg.planned:
            if isinstance(p, ArtifactFile):
                warnings.warn(f"{p.role} file {p.path} is not stored: it is a URI or not on this machine",
                              artifacts.GitregWarning, stacklevel=4)
    reg.files = [p if isinstance(p, ArtifactFile) else artifacts.describe_planned(p, progress, sink)
                 for p in reg.planned]
    reg.planned = []


def _case_clash(name: str, existing: list[str], what: str) -> None:
    lower = name.lower()
    for other in existing:
        if other != name and other.lower() == lower:
            raise InvalidNameError(
                f"{what} {name!r} differs only in case from existing {other!r} "
                "(refused: refs would collide on case-insensitive file systems)"
            )


def _untagged_tip(store: Store, model: str, tip: Optional[pygit2.Oid],
                  listed: tuple[Collection[str], ...] = ()) -> set[str]:
    """The version a register commit at the branch tip claims when it has no tag (a registration
    interrupted by an older gitreg, or plain git): its number is never given out again
    (`gitreg doctor --repair` tags it). One commit read, none when this process wrote the tip;
    a claim among the `listed` tag names has its tag (no ref read)."""
    if tip is None:
        return set()
    known = store.written_tips.get(model)
    if known is not None and known[0] == tip and any(known[1] in names for names in listed):
        return set()
    subject = store.commit(tip).message.split("\n", 1)[0].strip()
    words = subject.split(" ")
    if len(words) == 3 and words[:2] == ["register", model] and is_version_name(words[2]):
        if not any(words[2] in names for names in listed) and store.ref_target(layout.tag_ref(model, words[2])) is None:
            return {words[2]}
    return set()


def _require_model_branch(store: Store, model: str, tip: pygit2.Oid) -> None:
    """A branch someone pushed with plain git that is not a model's is never written onto
    (a tip this process wrote is one: no read)."""
    known = store.written_tips.get(model)
    if known is not None and known[0] == tip:
        return
    why = kind.branch_problem(store, model, tip)
    if why is not None:
        raise NotARegistryError(f"{layout.branch_ref(model)} is not a model's branch: {why}; "
                                "gitreg does not write onto it (give the model another name)")


def _next_free(snap: ModelSnapshot, packed: frozenset[str], loose: set[str]) -> str:
    """The next version number. A tag on something that is not a commit (pushed with plain
    git) never counts; checked from the highest number down, so usually one object read, and
    the packed names' highest number is remembered per packed-refs file (a big model's writes
    do not scan them again). The number given out is never one a ref already has."""
    skipped: set[str] = set()
    while True:
        rest = packed - skipped if skipped else packed
        # the listed loose versions' highest number comes with the listing (version_parts)
        listed = not skipped and loose is snap.version_parts()[1]
        top = max(highest_number(rest), snap.loose_top() if listed else highest_number(loose - skipped))
        if top == 0:
            break
        prefix = f"v{top}"
        whole = prefix in loose and prefix not in skipped  # the usual holder is loose: no scan of the packed
        holders = [v for v in (*loose, *(() if whole else rest)) if v.startswith(prefix)
                   and not v[len(prefix):len(prefix) + 1].isdigit() and v not in skipped]
        bad = [v for v in holders if not _leads_to_commit(snap, v)]  # one ref read each, no listing
        if not bad:
            break
        skipped |= set(bad)
    version = f"v{top + 1}"
    while version in packed or version in loose:
        top += 1
        version = f"v{top + 1}"
    return version


def _leads_to_commit(snap: ModelSnapshot, version: str) -> bool:
    """False for a tag on something that is not a commit; a tag gone meanwhile is no holder
    to skip (its name was listed valid: the number stays taken). The tag this process wrote
    last for the model is a commit's (its id names its content): while the ref still holds it,
    one ref read and no object read."""
    known = snap.store.written_tips.get(snap.model)
    if known is not None and known[1] == version \
            and snap.store.ref_target(layout.tag_ref(snap.model, version)) == known[2]:
        return True
    try:
        snap.commit_of(version)
    except VersionNotFoundError:
        return True
    except READ_ERRORS:
        return False
    return True


def _recheck_case(store: Store, model: str, version: str, new_model: bool) -> None:
    """The case rule again, under the locks of the case-folded guard refs: writers of case
    twins serialise on those, so the second one sees the first (DESIGN.md 'Names')."""
    if new_model:
        _case_clash(model, model_names(store), "model")
    if version[1:].lower() != version[1:].upper():  # v1, v2.1: no letters past the v, no case twins
        _case_clash(version, list(store.ref_names_under(layout.tag_prefix(model))), f"{model} version")


def _root_commit(store: Store, model: str, model_file: dict[str, Any], when: float,
                 signer: Optional[Signer] = None) -> pygit2.Oid:
    tree = store.write_tree({layout.MODEL_FILE: yamlio.dump_within(model_file, f'{model}:{layout.MODEL_FILE}')})
    return store.write_commit(tree, [], f"create model {model}\n", when, signer)


def create_model(store: Store, model: str, model_file: dict[str, Any], when: float,
                 signer: Optional[Signer] = None) -> None:
    """Create a model with no versions yet: its root commit holding `model_file` (used by imports,
    which carry the model's metadata and creation time, and by ModelRegistry.create_model).
    Refuses a model that exists."""
    check_model_name(model)

    def attempt() -> None:
        if store.ref_target(layout.branch_ref(model)) is not None:
            raise VersionExistsError(f"model {model} already exists")
        _case_clash(model, model_names(store), "model")
        guards: dict[str, Optional[pygit2.Oid]] = {}
        if not store.ignores_case() and model.lower() != model:
            guards[layout.branch_ref(model.lower())] = None
        root = _root_commit(store, model, model_file, when, signer or store.signer("commit"))
        store.update_refs([RefUpdate(layout.branch_ref(model), None, root)],
                          f"gitreg: create model {model}", guards,
                          check=lambda: _case_clash(model, model_names(store), "model"))

    retrying(attempt, f"create model {model}")


def version_files(reg: Registration, version: str, created_at: str) -> dict[str, bytes]:
    """The version commit's files ('a/b' in a subtree): the same registration always makes the
    same files, given its version and creation time (gitreg.features.sync.retries compares them)."""
    return _files_of(reg, _manifest(reg, version, created_at))


def _manifest(reg: Registration, version: str, created_at: str) -> dict[str, Any]:
    return mf.build_manifest(
        model=reg.model, version=version, created_at=created_at, status=reg.status,
        parent=f"{reg.parent[0]}:{reg.parent[1]}" if reg.parent else None,
        base_model=reg.base_model, training=reg.training, scores=reg.scores,
        files=reg.files, training_data=reg.training_data, git_commit=reg.git_commit,
        tags=reg.tags, notes=reg.notes, training_repo=reg.training_repo,
        extra_keys=reg.extra_keys, params=reg.params, metric_info=reg.metric_info,
    )


def _files_of(reg: Registration, manifest: dict[str, Any]) -> dict[str, bytes]:
    files = {layout.MANIFEST_FILE: yamlio.dump_within(manifest, f'{reg.model}:{layout.MANIFEST_FILE}')}
    if any(f.stored for f in reg.files):
        from gitreg.features.artifacts import tree as storing

        files.update(storing.pointer_files(reg.files))
        if reg.lfsconfig is not None and storing.ATTRIBUTES_FILE in files:
            files[storing.LFSCONFIG_FILE] = reg.lfsconfig
    if reg.model_card is not None:
        files[layout.CARD_FILE] = reg.model_card
    if reg.curves is not None:
        files[curve_store.FILE] = curve_store.encode(reg.curves)
    return files


def _curves(value: Any) -> Optional[Any]:
    """Curves as given (a Curves, or step entries like [{"step": 10, "loss": 2.1}]), checked."""
    if value is None:
        return None
    if isinstance(value, curve_store.Curves):
        return curve_store.make({"step": s, **dict(zip(value.columns, v))} for s, v in value.rows) \
            if value.rows else None
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise InvalidValueError(f"curves must be a list of step entries, got {str(value)[:60]!r}")
    made = curve_store.make(value)
    return made if made.rows else None


def preview(store: Optional[Store], reg: Registration, progress: Optional[artifacts.HashProgress] = None,
            sync_remote: Optional[str] = None) -> Preview:
    """What write() would record now, from the local refs; nothing is written or stored
    (files are hashed, not copied)."""
    snap = ModelSnapshot(store, reg.model, use_cache=False) if store is not None else None
    tip = snap.tip if snap is not None else None
    claimed = (snap.versions | _untagged_tip(store, reg.model, tip)) if snap is not None else set()
    if reg.version is not None and reg.version in claimed:
        raise VersionExistsError(f"{reg.model} {reg.version} is already registered")
    version = reg.version or next_version(claimed)
    storable = [not isinstance(p, ArtifactFile) for p in reg.planned]
    describe_files(reg, None, progress)
    stored = []
    if reg.store_files:
        reg.files = [replace(f, stored="lfs") if s else f for f, s in zip(reg.files, storable)]
        stored = [f for f in reg.files if f.stored]
        if store is not None:
            from gitreg.git import lfs
            reg.lfsconfig = lfs.published_endpoint(store.git_dir(), sync_remote)
    for check in reg.checks:  # a dry run refuses what the write would
        check(reg)
    files = version_files(reg, version, mf.now_iso(time.time() if reg.when is None else reg.when))
    refs = [(layout.tag_ref(reg.model, version), "created: the version tag"),
            (layout.branch_ref(reg.model), "created: the model's branch (a new model)" if tip is None
             else "moves to the new version commit")]
    effects = [] if store is not None else ["the registry would be created"]
    if sync_remote:
        effects.append(f"published to {sync_remote} at once{' (its stored files first)' if stored else ''}")
    return Preview(f"register {reg.model} {version}", refs,
                   {path: data.decode("utf-8", "replace") for path, data in files.items()}, stored, effects)


@dataclass(frozen=True)
class Written:
    """What a registration wrote, kept so its record is made without reading it back."""
    version: str
    commit: str
    manifest: dict[str, Any]
    tagger: str
    tip: Optional[pygit2.Oid] = None  # the commit, as an id: the branch's tip this write made


def record(store: Store, model: str, written: Written) -> ModelVersion:
    """The stored record of what write_version wrote, as a read would return it, from what the
    write kept: no ref or object is read (its card and curves are read when asked for)."""
    snap = ModelSnapshot(store, model, use_cache=False, tip=written.tip, notes=False)
    return snap.record_of(written.version, written.commit, written.manifest, {}, written.tagger)


ROOT_EVERY = 16  # a process records its new tip's root in the derived cache once per this many writes


def _remember_root(store: Store, model: str, commit: pygit2.Oid, root: pygit2.Oid) -> None:
    """The root of the new tip: this process knows it from now on (store.roots); the derived
    cache (a file rewrite, a sixth of a registration) gets it on a process's first write of
    the model and every ROOT_EVERY-th after, so another process's walk back to a tip it
    knows stays under ROOT_EVERY commits per writer. Written, never read as truth: the next
    write proves it."""
    store.roots[model] = root
    since = store.root_writes_since.get(model)
    if since is None or since + 1 >= ROOT_EVERY:
        cache = store.cache(model)
        cache.put_root(str(commit), str(root))
        cache.flush()
        since = -1
    store.root_writes_since[model] = since + 1


def write(store: Store, reg: Registration) -> str:
    """Claim a version name and write it; returns the version. Retries lost races."""
    return write_version(store, reg).version


def write_version(store: Store, reg: Registration) -> Written:
    """Claim a version name and write it. Retries lost races.

    A signed version is signed as a pair, tag and version commit with the same key:
    the commit sits on the fast-forward-only branch, so a tag replaced later (unsigned
    or by another key) no longer matches it (see verify.py).
    """
    # One reading of the configuration for the whole registration (both signers, every
    # identity, every attempt): it cannot usefully change within it, and each re-check of the
    # environment and config files cost a tenth of a registration.
    with gitconfig.steady():
        return _write_version(store, reg)


def _write_version(store: Store, reg: Registration) -> Written:
    tag_signer = store.signer("tag", reg.sign)
    commit_signer = tag_signer or store.signer("commit", reg.sign)
    for check in reg.checks:
        check(reg)

    def attempt() -> Written:
        snap = ModelSnapshot(store, reg.model, use_cache=False, notes=False)  # a write never reads the cache
        guards: dict[str, Optional[pygit2.Oid]] = {}
        if snap.tip is None:
            _case_clash(reg.model, model_names(store), "model")
        else:
            _require_model_branch(store, reg.model, snap.tip)
        packed, listed = snap.version_parts()  # packed: remembered per packed-refs file
        untagged = _untagged_tip(store, reg.model, snap.tip, (listed, packed))
        claimed = listed | untagged if untagged else listed  # (listed is never changed here)
        if reg.version is not None:
            if reg.version in packed or reg.version in claimed:
                raise VersionExistsError(f"{reg.model} {reg.version} is already registered")
            version = reg.version
        else:
            version = _next_free(snap, packed, claimed)
        if version[1:].lower() != version[1:].upper():  # v12: no letters past the v, no case twins
            _case_clash(version, list(snap.versions), f"{reg.model} version")
        if not store.ignores_case():
            if snap.tip is None and reg.model.lower() != reg.model:
                guards[layout.branch_ref(reg.model.lower())] = None
            if version.lower() != version:
                guards[layout.tag_ref(reg.model, version.lower())] = None

        parent_commit = None
        if reg.parent is not None:
            pmodel, pversion = reg.parent
            psnap = snap if pmodel == reg.model else ModelSnapshot(store, pmodel, use_cache=False, notes=False)
            if psnap.tip is None:
                psnap = ModelSnapshot.load(store, pmodel)  # raises: no such model
            parent_commit = psnap.commit_of(pversion).id

        when = time.time() if reg.when is None else reg.when
        created_at = mf.now_iso(when)
        if snap.tip is None:
            model_file = mf.build_model_file(reg.model, created_at, "", "", [], "")
            tip = root = _root_commit(store, reg.model, model_file, when, commit_signer)
        else:
            tip, root = snap.tip, snap.root_commit().id
        first = parent_commit or root
        parents = [first] if first == tip else [first, tip]

        manifest = _manifest(reg, version, created_at)
        files = _files_of(reg, manifest)
        body = f"\n\n{reg.notes.strip()}\n" if reg.notes.strip() else "\n"
        commit = store.write_commit(
            store.write_tree(files), parents, f"register {reg.model} {version}{body}", when,
            commit_signer,
        )
        tag = store.write_tag(
            f"{reg.model}/{version}", commit, f"{reg.model} {version}{body}", when, tag_signer
        )
        who = store.signature("committer", when)  # the tagger, as write_tag recorded it
        store.update_refs(
            [  # the tag first: a registration killed between the two is completed, not lost
                RefUpdate(layout.tag_ref(reg.model, version), None, tag),
                RefUpdate(layout.branch_ref(reg.model), snap.tip, commit),
            ],
            f"gitreg: register {reg.model} {version}",
            guards,
            check=lambda: _recheck_case(store, reg.model, version, new_model=snap.tip is None),
            ident=(who.name, who.email),
        )
        _remember_root(store, reg.model, commit, root)
        if len(store.written_tips) > 256:
            store.written_tips.clear()
        store.written_tips[reg.model] = (commit, version, tag)
        return Written(version, str(commit), manifest, f"{who.name} <{who.email}>", commit)

    written = retrying(attempt, f"register a version of {reg.model}")
    store.pack_refs_if_needed()
    return written
