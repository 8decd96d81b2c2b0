"""An import: plan everything against the registry first, then write it with the original times.

The plan checks the whole input before anything is written: names, parents that
exist (in the file or the registry), lineage cycles, and what is already there. A
version (or model) already in the registry with the same content is skipped, so
re-importing a file writes nothing; with different content it is a conflict, and
any problem refuses the whole import. Writes go through the ordinary paths
(registration, deployments, annotations), parents first, dated as in the file.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional, Protocol

from gitreg.core.errors import GitregError
from gitreg.core.names import DEFAULT_ENVIRONMENT, check_environment_name, qualify, version_key
from gitreg.core.records import (
    METRIC_FIELDS,
    REGISTRATION_STATUSES,
    TRAINING_FIELDS,
    ArtifactFile,
    EvaluationScores,
    ModelMetadata,
    ModelVersion,
    TrainingInfo,
    VersionStatus,
)
from gitreg.features.deploy import deployments
from gitreg.features.interchange.exporter import metadata_record, version_record
from gitreg.features.interchange.schema import Document, ImportRefused, ModelIn, VersionIn, child
from gitreg.features.notes import annotations
from gitreg.features.registration import registration
from gitreg.git.repository import Store
from gitreg.model import manifest as mf
from gitreg.model.snapshot import ModelSnapshot, model_names

REASON = "imported from the JSON registry"
_ROLES = (("lora", "lora_path"), ("gguf", "gguf_path"), ("checkpoint", "checkpoint_path"),
          ("config", "config_path"))


class StepProgress(Protocol):
    def begin(self, label: str, total: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def end(self) -> None: ...


@dataclass
class Step:
    """One write: create a model, register a version, deploy one, or set a status note."""
    kind: str
    model: str
    version: Optional[str]
    when: float
    detail: str = ""  # environment (deploy) or status (status)
    registration: Optional[registration.Registration] = None
    model_file: Optional[dict[str, Any]] = None

    def describe(self) -> str:
        at = mf.now_iso(self.when)
        if self.kind == "model":
            return f"create model {self.model} ({at})"
        if self.kind == "version":
            reg = self.registration
            parent = f", from {qualify(*reg.parent, self.model)}" if reg and reg.parent else ""
            return f"register {self.model} {self.version} ({at}{parent})"
        if self.kind == "deploy":
            return f"deploy {self.model} {self.version} to {self.detail} ({at})"
        return f"status {self.model} {self.version} {self.detail} ({at})"


@dataclass
class ImportReport:
    """What an import wrote (or, in a dry run, would write) and what it left as it was."""
    steps: list[Step] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # 'model' or 'model version'
    notices: list[str] = field(default_factory=list)
    dry_run: bool = False

    def count(self, kind: str) -> int:
        return sum(1 for s in self.steps if s.kind == kind)


def _iso(when) -> str:
    return mf.now_iso(when.timestamp())


def expected_metadata(model: ModelIn) -> ModelMetadata:
    return ModelMetadata(model.name, _iso(model.created_at), model.description, model.owner,
                         list(model.tags), model.notes)


def expected_view(v: VersionIn) -> ModelVersion:
    """The version as the registry will show it once imported (compared with what is there)."""
    if v.deployed:
        status = VersionStatus.DEPLOYED
    elif v.status in ("deprecated", "archived"):
        status = VersionStatus(v.status)
    else:
        status = VersionStatus(_registration_status(v))
    scores = mf.merge_scores(mf.empty_scores(), v.scores)
    return ModelVersion(
        model_name=v.model, version=v.version, created_at=_iso(v.created_at), status=status,
        deployed=v.deployed, deployed_at=_iso(v.deployed_at) if v.deployed else None,
        training=TrainingInfo(**{k: v.training.get(k) for k in TRAINING_FIELDS}) if v.training else None,
        evaluation_scores=EvaluationScores(**{k: scores.get(k) for k in METRIC_FIELDS},
                                           custom_metrics=dict(scores.get("custom_metrics") or {})),
        lora_path=v.lora_path, gguf_path=v.gguf_path, checkpoint_path=v.checkpoint_path,
        config_path=v.config_path,
        parent_version=qualify(*v.parent, v.model) if v.parent else None,
        training_data_sources=list(v.training_data), git_commit=v.git_commit, tags=list(v.tags),
        notes=v.notes,
    )


def _registration_status(v: VersionIn) -> str:
    return v.status if v.status in REGISTRATION_STATUSES else "completed"


def _differences(current: dict[str, Any], wanted: dict[str, Any]) -> str:
    parts = []
    for key in wanted:
        if current.get(key) != wanted[key]:
            parts.append(f"{key} is {_short(current.get(key))} there, {_short(wanted[key])} here")
    return "; ".join(parts)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Planner:
    def __init__(self, store: Optional[Store], doc: Document) -> None:
        self.store = store
        self.doc = doc
        self.report = ImportReport(notices=list(doc.notices))
        self.snaps: dict[str, Optional[ModelSnapshot]] = {}
        self.new: dict[tuple[str, str], VersionIn] = {}
        self.registrations: dict[tuple[str, str], registration.Registration] = {}

    def snap(self, model: str) -> Optional[ModelSnapshot]:
        if model not in self.snaps:
            snap = ModelSnapshot(self.store, model) if self.store is not None else None
            self.snaps[model] = snap if snap is not None and snap.tip is not None else None
        return self.snaps[model]

    def exists(self, model: str, version: str) -> bool:
        if model in self.doc.models and version in self.doc.models[model].versions:
            return True
        snap = self.snap(model)
        return snap is not None and version in snap.versions

    # -- models and versions -------------------------------------------------------
    def models(self) -> list[Step]:
        steps = []
        in_registry = model_names(self.store)
        for name, model in sorted(self.doc.models.items()):
            for other in sorted(set(in_registry) | set(self.doc.models)):
                if other != name and other.lower() == name.lower() and (other in in_registry or other < name):
                    self.doc.problem(model.path, f"model {name!r} differs only in case from {other!r} "
                                                 "(refs would collide on case-insensitive file systems)")
            if model.created_at is None:
                continue
            wanted = expected_metadata(model)
            snap = self.snap(name)
            if snap is None:
                model_file = mf.build_model_file(name, wanted.created_at, wanted.description,
                                                 wanted.owner, wanted.tags, wanted.notes)
                steps.append(Step("model", name, None, model.created_at.timestamp(), model_file=model_file))
            elif model.has_metadata:
                diff = _differences(metadata_record(snap.metadata()), metadata_record(wanted))
                if diff:
                    self.doc.problem(child(model.path, "metadata"),
                                     f"model {name} is in the registry with other metadata ({diff}); not overwritten")
                else:
                    self.report.unchanged.append(name)
            for v in model.versions.values():
                self.version(v, snap)
        return steps

    def version(self, v: VersionIn, snap: Optional[ModelSnapshot]) -> None:
        if v.created_at is None:
            return
        wanted = version_record(expected_view(v))
        if snap is not None and v.version in snap.versions:
            diff = _differences(version_record(snap.version(v.version)), wanted)
            if diff:
                self.doc.problem(v.path, f"{v.model} {v.version} is in the registry with other content "
                                         f"({diff}); not overwritten")
            else:
                self.report.unchanged.append(f"{v.model} {v.version}")
            return
        others = set(snap.versions if snap else ()) | set(self.doc.models[v.model].versions)
        for other in sorted(others):
            if other != v.version and other.lower() == v.version.lower() and (
                    snap is not None and other in snap.versions or other < v.version):
                self.doc.problem(v.path, f"version {v.version!r} differs only in case from {other!r}")
        try:
            reg = registration.prepare(
                v.model, v.version, parent_version=qualify(*v.parent) if v.parent else None,
                status=_registration_status(v), base_model=v.base_model,
                training={k: val for k, val in v.training.items() if k != "base_model"},
                evaluation_scores=v.scores, paths={}, training_data=v.training_data,
                git_commit=v.git_commit, tags=v.tags, notes=v.notes, model_card=None,
            )
        except GitregError as exc:
            self.doc.problem(v.path, str(exc))
            return
        files = [ArtifactFile(role, getattr(v, attr)) for role, attr in _ROLES if getattr(v, attr)]
        self.registrations[(v.model, v.version)] = replace(reg, files=files, when=v.created_at.timestamp())
        self.new[(v.model, v.version)] = v

    # -- lineage ---------------------------------------------------------------------
    def ordered(self) -> list[Step]:
        """New versions, parents first (then by creation time); missing parents and cycles reported."""
        children: dict[tuple[str, str], list[tuple[str, str]]] = {}
        waiting: dict[tuple[str, str], int] = {}
        for key, v in self.new.items():
            waiting[key] = 0
            if v.parent is None:
                continue
            if v.parent in self.new:
                waiting[key] = 1
                children.setdefault(v.parent, []).append(key)
            elif not self.exists(*v.parent):
                self.doc.problem(v.parent_path, f"parent {qualify(*v.parent)} does not exist "
                                                "(neither in the input nor in the registry)")

        def order(key: tuple[str, str]) -> tuple:
            return (self.new[key].created_at, key[0], version_key(key[1]))

        ready = [(order(k), k) for k, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        steps = []
        while ready:
            _, key = heapq.heappop(ready)
            steps.append(Step("version", key[0], key[1], self.new[key].created_at.timestamp(),
                              registration=self.registrations[key]))
            for c in children.get(key, []):
                heapq.heappush(ready, (order(c), c))
        placed = {(s.model, s.version) for s in steps}
        self._cycles([k for k in self.new if k not in placed])
        return steps

    def _cycles(self, stuck: list[tuple[str, str]]) -> None:
        reported: set[tuple[str, str]] = set()
        for start in sorted(stuck):
            path, key = [], start
            while key in self.new and key not in path and key not in reported:
                path.append(key)
                key = self.new[key].parent
            if key in path:
                cycle = path[path.index(key):]
                reported.update(cycle)
                first = min(cycle)
                ring = cycle[cycle.index(first):] + cycle[:cycle.index(first)] + [first]
                self.doc.problem(self.new[first].parent_path,
                                 "lineage cycle: " + " -> ".join(qualify(*k) for k in ring))
            reported.update(path)

    # -- deployments and statuses -----------------------------------------------------
    def deploys(self) -> dict[tuple[str, str], Step]:
        """The newest deployed version of a model goes to production; older ones that are
        still deployed each get their own environment, production-<version>."""
        steps: dict[tuple[str, str], Step] = {}
        by_model: dict[str, list[VersionIn]] = {}
        for v in self.new.values():
            if v.deployed:
                by_model.setdefault(v.model, []).append(v)
        for model, live in sorted(by_model.items()):
            live.sort(key=lambda v: (v.deployed_at, version_key(v.version)))
            snap = self.snap(model)
            taken = {env: d.version for env, d in (snap.deployments.items() if snap else ())
                     if d.version is not None}
            for i, v in enumerate(live):
                env = DEFAULT_ENVIRONMENT
                if i < len(live) - 1 or env in taken:
                    env = f"{DEFAULT_ENVIRONMENT}-{v.version}"
                try:
                    check_environment_name(env)
                except GitregError as exc:
                    self.doc.problem(child(v.path, "deployed"), f"cannot deploy to {env}: {exc}")
                    continue
                if env in taken:
                    self.doc.problem(child(v.path, "deployed"),
                                     f"cannot deploy to {env}: {model} {taken[env]} is live there")
                    continue
                steps[(model, v.version)] = Step("deploy", model, v.version, v.deployed_at.timestamp(),
                                                 detail=env)
        return steps

    def statuses(self) -> dict[tuple[str, str], Step]:
        """Deprecated/archived as a status note, dated at the file's updated_at (or creation)."""
        steps: dict[tuple[str, str], Step] = {}
        for key, v in sorted(self.new.items()):
            if v.status in ("deprecated", "archived") and not v.deployed:
                when = v.created_at
                if self.doc.updated_at is not None and self.doc.updated_at > when:
                    when = self.doc.updated_at
                steps[key] = Step("status", v.model, v.version, when.timestamp(), detail=v.status)
        return steps


def plan(store: Optional[Store], doc: Document) -> ImportReport:
    """Every write the import needs, in order; raises ImportRefused listing every problem."""
    planner = _Planner(store, doc)
    models = sorted(planner.models(), key=lambda s: (s.when, s.model))
    versions = planner.ordered()
    deploys = planner.deploys()
    statuses = planner.statuses()
    if doc.problems:
        raise ImportRefused(doc.problems)
    # each version's writes together, so an interrupted import leaves whole versions behind
    steps = list(models)
    for step in versions:
        key = (step.model, step.version or "")
        steps += [step] + [s for s in (deploys.get(key), statuses.get(key)) if s is not None]
    planner.report.steps = steps
    return planner.report


def apply(store: Store, report: ImportReport, progress: Optional[StepProgress] = None) -> None:
    """Carry out a plan; each step is one ordinary CAS write."""
    if progress is not None:
        progress.begin("importing", len(report.steps))
    try:
        for step in report.steps:
            _write(store, step)
            if progress is not None:
                progress.advance(1)
    finally:
        if progress is not None:
            progress.end()


def _write(store: Store, step: Step) -> None:
    if step.kind == "model":
        registration.create_model(store, step.model, step.model_file or {}, step.when)
    elif step.kind == "version":
        assert step.registration is not None
        registration.write(store, step.registration)
    elif step.kind == "deploy":
        deployments.apply(store, step.model, step.detail, "deploy", step.version, REASON, when=step.when)
    else:
        status = step.detail
        change: Callable[[dict[str, Any]], dict[str, Any]] = lambda note: {**note, "status": status}  # noqa: E731
        annotations.annotate_version(store, step.model, step.version or "", "status", f"status {status}",
                                     change, when=step.when)
