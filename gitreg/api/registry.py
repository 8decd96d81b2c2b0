"""ModelRegistry: the seed registry's Python API, on git storage (DESIGN.md)."""
from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional, TypeVar

from gitreg.api import report
from gitreg.core import references, values
from gitreg.core.errors import (
    CorruptRegistryError,
    DeploymentError,
    GitregError,
    InvalidNameError,
    InvalidValueError,
    ModelNotFoundError,
    RemoteError,
    VersionNotFoundError,
)
from gitreg.core.names import (
    DEFAULT_ENVIRONMENT,
    check_environment_name,
    check_model_name,
    check_remote_name,
    check_role,
)
from gitreg.core.problems import ReadProblem
from gitreg.core.recordbase import FrozenRecord
from gitreg.core.records import RETIRED_STATUSES, SETTABLE_STATUSES, ModelMetadata, ModelVersion
from gitreg.git import config as gitconfig
from gitreg.git.paths import data_dir, resolve_path
from gitreg.git.repository import Store
from gitreg.model import manifest
from gitreg.model.snapshot import FEW, ModelSnapshot, model_names

if TYPE_CHECKING:
    from types import ModuleType

    from gitreg.core.audit_records import Deployment, Event, VersionSignature
    from gitreg.core.listed import ListedModel
    from gitreg.core.rows import VersionRow
    from gitreg.features import ingest, query
    from gitreg.features.bundle import bundle
    from gitreg.features.events.delivery import Attempt
    from gitreg.features.events.derive import RegistryEvent
    from gitreg.features.events.webhooks import Webhook
    from gitreg.features.policy.approvals import Approval
    from gitreg.features.policy.chain import PolicyVersion
    from gitreg.features.query import catalog
    from gitreg.features.retention import du, gc
    from gitreg.features.supply import oci
    from gitreg.features.supply.oms import OmsCheck
    from gitreg.features.sync import retries, sync
    from gitreg.features.trust.doctor import DoctorReport
    from gitreg.features.trust.verify import VerifyReport
    from gitreg.git.transport import cloning
    from gitreg.git.transport.pending import PendingRecord
    from gitreg.model.cards import ModelCard
    from gitreg.model.curves import Curves
    from gitreg.model.files import HashProgress


# The write paths, imported when first used: a read command does not load them (start-up CPU);
# then found by one cached call (`from a import b` in a function runs importlib's
# _handle_fromlist each time: ~4k instructions, a registration ran eleven here).
@functools.cache
def _registration() -> "ModuleType":
    from gitreg.features.registration import registration

    return registration


@functools.cache
def _deployments() -> "ModuleType":
    from gitreg.features.deploy import deployments

    return deployments


@functools.cache
def _history() -> "ModuleType":
    from gitreg.features.deploy import history

    return history


@functools.cache
def _annotations() -> "ModuleType":
    from gitreg.features.notes import annotations

    return annotations


@functools.cache
def _sync_module() -> "ModuleType":
    from gitreg.features.sync import sync

    return sync


@functools.cache
def _transport() -> "ModuleType":
    from gitreg.git.transport import remote

    return remote


@functools.cache
def _retries() -> "ModuleType":
    from gitreg.features.sync import retries

    return retries


@functools.cache
def _rules() -> "ModuleType":
    from gitreg.features.policy import rules

    return rules


@functools.cache
def _artifacts_get() -> "ModuleType":
    from gitreg.features.artifacts import get

    return get


F = TypeVar("F", bound=Callable[..., Any])


def _writes(method: F) -> F:
    """A write: with a sync remote, it first takes the remote's state of the models it
    writes (O(model), see sync.sync_in), then publishes there first."""
    @functools.wraps(method)
    def wrapper(self: "ModelRegistry", *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("dry_run"):  # a preview reads the local refs only: nothing fetched, nothing written
            return method(self, *args, **kwargs)
        with gitconfig.steady():  # one reading of git's configuration for the whole write
            self._sync(_models_written(method.__name__, args, kwargs))
            try:
                result = method(self, *args, **kwargs)
            finally:
                if self._shared:  # reads after the write see it (ModelRegistry.one_read)
                    self._shared.clear()
            self._settled_done()
        return result

    return wrapper  # type: ignore[return-value]


def _models_written(method: str, args: tuple, kwargs: dict[str, Any]) -> Optional[set[str]]:
    """The models a write method touches (None: any, as an import). A name that breaks the
    rules is left out: the method refuses it before anything is written."""
    if method == "import_json":
        return None
    names = [args[0] if args else kwargs.get("name", kwargs.get("model_name"))]
    parent = kwargs.get("parent_version")
    if isinstance(parent, str) and ":" in parent:
        names.append(parent.split(":", 1)[0])
    found: set[str] = set()
    for name in names:
        try:
            name = references.parse(name).model if references.is_reference(name) else name
            found |= {check_model_name(name), name.lower()}  # the case rule looks at the lower-case twin
        except (InvalidNameError, TypeError, AttributeError):
            continue
    return found


class _OneRead:
    """ModelRegistry.one_read's span; nested spans share the outermost one's snapshots."""

    def __init__(self, registry: "ModelRegistry") -> None:
        self.registry = registry
        self.outer: Optional[dict[str, ModelSnapshot]] = None

    def __enter__(self) -> "ModelRegistry":
        self.outer = self.registry._shared
        if self.outer is None:
            self.registry._shared = {}
        return self.registry

    def __exit__(self, *exc: object) -> None:
        self.registry._shared = self.outer


@dataclass(frozen=True, eq=False, repr=False)
class RemoteInfo(FrozenRecord):
    """A configured remote, as `remotes()` lists it."""
    name: str
    url: str
    sync: bool  # writes are published here first


class ModelRegistry:
    """A model registry in a bare git repository.

    `path` defaults to $GITREG_REGISTRY, else ~/.local/share/gitreg/registry.git.
    Reads of a registry that does not exist see an empty one and create nothing;
    the first write creates it.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, offline: bool = False) -> None:
        """`offline=True` writes locally only, even when a sync remote is configured."""
        self.path = resolve_path(path)
        # a path the user named (argument, -R, $GITREG_REGISTRY) is never created with its parents
        # but by init(): a typo must not silently become a new registry somewhere
        self._path_given = path is not None or bool(os.environ.get("GITREG_REGISTRY"))
        self.offline = offline
        self._store: Optional[Store] = None
        self._shared: Optional[dict[str, ModelSnapshot]] = None  # inside one_read(): a snapshot per model
        self._checked = False  # the repository was found to be a registry (git/refs/kind.py)
        self._settled: list["sync.Settled"] = []  # published pushes of unknown outcome the last sync found
        # Set by a write that found itself already done by an earlier attempt that reached the remote.
        self.earlier_attempt: Optional["retries.EarlierAttempt"] = None

    def __repr__(self) -> str:
        return f"ModelRegistry({str(self.path)!r})"

    @property
    def problems(self) -> list[ReadProblem]:
        """Bad objects the reads so far skipped, each once, naming its ref (gitreg/core/problems.py)."""
        return self._store.problems.items() if self._store is not None else []

    @property
    def ref_listings(self) -> dict[str, int]:
        """{ref prefix: times this registry's reads listed the refs below it}: what a read costs
        (a model of 100,000 versions is that many tags), for tests and profiles."""
        return dict(self._store.scans) if self._store is not None else {}

    # -- plumbing --------------------------------------------------------------
    def _reader(self) -> Optional[Store]:
        if self._store is None:
            self._store = Store.open(self.path)
        return self._store

    def _writer(self, init: bool = False) -> Store:
        if self._shared:  # a write makes the shared snapshots of one_read() a view of the past
            self._shared.clear()
        if self._store is None or not self._checked:
            from gitreg.git.refs.kind import require_registry
            store = self._store or Store.create(self.path, parents=init or not self._path_given)
            store.require_writable()
            require_registry(store)
            self._store, self._checked = store, True
        return self._store

    def _sync_remote(self) -> Optional[str]:
        """The remote a write would be published to now (None: offline, or none set)."""
        from gitreg.git.transport import remote as transport

        store = self._reader()
        return None if self.offline or store is None else transport.sync_remote(store.config())

    def _sync(self, models: Optional[set[str]] = None) -> None:
        store = self._reader()
        if store is None:
            return
        transport = _transport()
        name = None if self.offline else transport.sync_remote(store.config())
        store.publisher = None
        self._settled, self.earlier_attempt = [], None
        if name is not None:
            sync = _sync_module()
            if models is None or models:
                self._settled = sync.sync_in(store, name, transport.Scope.of(models))
            store.publisher = sync.publisher(store, name)

    def _settled_done(self) -> None:
        """The write is done: the earlier pushes it found published have served (sync.drop_settled)."""
        if self._settled:
            from gitreg.features.sync import sync
            sync.drop_settled(self._writer(), self._settled)
            self._settled = []

    def _published_earlier(self) -> list["PendingRecord"]:
        return [s.record for s in self._settled]

    def _snapshot(self, name: str) -> ModelSnapshot:
        shared = self._shared
        if shared is None:
            return ModelSnapshot.load(self._reader(), name)
        snap = shared.get(name)
        if snap is None:
            snap = shared[name] = ModelSnapshot.load(self._reader(), name)
        return snap

    def one_read(self) -> "_OneRead":
        """`with registry.one_read():` the reads inside share one snapshot of each model they
        touch, so its refs are listed once and every answer is of the same moment: a served
        page asks a long model for its names, a page of its versions, its metadata and its
        deployments (each listing of 100,000 tags ~0.07 s). A write drops the shared snapshots."""
        return _OneRead(self)

    def init(self) -> str:
        """Create the registry if it does not exist; returns its path."""
        return str(self._writer(init=True).path)

    # -- registration ------------------------------------------------------------
    @_writes
    def register_model(
        self,
        model_name: str,
        version: Optional[str] = None,
        *,
        base_model: Optional[str] = None,
        framework: Optional[str] = None,
        samples: Optional[int] = None,
        epochs: Optional[int] = None,
        batch_size: Optional[int] = None,
        learning_rate: Optional[float] = None,
        training_data: Optional[Iterable[str]] = None,
        lora_path: Optional[str] = None,
        gguf_path: Optional[str] = None,
        checkpoint_path: Optional[str] = None,
        config_path: Optional[str] = None,
        evaluation_scores: Optional[dict[str, Any]] = None,
        duration_hours: Optional[float] = None,
        cost_usd: Optional[float] = None,
        hardware: Optional[str] = None,
        notes: str = "",
        git_commit: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        parent_version: Optional[str] = None,
        status: str = "completed",
        model_card: Optional[str | os.PathLike[str]] = None,
        progress: Optional[HashProgress] = None,
        training_repo: Optional[str] = None,
        sign: Optional[bool] = None,
        extra_keys: Optional[dict[str, Any]] = None,
        files: Optional[Iterable[tuple[str, str]] | dict[str, Any]] = None,
        store: Optional[bool] = None,
        params: Optional[dict[str, Any]] = None,
        metric_info: Optional[dict[str, dict[str, Any]]] = None,
        curves: Optional[Iterable[dict[str, Any]]] = None,
        dry_run: bool = False,
        oms_signature: Optional[str | os.PathLike[str]] = None,
    ) -> ModelVersion:
        """Register a version (auto-numbered when `version` is None); creates the model on first use.

        `files` adds artifacts of any role, several per role: [("gguf", "q4.gguf"),
        ("gguf", "q8.gguf"), ("tokenizer", "tok/")] (or {role: path or [paths]}); the
        *_path arguments are shorthands for one file of their role. `store=True` (default:
        git config gitreg.store) puts the bytes in the registry's Git LFS store.

        `parent_version` is 'v1' (same model) or 'other-model:v3'; it becomes the
        version commit's first parent, so lineage is plain commit parentage.
        `training_repo` (remote URL or path of the training code's repository) is
        stored as the manifest's optional `training_repo:` key (`ModelVersion.extra`).
        `sign` overrides git's configuration (gitreg.sign, tag.gpgSign) for signing.
        `extra_keys` adds integrations' own manifest keys (`{"mlflow": {"run_id": ...}}`),
        read back as `ModelVersion.extra`; gitreg's own key names are refused.
        `params` records every training parameter as given ({"lora_r": 16, "optim": "adamw"};
        nesting flattened with '/'); `metric_info` each metric's meaning
        ({"wikitext/bits_per_byte,none": {"direction": "min", "stderr": 0.01, "source": "lm-eval"}});
        `curves` the training history as step entries ([{"step": 10, "loss": 2.1}, ...], or
        `read_curves_file(...)`), stored as curves/history.csv in the version's tree.
        `dry_run=True` writes nothing and returns a `Preview` (the manifest, the refs, the
        files to store) of what would be recorded now, from the local refs.
        `oms_signature` (a model.sig a pipeline made) is kept with the version; one that does
        not list exactly the files being registered refuses the registration, nothing written.
        """
        bundle = None
        if oms_signature is not None:  # read and shape-checked before any file is hashed
            from gitreg.features.supply import oms
            bundle = oms.read(Path(oms_signature))

        reg = _registration().prepare(
            model_name, version, parent_version=parent_version, status=status,
            base_model=base_model,
            training={
                "framework": framework, "samples": samples, "epochs": epochs,
                "batch_size": batch_size, "learning_rate": learning_rate,
                "duration_hours": duration_hours, "cost_usd": cost_usd, "hardware": hardware,
            },
            evaluation_scores=evaluation_scores,
            paths={"lora": lora_path, "gguf": gguf_path, "checkpoint": checkpoint_path,
                   "config": config_path},
            training_data=training_data, git_commit=git_commit, tags=tags,
            notes=notes, model_card=model_card, progress=progress, training_repo=training_repo,
            extra_keys=extra_keys, params=params, metric_info=metric_info, curves=curves,
            files=files, store_files=_artifacts_get().store_default(self._reader()) if store is None else bool(store),
        )
        reg.sign = sign
        if bundle is not None:
            reg.checks.append(oms.registration_check(bundle))
        if reg.parent is not None:  # before the registry is created: nothing written on error
            ModelSnapshot.load(self._reader(), reg.parent[0]).require(reg.parent[1])
        if reg.store_files:
            from gitreg.git import lfs
            lfs.require_git_lfs()
        if dry_run:
            return _registration().preview(self._reader(), reg, progress, self._sync_remote())  # type: ignore[return-value]
        writer = self._writer()
        if reg.planned:
            _registration().describe_files(reg, writer, progress)
        self.earlier_attempt = _retries().earlier_registration(writer, reg, self._published_earlier())
        if self.earlier_attempt is not None:  # a retry: its first attempt reached the remote
            record = ModelSnapshot(writer, reg.model, use_cache=False).version(self.earlier_attempt.version)
        else:
            _rules().check_registrant(writer, reg.model)
            written = _registration().write_version(writer, reg)
            record = _registration().record(writer, reg.model, written)  # from what was written: no read-back
        if bundle is not None:
            oms.add_bundle(writer, record, bundle)
        return record

    @_writes
    def create_model(self, model_name: str, *, description: str = "", owner: str = "",
                     tags: Optional[Iterable[str]] = None, sign: Optional[bool] = None) -> ModelMetadata:
        """Create a model with no versions yet (its root commit, signed as git's configuration
        or `sign` says); refuses one that exists."""
        when = time.time()
        model_file = manifest.build_model_file(
            check_model_name(model_name), manifest.now_iso(when),
            values.check_text("description", description) or "",
            values.check_text("owner", owner) or "", values.check_str_list("tags", tags), "",
        )
        store = self._writer()
        _registration().create_model(store, model_name, model_file, when, store.signer("commit", sign))
        return self.get_metadata(model_name)

    # -- reads ---------------------------------------------------------------------
    def list_models(self) -> list[str]:
        """Every model; a branch that is not a model's is left out (see check_refs)."""
        from gitreg.model import hostile
        store = self._reader()
        left_out = {h.ref[len("refs/heads/"):] for h in hostile.local(store) if h.ref.startswith("refs/heads/")}
        return [n for n in model_names(store) if n not in left_out]

    def check_refs(self) -> list[ReadProblem]:
        """The refs no gitreg write makes (a branch that is not a model's, a case twin, a
        name the rules refuse, notes of no model), each added to `problems` and returned:
        they are never read as models or deployments (gitreg/model/hostile.py)."""
        from gitreg.model import hostile
        store = self._reader()
        if store is None:
            return []
        return [ReadProblem(h.ref, h.why) for h in hostile.note_problems(store, hostile.local(store))]

    def census(self) -> Any:
        """Counts of models and versions with a cheap check of each version (gitreg/features/trust/census.py);
        the versions that fail it are added to `problems`."""
        from gitreg.features.trust import census
        return census.take(self._reader())

    def similar_models(self, name: str) -> list[str]:
        """Existing models whose names are close to `name` (a typo's likely intent)."""
        from gitreg.core.suggest import similar_names
        return similar_names(name, self.list_models())

    def has_model(self, name: str) -> bool:
        try:
            self._snapshot(name)
            return True
        except ModelNotFoundError:
            return False

    def resolve(self, name: str, version: Optional[str] = None) -> tuple[str, str]:
        """(model, version) that a reference names: 'majora:v3', 'majora@production',
        'majora@latest', 'majora' (latest), or a model and a version ('v3', '@staging', 'latest')."""
        ref = references.reference(name, version)
        snap = self._snapshot(ref.model)
        if ref.version is not None:
            return ref.model, snap.require(ref.version)
        if ref.environment is not None:
            state = snap.deployments.get(ref.environment)
            if state is None or state.version is None:
                raise VersionNotFoundError(f"nothing of {ref.model} is deployed in {ref.environment}")
            return ref.model, state.version
        return ref.model, self.get_latest(ref.model).version

    def _named(self, name: str, version: Optional[str]) -> tuple[str, str]:
        """resolve() for a change to one version: a bare model does not mean the latest there
        (name the version, or say MODEL@latest)."""
        model, resolved = self._optional(name, version)
        if resolved is None:
            raise InvalidNameError(
                f"name the version to change: {name} VERSION, {name}:VERSION, {name}@ENV or {name}@latest"
            )
        return model, resolved

    def _optional(self, name: str, version: Optional[str]) -> tuple[str, Optional[str]]:
        """resolve() where a bare model names no version (the command's own default)."""
        if version is None and not references.is_reference(name):
            self._snapshot(name)
            return name, None
        return self.resolve(name, version)

    def get_version(self, name: str, version: Optional[str] = None) -> ModelVersion:
        """One version, by model and version or by one reference ('majora@production')."""
        model, version = self.resolve(name, version)
        snap = self._snapshot(model)
        with snap.reading_few():
            return snap.version(version)

    def list_versions(self, name: str) -> list[ModelVersion]:
        """All versions in natural order (v2 < v2.1 < v2b < v3 < v10)."""
        return self._snapshot(name).all_versions()

    def list_rows(self, name: str) -> list["VersionRow"]:
        """list_versions as listings show them (gitreg/core/rows.py): the same versions and
        problems, each with only the fields a `list` line or `versions` table shows."""
        return self._snapshot(name).all_rows()

    def listing(self, names: Iterable[str], metrics: Optional[list[str]] = None) -> Iterator["ListedModel"]:
        """Each of these models' versions as `gitreg list` lines show them (gitreg/core/listed.py),
        with these metrics (None: accuracy, else the model's most common two), in the order
        given: from the registry-wide view index where it tells them exactly
        (gitreg/features/listing), else made of list_rows (then with its problems, as ever)."""
        from gitreg.core.listed import ListedModel
        from gitreg.features.listing import fromindex

        names = list(names)
        answered = fromindex.answer(self._reader(), names, metrics)
        for name in names:
            listed = answered.get(name)
            yield listed if listed is not None else ListedModel.of_rows(name, self.list_rows(name), metrics)

    def get_card(self, name: str, version: Optional[str] = None) -> "ModelCard":
        """The model card of a version (default: the latest): text and HF front matter."""
        record = self.get_version(name, version)  # a reference, or the latest
        if record.card is None:
            raise VersionNotFoundError(f"{record.model_name} {record.version} has no model card "
                                       "(register with --card FILE)")
        return record.card

    def get_latest(self, name: str) -> ModelVersion:
        """The highest version not deprecated or archived; if all are, the highest."""
        snap = self._snapshot(name)
        ordered = snap.versions_sorted()
        if not ordered:
            raise ModelNotFoundError(f"model {name!r} has no versions")
        good = []
        for i, version in enumerate(reversed(ordered)):
            with snap.reading_few() if i < FEW else contextlib.nullcontext():  # the newest is the usual answer
                record = snap.try_version(version)  # a bad version is a problem, not the end
            if record is not None and record.status not in RETIRED_STATUSES:
                return record
            good += [record] if record is not None else []
        if not good:
            n = len(ordered)
            raise CorruptRegistryError(f"model {name!r}: no version could be read ({n} problem{'s' if n != 1 else ''})")
        return good[0]

    def version_names(self, name: str) -> list[str]:
        """Version names in natural order, reading no version object (for paging long lists)."""
        return self._snapshot(name).versions_sorted()

    def get_versions(self, name: str, versions: Iterable[str]) -> list[ModelVersion]:
        """Several versions of one model read from one snapshot (one page of a long list)."""
        snap = self._snapshot(name)
        return snap.versions_named([snap.require(v) for v in versions])  # bad names: an error, not a skip

    def get_metadata(self, name: str) -> ModelMetadata:
        return self._snapshot(name).metadata()

    def compare_versions(self, name: str, a: str, b: str, *more: str) -> dict[str, dict[str, Any]]:
        """{key: {a: value_a, b: value_b, ...}} for every metric and training parameter set in any."""
        return self.compare(name, a, b, *more).diff()

    def compare(self, name: str, *versions: str) -> "query.Comparison":
        """Any number of versions side by side: values, Δ against the first, the best per row."""
        if not versions:
            raise InvalidValueError("compare needs at least one version")
        from gitreg.features.query import compare

        return compare(name, [self._pick(name, v) for v in versions], labels=versions)

    def _pick(self, name: str, x: str) -> ModelVersion:
        """A version of `name`, or a reference ('@production', 'latest', 'other:v2')."""
        whole = references.is_reference(x) and not x.startswith("@")
        return self.get_version(x) if whole else self.get_version(name, x)

    # -- queries (gitreg.features.query; the language is in docs/query.md) ---------------------------
    def search(self, query: Optional[str] = None, model: Optional[str] = None,
               sort: "query.sortkeys.SortSpec" = None, limit: Optional[int] = None) -> list[ModelVersion]:
        """Versions whose current view matches `query`, across every model or one.

        `sort` is a key or a list of keys ('accuracy', 'created:desc'); without it,
        results come by model, then version. Finding is O(versions searched) from the
        derived cache; each version returned is then read in full.
        """
        from gitreg.features import query as q

        found = q.search(self._reader(), query, model=model, sort=sort, limit=limit)
        _warn(found.problems + found.unknown)
        return [found.record(v) for v in found.views]

    def catalog(self, models: Optional[Iterable[str]] = None, columns: Iterable[str] = ()) -> "catalog.Catalog":
        """Every model's (or these models') versions in a few columns of the view index, current
        with the refs: for clients that sort and page over all versions, then read the page's
        records (`Catalog.records`). Models the index could not hold are in `unindexed`."""
        from gitreg.features.query import catalog
        return catalog.open_catalog(self._reader(), None if models is None else set(models), columns)

    def best(self, model: str, by: Optional[str] = None, where: Optional[str] = None, *,
             maximize: Optional[bool] = None) -> ModelVersion:
        """The best version by a metric (default accuracy) among those matching `where`.

        The direction is the one recorded with the metric (lm-eval's higher_is_better), else
        the table of known names, else the name (gitreg.features.query.direction);
        `maximize` overrides. Ties: the newest.
        """
        return self.rank(model, by, where, maximize=maximize)[0]

    def history(self, name: str, version: Optional[str] = None) -> list[Event]:
        """Every event of a model, oldest first, with who and when, read from git (approvals too);
        with a version (or a reference: 'majora:v3', 'majora@production'), that version's only:
        its registration, its note changes, approvals, and deployments that put it in or took it out."""
        from gitreg.features.policy import approvals
        model, wanted = self._optional(name, version)
        events = approvals.in_history(_history().model_history(self._snapshot(model)), self.approvals(model))
        if wanted is None:
            return events
        return [e for e in events if e.version == wanted or (
            e.environment is not None and e.details.get("previous_version") == wanted)]

    def deployments(self, name: str) -> dict[str, Optional[str]]:
        """{environment: deployed version or None (undeployed)}."""
        return {env: d.version for env, d in self._snapshot(name).deployments.items()}

    def deployment_history(self, name: str, environment: str = DEFAULT_ENVIRONMENT) -> list[Deployment]:
        check_environment_name(environment)
        snap = self._snapshot(name)
        return _deployments().history(snap.store, name, environment)

    def summary(self, name: Optional[str] = None) -> str:
        if name is None:
            return report.registry_summary(self.path, {m: self.list_versions(m) for m in self.list_models()})
        versions = self.list_versions(name)
        return report.model_summary(name, self.get_metadata(name), versions, self.deployments(name),
                                    self.get_latest(name).version if versions else None)

    # -- deployment ------------------------------------------------------------------
    def set_deployed(
        self, name: str, version: Optional[str] = None, deployed: bool = True, *,
        environment: str = DEFAULT_ENVIRONMENT, reason: str = "", sign: Optional[bool] = None,
        new_environment: bool = False, force: bool = False,
    ) -> ModelVersion:
        """Deploy `version` to `environment`, or with deployed=False undeploy it if it is the live one."""
        name, version = self._named(name, version)
        if deployed:
            self.deploy(name, version, environment=environment, reason=reason, sign=sign,
                        new_environment=new_environment, force=force)
        else:
            self.undeploy(name, version, environment=environment, reason=reason, sign=sign)
        return self.get_version(name, version)

    @_writes
    def deploy(self, name: str, version: Optional[str] = None, *, environment: str = DEFAULT_ENVIRONMENT,
               reason: str = "", sign: Optional[bool] = None, new_environment: bool = False,
               force: bool = False, dry_run: bool = False) -> Optional[Deployment]:
        """Append a deployment commit; None when `version` is already live there.

        The version is named by model and version or by one reference ('majora:v3';
        'majora@staging' promotes what staging runs), resolved after the sync remote's
        state is taken.

        Deploying a newer version over an older one deprecates the older one,
        unless it is still deployed in another environment. `sign` overrides git's
        configuration (gitreg.sign, commit.gpgSign) for signing the deployment commit.
        An environment no model has used needs `new_environment=True` (except
        'production'); a draft or training version needs `force=True` (gitreg.features.deploy.guards).
        `dry_run=True` writes nothing and returns a `Preview` of the deployment commit.
        """
        from gitreg.features.deploy import guards
        guards.check_environment(self._reader(), environment, new_environment)
        name, version = self.resolve(name, version)
        if dry_run:
            guards.check_deploy(self._snapshot(name), version, environment, force)
            return _deployments().preview(self._reader(), name, environment, "deploy", version, reason,  # type: ignore[return-value]
                                       self._sync_remote())
        if self._earlier_deployment(name, environment, "deploy", version):
            return None
        guards.check_deploy(self._snapshot(name), version, environment, force)
        self._check_policy(name, version, environment, "deploy", sign)
        return _deployments().apply(self._writer(), name, environment, "deploy", version, reason, sign)

    def _earlier_deployment(self, name: str, environment: str, action: str, version: Optional[str]) -> bool:
        """Whether this deployment is a retry whose earlier attempt reached the remote
        (gitreg.features.sync.retries)."""
        from gitreg.features.sync import retries
        self.earlier_attempt = retries.earlier_deployment(self._writer(), name, environment, action, version,
                                                          self._published_earlier()) if self._settled else None
        return self.earlier_attempt is not None

    @_writes
    def undeploy(self, name: str, version: Optional[str] = None, *,
                 environment: str = DEFAULT_ENVIRONMENT, reason: str = "",
                 sign: Optional[bool] = None) -> Deployment:
        """Take `name` out of `environment`; a `version` (or a reference) must be the live one."""
        from gitreg.features.deploy import guards
        guards.check_environment(self._reader(), environment, new_environment=True)  # case twins
        name, version = self._optional(name, version)
        if self._earlier_deployment(name, environment, "undeploy", version):
            assert self.earlier_attempt is not None and self.earlier_attempt.deployment is not None
            return self.earlier_attempt.deployment
        self._check_policy(name, version, environment, "undeploy", sign)
        record = _deployments().apply(self._writer(), name, environment, "undeploy", version, reason, sign)
        assert record is not None
        return record

    @_writes
    def rollback(self, name: str, version: Optional[str] = None, *,
                 environment: str = DEFAULT_ENVIRONMENT, reason: str = "",
                 sign: Optional[bool] = None, earlier_only: bool = False) -> ModelVersion:
        """Make `version` (default: the one live before the current) deployed; the replaced one is deprecated.

        As in the seed registry, an explicit `version` (or a reference: 'majora:v2') becomes the
        deployment even if it was never live there; `earlier_only=True` (the CLI) refuses that."""
        from gitreg.features.deploy import guards
        guards.check_environment(self._reader(), environment, new_environment=True)  # case twins
        name, version = self._optional(name, version)
        if self._earlier_deployment(name, environment, "rollback", version):
            return self.get_version(name, self.earlier_attempt.version)
        if earlier_only:
            guards.check_rollback(self._reader(), self._snapshot(name), version, environment)
        target = version or _deployments().rollback_target(_deployments().history(self._reader(), name, environment))
        self._check_policy(name, target, environment, "rollback", sign)
        record = _deployments().apply(self._writer(), name, environment, "rollback", version, reason, sign)
        assert record is not None and record.version is not None
        return self.get_version(name, record.version)

    # -- training outputs in (gitreg.features.ingest) ----------------------------------------------
    @staticmethod
    def read_metrics_file(path: str | os.PathLike[str], format: str = "auto", *,
                          include: Iterable[str] = (), exclude: Iterable[str] = ()) -> "ingest.MetricsRead":
        """Metrics of an lm-eval / HF Trainer / plain JSON or YAML file (or output directory):
        `.scores` to pass as evaluation_scores, `.note()` what was skipped."""
        from gitreg.features import ingest
        return ingest.read_metrics_file(path, format, include, exclude)

    @staticmethod
    def read_params_file(path: str | os.PathLike[str]) -> "ingest.ParamsRead":
        """Training parameters of a params file or HF training_args.json / trainer_state.json:
        `.params` are register_model keywords, `.ignored` the keys not used."""
        from gitreg.features import ingest
        return ingest.read_params_file(path)

    # -- stored files (gitreg/features/artifacts) ---------------------------------------------------
    def get_files(self, ref: str, dest: Optional[str | os.PathLike[str]] = None, role: Optional[str] = None,
                  *, progress: Optional[HashProgress] = None, transfer_progress: bool = False) -> list[Path]:
        """The files of the version `ref` names ('majora@production'), every sha256 checked.

        Stored files are downloaded when not here (only this version's, only `role`'s);
        without `dest` they are links in a per-version snapshot directory of the cache
        (${XDG_CACHE_HOME:-~/.cache}/gitreg/), with `dest` copies in dest/<role>/<name>.
        """
        from gitreg.features.artifacts import get

        model, version = self.resolve(ref)
        record = self._snapshot(model).version(version)
        return get.get_files(self._reader(), record, Path(dest) if dest is not None else None,
                             None if role is None else check_role(role),
                             progress=progress, transfer_progress=transfer_progress)

    def file_path(self, ref: str, role: Optional[str] = None, *, name: Optional[str] = None,
             progress: Optional[HashProgress] = None, transfer_progress: bool = False) -> Path:
        """The local path of one file of a version (fetched if needed): for serving scripts.

        (The issue asked for `registry.path(ref, role)`; `path` is already the registry's own path.)"""
        from gitreg.features.artifacts import get

        model, version = self.resolve(ref)
        return get.one_path(self._reader(), self._snapshot(model).version(version),
                            None if role is None else check_role(role), name,
                            progress=progress, transfer_progress=transfer_progress)

    # -- verification ----------------------------------------------------------------
    def doctor(self, *, repair: bool = False) -> "DoctorReport":
        """What a crash or a plain-git mistake left; repair=True repairs it (see gitreg/features/trust/doctor.py)."""
        from gitreg.features.trust.doctor import examine
        return examine(self._writer() if repair else self._reader(), self.path, repair)

    def is_signed(self, commit: str) -> bool:
        """Whether a commit of a version or deployment is signed (what a write's confirmation says)."""
        store = self._reader()
        return store is not None and store.is_signed(commit)

    def signature(self, model_name: str, version: str) -> VersionSignature:
        """Whether a version's tag and commit carry signatures, of what kind, with which key as
        recorded: read from the objects, NOT verified (that is `verify`, by git)."""
        return self._snapshot(model_name).signature(version)

    def verify(self, model_name: Optional[str] = None, version: Optional[str] = None, *,
               files: bool = False, progress: Optional[HashProgress] = None,
               since: Optional[str] = None) -> "VerifyReport":
        """Check signatures, names and (with files=True) artifact hashes; see gitreg.features.trust.verify.
        `since` (a date, or a ref whose date is taken) accepts unsigned objects dated before it."""
        from gitreg.features.trust.verify import verify

        if model_name is not None and "@" in model_name:
            model_name, version = self.resolve(model_name, version)
        return verify(self._reader(), self.path, model_name, version, files=files, progress=progress, since=since)

    # -- later changes (git notes) -------------------------------------------------------
    @_writes
    def update_evaluation_scores(self, name: str, version: Optional[str] = None, *,
                                 metric_info: Optional[dict[str, dict[str, Any]]] = None, dry_run: bool = False,
                                 **scores: Any) -> ModelVersion:
        """Known metric names update their field; any other keyword goes to custom_metrics.

        The version is named by model and version or by one reference ('majora@production').
        `metric_info` records the scores' meaning (direction, stderr, source) in the same note;
        `dry_run=True` writes nothing and returns a `Preview` of the note it would write."""
        update = values.split_scores(scores)
        if not update:
            raise InvalidValueError("no scores given")
        info = values.check_metric_info(metric_info)
        name, version = self._named(name, version)

        def change(note: dict[str, Any]) -> dict[str, Any]:
            note["evaluation_scores"] = manifest.merge_scores(note.get("evaluation_scores") or {}, update)
            if info:
                note["metric_info"] = manifest.merge_info(manifest.stored_info(note.get("metric_info")), info)
            return note

        detail = ", ".join(f"{k}={v}" for k, v in _flat(update).items())
        return self._annotate(name, version, "score", detail, change, dry_run=dry_run)

    def _annotate(self, name: str, version: str, action: str, detail: str, change: Any,
                  check: Any = None, dry_run: bool = False) -> Any:
        """Change one version's note (or, dry_run, preview the change); the version after it."""
        if dry_run:
            return _annotations().preview_version(self._reader(), name, version, action, detail,
                                               change, check, self._sync_remote())
        _annotations().annotate_version(self._writer(), name, version, action, detail, change, check)
        return self.get_version(name, version)

    @_writes
    def set_status(self, name: str, version: Optional[str] = None, status: Optional[str] = None, *,
                   dry_run: bool = False) -> ModelVersion:
        """draft, training, completed, deprecated or archived; 'deployed' follows _deployments().

        With a reference, version is None: set_status('majora:v1', None, 'archived').
        `dry_run=True` writes nothing and returns a `Preview` of the note it would write."""
        status = getattr(status, "value", status)
        if status is None:
            raise InvalidValueError(f"no status given: expected one of {', '.join(SETTABLE_STATUSES)}")
        if status == "deployed":
            raise InvalidValueError("status 'deployed' is derived from deployments: use deploy instead")
        if status not in SETTABLE_STATUSES:
            raise InvalidValueError(
                f"unknown status {status!r}: expected one of {', '.join(SETTABLE_STATUSES)}"
            )
        name, version = self._named(name, version)

        def check(snap: ModelSnapshot) -> None:
            envs = snap.environments_of(version)
            if envs and status in ("deprecated", "archived"):
                raise DeploymentError(
                    f"{name} {version} is deployed in {', '.join(envs)}: undeploy or roll back first"
                )

        return self._annotate(name, version, "status", f"status {status}",
                              lambda note: {**note, "status": status}, check, dry_run)

    def change_tags(self, name: str, version: Optional[str] = None, *, add: Iterable[str] = (),
                    remove: Iterable[str] = ()) -> ModelVersion:
        """Remove then add tags in one notes commit (atomic for readers)."""
        return self._retag(name, version, values.check_str_list("tags", list(add)),
                           values.check_str_list("tags", list(remove)))

    def add_tags(self, name: str, version: Optional[str], *tags: str) -> ModelVersion:
        """Add tags; with a reference, version is None: add_tags('majora@latest', None, 'x')."""
        return self._retag(name, version, values.check_str_list("tags", list(tags)), [])

    def remove_tags(self, name: str, version: Optional[str], *tags: str) -> ModelVersion:
        return self._retag(name, version, [], values.check_str_list("tags", list(tags)))

    @_writes
    def _retag(self, name: str, version: Optional[str], add: list[str], remove: list[str]) -> ModelVersion:
        name, version = self._named(name, version)
        registered = self.get_version(name, version)

        def change(note: dict[str, Any]) -> dict[str, Any]:
            tags = [t for t in note.get("tags", registered.tags) if t not in remove]
            tags += [t for t in add if t not in tags]
            return {**note, "tags": tags}

        detail = " ".join([f"+{t}" for t in add] + [f"-{t}" for t in remove])
        _annotations().annotate_version(self._writer(), name, version, "tags", detail, change)
        return self.get_version(name, version)

    @_writes
    def update_notes(self, name: str, version: Optional[str] = None, notes: Optional[str] = None) -> ModelVersion:
        """Replace a version's notes; with a reference, version is None."""
        if notes is None:
            raise InvalidValueError("no notes given")
        values.check_text("notes", notes)
        name, version = self._named(name, version)
        _annotations().annotate_version(
            self._writer(), name, version, "notes", "notes updated",
            lambda note: {**note, "notes": notes},
        )
        return self.get_version(name, version)

    @_writes
    def update_metadata(
        self, model_name: str, *, description: Optional[str] = None, owner: Optional[str] = None,
        tags: Optional[Iterable[str]] = None, notes: Optional[str] = None,
        add_tags: Optional[Iterable[str]] = None, remove_tags: Optional[Iterable[str]] = None,
    ) -> ModelMetadata:
        """Change the model's description, owner, tags or notes (given fields only).

        `add_tags`/`remove_tags` change the tag list as it is when the note is written
        (under the notes ref's compare-and-swap), so concurrent tag changes are not lost.
        """
        update: dict[str, Any] = {}
        for key, value in (("description", description), ("owner", owner), ("notes", notes)):
            if value is not None:
                update[key] = values.check_text(key, value)
        if tags is not None:
            update["tags"] = values.check_str_list("tags", tags)
        add = values.check_str_list("add_tags", add_tags)
        remove = values.check_str_list("remove_tags", remove_tags)
        if not update and not add and not remove:
            raise InvalidValueError("nothing to update: give description, owner, tags or notes")
        registered = self.get_metadata(model_name)
        detail = ", ".join(sorted(set(update) | ({"tags"} if add or remove else set())))

        def change(note: dict[str, Any]) -> dict[str, Any]:
            note = {**note, **update}
            if add or remove:
                current = [t for t in note.get("tags", registered.tags) if t not in remove]
                note["tags"] = current + [t for t in add if t not in current]
            return note

        _annotations().annotate_model(self._writer(), model_name, "metadata", f"metadata {detail}", change)
        return self.get_metadata(model_name)

    # -- remotes (git's own transport; see gitreg.features.sync.sync) ------------------------------------
    def remotes(self) -> list[RemoteInfo]:
        from gitreg.git.transport import remote as transport
        store = self._reader()
        if store is None:
            return []
        current = transport.sync_remote(store.config())
        return [RemoteInfo(n, u, n == current) for n, u in transport.remotes(store.repo).items()]

    def add_remote(self, name: str, url: str, *, sync: Optional[bool] = None) -> RemoteInfo:
        """Add a remote. It becomes the sync remote when sync=True, or when None and there is none yet."""
        from gitreg.git.transport import remote as transport
        check_remote_name(name)
        if not url or url != url.strip() or "\n" in url:
            raise InvalidValueError(f"remote URL {url!r} is empty or has surrounding space")
        store = self._writer()
        if name in transport.remotes(store.repo):
            raise GitregError(f"remote {name!r} already exists")
        transport.add_remote(store.repo, name, url)
        current = transport.sync_remote(store.config())
        if sync or (sync is None and current is None):
            transport.set_sync_remote(store.repo, name)
        elif sync is False and current == name:
            transport.set_sync_remote(store.repo, None)
        return next(r for r in self.remotes() if r.name == name)

    def remove_remote(self, name: str) -> None:
        from gitreg.git.transport import remote as transport
        self._remote(name)
        transport.remove_remote(self._writer().repo, name)

    def _remote(self, name: Optional[str]) -> str:
        """The named remote, or the sync remote, or the only one."""
        known = self.remotes()
        if name is not None:
            if name not in {r.name for r in known}:
                raise RemoteError(f"no remote named {name!r} (see 'gitreg remote list')")
            return name
        chosen = [r.name for r in known if r.sync] or ([known[0].name] if len(known) == 1 else [])
        if not chosen:
            raise RemoteError("no remote given and no sync remote set: 'gitreg remote add NAME URL'")
        return chosen[0]

    def push(self, remote: Optional[str] = None, *, model: Optional[str] = None) -> "sync.PushReport":
        """Publish every local version, deployment and note the remote lacks (atomic per
        model, never forced); a model that diverged from the remote is left out whole."""
        from gitreg.features.sync import sync
        name = self._remote(remote)
        return sync.push(self._writer(), name, _scope(model))

    def pull(self, remote: Optional[str] = None, *, take_remote: bool = False,
             model: Optional[str] = None) -> "sync.Integration":
        """Fetch and integrate every gitreg ref (or one model's); conflicts are reported and
        both sides kept, and never stop other models from coming in.

        take_remote=True resolves conflicts in the remote's favour, keeping the local
        side under refs/gitreg/saved/<time>/ (see Integration.saved).
        """
        from gitreg.features.sync import sync
        name = self._remote(remote)
        return sync.pull(self._writer(), name, take_remote, _scope(model))

    @classmethod
    def from_remote(cls, url: str) -> "ModelRegistry":
        """A local registry tracking `url`: cloned on first use, pulled on later ones.

        The clone lives under ${XDG_DATA_HOME:-~/.local/share}/gitreg/clones/; it syncs
        every write to `url` (its origin), so writers on many machines can share it.
        """
        path = clone_cache(url)
        if Store.open(path) is None:
            staging = path.parent / f".{path.name}.{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            cls.clone(url, staging)
            try:
                os.rename(staging, path)
            except OSError:  # another process cloned it first: use theirs
                shutil.rmtree(staging, ignore_errors=True)
        registry = cls(path)
        registry.pull()
        return registry

    @classmethod
    def clone(cls, url: str, path: str | os.PathLike[str] | None = None, *,
              remote: str = "origin", started: Optional["cloning.Started"] = None) -> "ModelRegistry":
        """A new local registry with every gitreg ref of `url`, which becomes its sync remote.
        `started`: its `git clone` already under way (gitreg.api.cloning)."""
        from gitreg.git.transport import cloning
        from gitreg.git.transport import remote as transport

        target = resolve_path(path)
        started = started or cloning.start(target, remote, url)  # gitreg.api.cloning starts it earlier
        registry = cls(target)
        try:
            cloning.clone_into(target, remote, url, started)
            transport.set_sync_remote(registry._writer().repo, remote)
        except BaseException:  # nothing half-made is left behind
            started.abandon()
            raise
        return registry

    # -- the JSON registry's files (gitreg/features/interchange) -------------------------------------
    @_writes
    def import_json(
        self, registry_json: Any, lineage_json: Any = None, *, dry_run: bool = False,
        progress: Any = None,
    ) -> Any:
        """Import registry.json (and lineage.json): paths or parsed documents.

        Everything is checked first; any problem raises ImportRefused listing them all
        and nothing is written. Versions already here with the same content are skipped.
        Returns an ImportReport (with dry_run, what would be written).
        """
        from gitreg.features.interchange import importer, schema

        report = importer.plan(self._reader(), schema.read(registry_json, lineage_json))
        report.dry_run = dry_run
        if not dry_run and report.steps:
            importer.apply(self._writer(), report, progress)
        return report

    def export_json(
        self, path: Optional[str | os.PathLike[str]] = None,
        lineage_path: Optional[str | os.PathLike[str]] = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(registry.json, lineage.json) documents of the current view; written to the paths given."""
        from gitreg.features.interchange import exporter

        registry_doc, lineage_doc = exporter.export(self._reader())
        if path is not None:
            exporter.write_file(path, registry_doc)
        if lineage_path is not None:
            exporter.write_file(lineage_path, lineage_doc)
        return registry_doc, lineage_doc

    # -- supply chain: Hugging Face layout, OpenSSF model signing, OCI / ModelPack ------------------
    # (gitreg/features/supply; docs/supply-chain.md)
    def write_layout(self, ref: str, dest: Optional[str | os.PathLike[str]] = None, *, layout: str = "gitreg",
                     role: Optional[str] = None, progress: Optional[HashProgress] = None,
                     transfer_progress: bool = False) -> Path:
        """A version's files in one directory in `layout` ('gitreg': <role>/<name>, 'hf': the Hugging
        Face one with a model card), every sha256 checked, plus model.sig when the version is
        OMS-signed; without `dest`, a snapshot of links in the cache. Returns the directory."""
        from gitreg.features.supply import directory

        record = self.get_version(ref)
        return directory.write(self._reader(), record, Path(dest) if dest is not None else None, layout,
                               None if role is None else check_role(role),
                               progress=progress, transfer_progress=transfer_progress)

    @_writes
    def sign_oms(self, ref: str, key: str | os.PathLike[str], *, password: Optional[str] = None,
                 certificate: Optional[str | os.PathLike[str]] = None,
                 chain: Iterable[str | os.PathLike[str]] = ()) -> list[str]:
        """Sign a version the OpenSSF model signing way from its manifest (no weight byte read);
        stored in its note. Returns the layouts signed."""
        from gitreg.features.supply import oms

        record = self.get_version(ref)
        spec = oms.KeySpec(private_key=Path(key), password=password,
                           certificate=Path(certificate) if certificate else None, chain=[Path(c) for c in chain])
        return oms.sign(self._writer(), record, spec)

    def verify_oms(self, ref: str, *, public_key: Optional[str | os.PathLike[str]] = None,
                   chain: Iterable[str | os.PathLike[str]] = ()) -> list["OmsCheck"]:
        """Check a version's OMS signatures with a public key or a certificate chain."""
        from gitreg.features.supply import oms

        spec = oms.KeySpec(public_key=Path(public_key) if public_key else None, chain=[Path(c) for c in chain])
        return oms.verify(self._reader(), self.get_version(ref), spec)

    def write_oms_signature(self, ref: str, dest: str | os.PathLike[str], layout: str = "gitreg") -> Optional[Path]:
        """DIR/model.sig for a directory `get_files` wrote (the whole version), when it is OMS-signed."""
        from gitreg.features.supply import oms

        return oms.write_signature(self._reader(), self.get_version(ref), layout, Path(dest))

    @_writes
    def add_oms_signature(self, ref: str, path: str | os.PathLike[str]) -> str:
        """Import an OMS signature made elsewhere once it lists exactly the version's files; returns its layout."""
        from gitreg.features.supply import oms

        return oms.add(self._writer(), self.get_version(ref), Path(path))

    def export_oci(self, ref: str, target: Optional[str] = None, *, layout_dir: Optional[str | os.PathLike[str]] = None,
                   plain_http: bool = False, progress: Optional[HashProgress] = None,
                   transfer_progress: bool = False) -> "oci.PushReport | Path":
        """Push a version as a CNCF ModelPack artifact to `target` (REGISTRY/REPO:TAG), or write it
        as an OCI image layout into `layout_dir` (tagged with `target`'s tag, else the version)."""
        from gitreg.features.supply import oci

        record = self.get_version(ref)
        tag_id = self._snapshot(record.model_name).tag_ids().get(record.version)
        art = oci.build(self._reader(), record, tag_id, progress=progress, transfer_progress=transfer_progress)
        if layout_dir is not None:
            return oci.write_layout(art, Path(layout_dir), target or record.version)
        if target is None:
            raise InvalidValueError("export oci needs REGISTRY/REPOSITORY:TAG or --layout DIR")
        return oci.push(art, target, plain_http)

    @_writes
    def import_oci(self, model_name: str, source: str, version: Optional[str] = None, *,
                   plain_http: bool = False, ignore_signature: bool = False) -> tuple[ModelVersion, "oci.Pulled"]:
        """Register a version of `model_name` from the ModelPack (or Docker Model Runner) artifact
        `source` (REGISTRY/REPO:TAG): its layers go into the LFS store by digest (those already
        there are not downloaded), its OMS signature kept. A signature that does not list exactly
        these files refuses the import before anything is registered, unless `ignore_signature`."""
        from gitreg.features.supply import oci

        check_model_name(model_name)
        writer = self._writer()
        pulled = oci.pull(writer, source, plain_http)
        record = oci.import_version(writer, pulled, model_name, version, ignore_signature=ignore_signature)
        return record, pulled

    # -- events and webhooks (issue 25: gitreg/features/events, docs/events.md) -----------------
    def events(self, *, since: Optional[str] = None, lines: Optional[Iterable[str]] = None,
               push_payload: Optional[bytes] = None) -> list["RegistryEvent"]:
        """The registry events of ref updates given as hook lines (`OLD NEW REF`), of a
        GitHub/GitLab push payload, or every one at or after `since` (ISO 8601)."""
        from gitreg.features.events import derive, sources
        from gitreg.git.refs import changes

        store = self._reader()
        if store is None:
            return []
        if since is not None:
            return sources.since(store, since)
        if push_payload is not None:
            return derive.derive(store, sources.push_payload(store, push_payload))
        return derive.derive(store, changes.parse_lines(lines or []))

    def watch_events(self, remote: Optional[str] = None, *, interval: float = 30.0,
                     polls: Optional[int] = None) -> Iterator[list["RegistryEvent"]]:
        """Poll a remote (for registries on hosted forges, with no server hook): each poll pulls
        it and yields the events of the refs that moved, as the pushes' own events would be."""
        from gitreg.features.events import derive

        done = 0
        while polls is None or done < polls:
            if done:
                time.sleep(interval)
            before = derive.current_refs(self._writer())
            self.pull(remote)
            yield derive.derive(self._writer(), derive.changes_between(before, derive.current_refs(self._writer())))
            done += 1

    def deliver_events(self) -> int:
        """Derive the spooled pushes into the outbox and send them to the webhooks, until
        nothing is left to send (what the server's post-receive starts, detached)."""
        from gitreg.features.events import delivery

        store = self._reader()
        if store is None:
            raise GitregError(f"no registry at {self.path}")
        return delivery.run(store)

    def deliveries(self) -> list[dict[str, Any]]:
        """Every recorded delivery attempt, oldest first (outcome: delivered, retrying, failed),
        the kept earlier generations of the log included."""
        from gitreg.features.events import delivery

        return delivery.history(self.path, archived=True)

    def redeliver(self, event_id: str, webhook: Optional[str] = None) -> list["Attempt"]:
        """Send one outbox event (id or unique prefix) again now; each attempt is recorded."""
        from gitreg.features.events import delivery

        return delivery.redeliver(self.path, event_id, webhook)

    # webhooks and the outbox are files of the registry's own (its git config, gitreg-events/):
    # no registry store is opened for them, so a server's repository is never written as another user
    def webhooks(self) -> list["Webhook"]:
        from gitreg.features.events import webhooks

        return webhooks.webhooks(self.path)

    def add_webhook(self, url: str, *, events: Iterable[str] = (), secret_env: Optional[str] = None,
                    name: Optional[str] = None) -> "Webhook":
        """A webhook in the registry's git config (events: fnmatch patterns of event types)."""
        from gitreg.features.events import webhooks

        return webhooks.add(self.path, url, list(events), secret_env, name)

    def remove_webhook(self, which: str) -> None:
        from gitreg.features.events import webhooks

        webhooks.remove(self.path, which)

    def test_webhook(self, which: str) -> "Attempt":
        """Send a `webhook.test` event to one webhook once (not recorded in deliveries)."""
        from gitreg.features.events import delivery

        return delivery.test(self.path, which)

    # -- offline bundles (gitreg/features/bundle; format in docs/storage.md) -------------------------
    def bundle_create(self, path: str | os.PathLike[str], refs: Iterable[str] = (), *,
                      since: Optional[str | os.PathLike[str]] = None) -> "bundle.Manifest":
        """Write one file with the chosen models (MODEL, or MODEL:VERSION / MODEL@ENV for
        versions; none: every model), their deployments, notes and stored files. `since`:
        an earlier bundle; only what is new since it goes in."""
        from gitreg.features.bundle import bundle
        store = self._reader()
        if store is None:
            raise ModelNotFoundError("the registry is empty: nothing to bundle")
        selection: dict[str, Optional[frozenset[str]]] = {}
        for text in refs:
            model, version = self._optional(text, None)
            if version is None or selection.get(model, frozenset()) is None:
                selection[model] = None
            else:
                selection[model] = frozenset({*(selection.get(model) or ()), version})
        return bundle.create(store, Path(path), selection, Path(since) if since is not None else None)

    def bundle_verify(self, path: str | os.PathLike[str]) -> "bundle.Checked":
        """Check every byte and sha256 of a bundle, and whether this registry has what it builds on."""
        from gitreg.features.bundle import bundle
        return bundle.verify(self._reader(), Path(path))

    def unbundle(self, path: str | os.PathLike[str]) -> "bundle.Unbundled":
        """Import a bundle, checked whole before anything is written, integrated ref by ref as
        `pull` integrates a remote (conflicts per model, reported; nothing rewritten)."""
        from gitreg.features.bundle import bundle
        return bundle.unbundle(self._writer, self._reader(), Path(path))

    # -- retention (gitreg/features/retention; docs/operations.md) ----------------------------------
    def gc(self, *, keep_deployed_days: float = 30, keep_last: int = 3, purge_older_than_days: float = 90,
           dry_run: bool = False, server_store: Optional[str] = None,
           s3_endpoint: Optional[str] = None) -> "gc.Plan":
        """Purge the local stored bytes of archived/deprecated versions older than the policy allows,
        keeping what ran recently, the last versions and everything tagged `keep`; each purge is
        recorded in the version's note first. dry_run: the same plan, nothing done.
        server_store: the LFS server's S3 store (s3://BUCKET/PREFIX/ORG/REPO) to delete from too."""
        from gitreg.features.retention import gc
        from gitreg.features.retention.serverstore import S3Store
        policy = gc.Policy(keep_deployed_days, keep_last, purge_older_than_days)
        server = None if server_store is None else S3Store.parse(server_store, s3_endpoint)
        store = self._reader()
        if store is None:
            return gc.Plan(policy)
        return gc.run(self._writer(), policy, dry_run, server=server)

    def du(self, model: Optional[str] = None) -> "du.Usage":
        """Bytes of stored files per model / version / role; shared objects counted once in totals."""
        from gitreg.features.retention import du
        if model is not None:
            self._snapshot(model)  # a missing model is an error, not zero bytes
        return du.usage(self._reader(), model)
    # -- policy and approvals (gitreg.features.policy; docs/policy.md) ---------------------------
    def policy(self) -> Optional["PolicyVersion"]:
        """The policy in force (refs/gitreg/policy's tip), or None: the registry is open."""
        from gitreg.features.policy import chain
        return chain.current(self._reader())

    def set_policy(self, text: str | bytes, *, sign: Optional[bool] = None) -> "PolicyVersion":
        """Install a new policy (validated; only an admin of the one in force may; the first is free)."""
        from gitreg.features.policy import chain
        self._sync(set())
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        return chain.set_policy(self._writer(), data, sign)

    @_writes
    def approve(self, name: str, version: Optional[str] = None, *, environment: str = DEFAULT_ENVIRONMENT,
                reason: Optional[str] = None, sign: Optional[bool] = None) -> "Approval":
        """Record that the configured identity approves `name` `version` ('m:v3') for `environment`."""
        from gitreg.features.policy import approvals
        name, version = self.resolve(name, version)
        return approvals.approve(self._writer(), name, version, environment, reason, sign)

    def approvals(self, name: str) -> list["Approval"]:
        """Every approval of a model, oldest first (a bad record is a problem, the rest read)."""
        from gitreg.git.refs.layout import approvals_ref

        check_model_name(name)
        store = self._reader()
        if store is None or store.ref_target(approvals_ref(name)) is None:
            return []  # none: the policy feature is not loaded (`show` asks for every version)
        from gitreg.features.policy import approvals

        return approvals.read(store, name)

    def verify_policy(self) -> list[str]:
        """Every deployment and approval re-judged by the policy in force at its time: the violations."""
        from gitreg.features.policy import replay
        return replay.replay(self._reader())

    def _check_policy(self, name: str, version: Optional[str], environment: str, action: str,
                      sign: Optional[bool]) -> None:
        from gitreg.features.policy import rules
        rules.check_promotion(self._reader(), name, version, environment, action, sign)
    # -- how a version was made: params, metric meaning, curves (issue 23; gitreg/features/ingest) --
    def rank(self, model: str, by: Optional[str] = None, where: Optional[str] = None, *,
             maximize: Optional[bool] = None) -> tuple[ModelVersion, "query.direction.Direction"]:
        """best() and the direction it used, with the rule that gave it (recorded, table, name, given)."""
        from gitreg.features import query as q

        view, snap, _, direction = q.best(self._reader(), model, by=by, where=where, maximize=maximize)
        return snap.version(view["version"]), direction

    @staticmethod
    def data_source(spec: str, progress: Optional[HashProgress] = None) -> str | dict[str, str]:
        """A training-data entry from 'NAME', 'NAME@REV' or a local path (hashed: name, sha256,
        uri), for register_model(training_data=[...]); see gitreg.features.ingest.provenance."""
        from gitreg.features.ingest.provenance import data_source
        return data_source(spec, progress)

    @staticmethod
    def read_curves_file(path: str | os.PathLike[str]) -> "Curves":
        """Training curves of a trainer_state.json (log_history), a CSV or JSONL of step -> metrics,
        or an output directory's trainer_state.json: pass as register_model(curves=...)."""
        from gitreg.features import ingest
        return ingest.read_curves_file(path)

    @_writes
    def update_params(self, name: str, version: Optional[str] = None, **params: Any) -> ModelVersion:
        """Record or correct training parameters after registration (a note, like scores);
        a name given as None is left as it was."""
        update = values.check_params(params)
        if not update:
            raise InvalidValueError("no params given")
        name, version = self._named(name, version)

        def change(note: dict[str, Any]) -> dict[str, Any]:
            note["params"] = {**manifest.stored_params(note.get("params")), **update}
            return note

        detail = ", ".join(f"{k}={v}" for k, v in update.items())
        _annotations().annotate_version(self._writer(), name, version, "params", detail, change)
        return self.get_version(name, version)

    # -- faults and wrong answers (issue 24 A) ----------------------------------------
    @property
    def wrote(self) -> bool:
        """Whether a write moved refs through this object: its read problems (a bad note beside
        the version written) are then warnings, not a failed command a script would retry."""
        return self._store is not None and self._store.wrote


def _scope(model: Optional[str]) -> Any:
    from gitreg.git.transport import remote as transport

    return transport.Scope.of(None if model is None else {check_model_name(model)})


def clone_cache(url: str) -> Path:
    """Where from_remote keeps its clone of `url`: a readable name plus a hash of the URL."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", url).strip("-.")[-60:] or "registry"
    import hashlib

    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
    return data_dir() / "clones" / f"{slug}-{digest}.git"


def _warn(problems: list[str]) -> None:
    """What could not be read is reported (the CLI shows one line each), never fatal."""
    import warnings

    for problem in problems:
        warnings.warn(problem, stacklevel=3)


def _flat(scores: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in scores.items():
        if isinstance(value, dict):
            out.update(value)
        else:
            out[key] = value
    return out


__all__ = ["ModelRegistry"]
