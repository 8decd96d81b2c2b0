"""registry.json and lineage.json (the JSON registry's files) read into checked records.

Nothing stops at the first mistake: every problem is collected with its JSON path
(`models.majora.versions.v2.evaluation_scores.accuracy`) so that one run lists them
all. Naive timestamps are UTC. Unknown keys are refused rather than dropped, so an
import never silently loses a field.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

from gitreg.core import values
from gitreg.core.errors import GitregError, InvalidNameError, InvalidValueError
from gitreg.core.names import check_model_name, check_version_name, split_qualified
from gitreg.core.records import METRIC_FIELDS, ROUGE_FIELDS, TRAINING_FIELDS

Source = Union[str, "os.PathLike[str]", Mapping[str, Any]]

FORMAT_VERSION = "1.0"
STATUSES = ("draft", "training", "completed", "deployed", "deprecated", "archived")
METADATA_KEYS = ("model_name", "created_at", "description", "owner", "tags", "notes")
VERSION_KEYS = (
    "model_name", "version", "created_at", "status", "lora_path", "gguf_path",
    "checkpoint_path", "config_path", "training", "evaluation_scores", "deployed",
    "deployed_at", "parent_version", "training_data_sources", "git_commit", "tags", "notes",
)
LINEAGE_KEYS = ("created_at", "parent_version", "training_data", "git_commit", "base_model", "notes")
_COUNTS = ("samples", "batch_size")
_AMOUNTS = ("learning_rate", "duration_hours", "cost_usd")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


class ImportRefused(GitregError):
    """The input has problems (listed, each with its JSON path); nothing was written."""

    def __init__(self, problems: list["Problem"]) -> None:
        self.problems = problems
        n = len(problems)
        if n == 1:  # one line, as every other error
            super().__init__(f"cannot import {problems[0]} (nothing was written)")
            return
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"cannot import: {n} problems, nothing was written\n{lines}")


@dataclass(frozen=True)
class Problem:
    source: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.path}: {self.message}" if self.path else f"{self.source}: {self.message}"


def child(path: str, key: Union[str, int]) -> str:
    """JSON path of a member: a.b, a["v2.1"] for keys that are not plain, a[0] for indices."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


@dataclass
class VersionIn:
    """One version as the import will store it (registry and lineage files merged)."""
    model: str
    version: str
    path: str
    created_at: Optional[dt.datetime] = None
    status: str = "completed"
    lora_path: Optional[str] = None
    gguf_path: Optional[str] = None
    checkpoint_path: Optional[str] = None
    config_path: Optional[str] = None
    training: dict[str, Any] = field(default_factory=dict)  # TRAINING_FIELDS present, base_model included
    scores: dict[str, Any] = field(default_factory=dict)    # values.split_scores shape
    deployed: bool = False
    deployed_at: Optional[dt.datetime] = None
    parent: Optional[tuple[str, str]] = None
    parent_path: str = ""
    training_data: list[str] = field(default_factory=list)
    git_commit: Optional[str] = None
    tags: list[str] = field(default_factory=list)
    notes: str = ""

    @property
    def base_model(self) -> Optional[str]:
        return self.training.get("base_model")


@dataclass
class ModelIn:
    name: str
    path: str
    has_metadata: bool = False  # the registry file gives its metadata (else nothing to compare)
    created_at: Optional[dt.datetime] = None
    description: str = ""
    owner: str = ""
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    versions: dict[str, VersionIn] = field(default_factory=dict)


@dataclass
class Document:
    """Both files parsed: models by name, the registry file's updated_at, every problem."""
    models: dict[str, ModelIn]
    updated_at: Optional[dt.datetime]
    problems: list[Problem]
    notices: list[str]
    labels: dict[str, str]  # top-level key ('models' / 'lineages') -> file it came from

    def problem(self, path: str, message: str) -> None:
        source = self.labels.get(path.split(".", 1)[0].split("[", 1)[0], self.labels["models"])
        self.problems.append(Problem(source, path, message))


def parse_timestamp(value: Any) -> dt.datetime:
    """ISO 8601; naive means UTC. Returned in UTC. Raises ValueError."""
    if not isinstance(value, str):
        raise ValueError(f"must be an ISO 8601 timestamp string, got {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def as_ref(text: Optional[str]) -> Optional[tuple[str, str]]:
    """'model:version' with valid names -> (model, version); anything else None."""
    if not isinstance(text, str) or text.count(":") != 1:
        return None
    try:
        return split_qualified(text, "")
    except InvalidNameError:
        return None


class _Checker:
    """Collects problems for one file; each check returns a usable value or None."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.source, path, message))

    def mapping(self, value: Any, path: str, nullable: bool = False) -> Optional[dict]:
        if value is None and nullable:
            return None
        if not isinstance(value, dict):
            self.problem(path, f"must be an object, got {_kind(value)}")
            return None
        return value

    def keys(self, obj: dict, allowed: tuple[str, ...], path: str) -> None:
        for key in obj:
            if key not in allowed:
                self.problem(child(path, key), "unknown key (refused so that nothing is lost in the import)")

    def run(self, check: Callable[[], Any], path: str) -> Any:
        try:
            return check()
        except (InvalidValueError, InvalidNameError, ValueError) as exc:
            self.problem(path, str(exc))
            return None

    def text(self, obj: dict, key: str, path: str) -> Optional[str]:
        return self.run(lambda: values.check_text(key, obj.get(key)), child(path, key))

    def strings(self, obj: dict, key: str, path: str) -> list[str]:
        got = self.run(lambda: values.check_str_list(key, obj.get(key)), child(path, key))
        return got or []

    def timestamp(self, obj: dict, key: str, path: str) -> Optional[dt.datetime]:
        value = obj.get(key)
        if value is None:
            return None
        return self.run(lambda: parse_timestamp(value), child(path, key))

    def location(self, obj: dict, key: str, path: str) -> Optional[str]:
        value = obj.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str) or "\n" in value or "\0" in value:
            self.problem(child(path, key), f"must be a path or URI on one line, got {value!r}")
            return None
        return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


def load(source: Source, label: str, problems: list[Problem]) -> Optional[dict]:
    """The document at a path (or an already parsed mapping); None after a problem."""
    if isinstance(source, Mapping):
        return dict(source)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(Problem(label, "", f"cannot read: {exc.strerror}"))
        return None
    except UnicodeDecodeError:
        problems.append(Problem(label, "", "is not UTF-8 text"))
        return None
    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        problems.append(Problem(label, "", f"is not valid JSON ({exc})"))
        return None
    if not isinstance(doc, dict):
        problems.append(Problem(label, "", f"must hold a JSON object, got {_kind(doc)}"))
        return None
    return doc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a finite number")


def _header(chk: _Checker, doc: dict, body: str) -> Optional[dt.datetime]:
    allowed = ("version", "updated_at", body)
    if doc and not set(doc) & set(allowed):  # some other JSON file: one problem, not one per key
        keys = ", ".join(repr(k[:40]) for k in list(doc)[:5]) + (", ..." if len(doc) > 5 else "")
        kind = "registry" if body == "models" else "lineage"
        chk.problem("", f"is not a {kind}.json: it has no {body!r} key (its keys: {keys})")
        return None
    chk.keys(doc, allowed, "")
    if "version" in doc and doc["version"] != FORMAT_VERSION:
        chk.problem("version", f"unsupported format version {doc['version']!r} (expected {FORMAT_VERSION!r})")
    return chk.timestamp(doc, "updated_at", "")


def _model_name(chk: _Checker, name: str, path: str) -> bool:
    return chk.run(lambda: check_model_name(name), path) is not None


def _version_name(chk: _Checker, name: str, path: str) -> bool:
    return chk.run(lambda: check_version_name(name), path) is not None


def _parent(chk: _Checker, value: Any, model: str, path: str) -> Optional[tuple[str, str]]:
    if value is None or value == "":
        return None
    return chk.run(lambda: split_qualified(value, model), path)


def _training(chk: _Checker, value: Any, path: str) -> dict[str, Any]:
    obj = chk.mapping(value, path, nullable=True)
    if obj is None:
        return {}
    chk.keys(obj, TRAINING_FIELDS, path)
    out: dict[str, Any] = {}
    for key in TRAINING_FIELDS:
        if obj.get(key) is None:
            continue
        where = child(path, key)
        if key == "epochs":
            got = chk.run(lambda: values.check_epochs(obj["epochs"]), where)
        elif key in _COUNTS:
            got = chk.run(lambda k=key: values.check_count(k, obj[k]), where)
        elif key in _AMOUNTS:
            got = chk.run(lambda k=key: values.check_amount(k, obj[k]), where)
        else:
            got = chk.text(obj, key, path)
        if got is not None:
            out[key] = got
    return out


def _scores(chk: _Checker, value: Any, path: str) -> dict[str, Any]:
    """Checked metrics; unknown names are custom metrics, as in update_evaluation_scores."""
    obj = chk.mapping(value, path, nullable=True)
    if obj is None:
        return {}
    clean: dict[str, Any] = {}
    for key, v in obj.items():
        where = child(path, key)
        if v is None:
            continue
        if key in ("custom_metrics", "rouge"):
            sub = chk.mapping(v, where)
            if sub is None:
                continue
            parts = {}
            for name, metric in sub.items():
                if metric is None:
                    continue
                bounded = values.check_bounded if key == "rouge" else (lambda n, m: m)
                ok = chk.run(lambda n=name, m=metric, b=bounded: (values.check_metric_name(n),
                                                                  b(n, values.check_number(n, m))),
                             child(where, name))
                if ok is not None:
                    parts[name] = metric
            clean[key] = parts
        elif key in METRIC_FIELDS or key in ROUGE_FIELDS:
            if chk.run(lambda k=key, m=v: values.check_bounded(k, values.check_number(k, m)), where) is not None:
                clean[key] = v
        elif chk.run(lambda k=key, m=v: (values.check_metric_name(k), values.check_number(k, m)),
                     where) is not None:
            clean[key] = v
    return values.split_scores(clean)


def _registry_version(chk: _Checker, model: str, name: str, obj: dict, path: str) -> VersionIn:
    chk.keys(obj, VERSION_KEYS, path)
    v = VersionIn(model=model, version=name, path=path)
    for key, expected in (("model_name", model), ("version", name)):
        if key in obj and obj[key] != expected:
            chk.problem(child(path, key), f"is {obj[key]!r} but the entry is {expected!r}")
    v.created_at = chk.timestamp(obj, "created_at", path)
    status = obj.get("status", "completed")
    if status not in STATUSES:
        chk.problem(child(path, "status"), f"unknown status {status!r}: expected one of {', '.join(STATUSES)}")
        status = "completed"
    v.status = status
    for key in ("lora_path", "gguf_path", "checkpoint_path", "config_path"):
        setattr(v, key, chk.location(obj, key, path))
    v.training = _training(chk, obj.get("training"), child(path, "training"))
    v.scores = _scores(chk, obj.get("evaluation_scores"), child(path, "evaluation_scores"))
    deployed = obj.get("deployed")
    if deployed is not None and not isinstance(deployed, bool):
        chk.problem(child(path, "deployed"), f"must be true or false, got {deployed!r}")
        deployed = None
    if deployed is None:
        deployed = status == "deployed"
    elif status == "deployed" and not deployed:
        chk.problem(child(path, "deployed"), "is false but status is 'deployed'")
    if deployed and status not in ("deployed", "completed"):
        chk.problem(child(path, "status"),
                    f"is {status!r} but deployed is true (a live version cannot be {status} in gitreg)")
    v.deployed = bool(deployed)
    v.deployed_at = chk.timestamp(obj, "deployed_at", path)
    v.parent = _parent(chk, obj.get("parent_version"), model, child(path, "parent_version"))
    v.parent_path = child(path, "parent_version")
    v.training_data = chk.strings(obj, "training_data_sources", path)
    v.git_commit = chk.text(obj, "git_commit", path) or None
    v.tags = chk.strings(obj, "tags", path)
    v.notes = chk.text(obj, "notes", path) or ""
    return v


def _registry(chk: _Checker, doc: dict) -> tuple[dict[str, ModelIn], Optional[dt.datetime]]:
    updated_at = _header(chk, doc, "models")
    models: dict[str, ModelIn] = {}
    body = chk.mapping(doc.get("models", {}), "models")
    for name, entry in (body or {}).items():
        path = child("models", name)
        if not _model_name(chk, name, path):
            continue
        entry = chk.mapping(entry, path)
        if entry is None:
            continue
        chk.keys(entry, ("metadata", "versions"), path)
        model = ModelIn(name=name, path=path, has_metadata=entry.get("metadata") is not None)
        meta_path = child(path, "metadata")
        meta = chk.mapping(entry.get("metadata", {}), meta_path, nullable=True) or {}
        chk.keys(meta, METADATA_KEYS, meta_path)
        if "model_name" in meta and meta["model_name"] != name:
            chk.problem(child(meta_path, "model_name"), f"is {meta['model_name']!r} but the entry is {name!r}")
        model.created_at = chk.timestamp(meta, "created_at", meta_path)
        model.description = chk.text(meta, "description", meta_path) or ""
        model.owner = chk.text(meta, "owner", meta_path) or ""
        model.tags = chk.strings(meta, "tags", meta_path)
        model.notes = chk.text(meta, "notes", meta_path) or ""
        versions_path = child(path, "versions")
        for vname, vobj in (chk.mapping(entry.get("versions", {}), versions_path) or {}).items():
            vpath = child(versions_path, vname)
            vobj = chk.mapping(vobj, vpath)
            if _version_name(chk, vname, vpath) and vobj is not None:
                model.versions[vname] = _registry_version(chk, name, vname, vobj, vpath)
        models[name] = model
    return models, updated_at


def _merge_lineage(chk: _Checker, doc: dict, models: dict[str, ModelIn]) -> None:
    """Lineage fills what the registry file leaves empty; contradictions are problems.

    Training data are united (registry's first); two different non-empty notes are
    joined with a blank line; a lineage-only version is imported as completed.
    """
    _header(chk, doc, "lineages")
    body = chk.mapping(doc.get("lineages", {}), "lineages")
    for name, entry in (body or {}).items():
        path = child("lineages", name)
        if not _model_name(chk, name, path):
            continue
        entry = chk.mapping(entry, path)
        if entry is None:
            continue
        chk.keys(entry, ("created_at", "versions"), path)
        model = models.setdefault(name, ModelIn(name=name, path=path))
        created = chk.timestamp(entry, "created_at", path)
        if model.created_at is None:
            model.created_at = created
        versions_path = child(path, "versions")
        for vname, vobj in (chk.mapping(entry.get("versions", {}), versions_path) or {}).items():
            vpath = child(versions_path, vname)
            vobj = chk.mapping(vobj, vpath)
            if not _version_name(chk, vname, vpath) or vobj is None:
                continue
            chk.keys(vobj, LINEAGE_KEYS, vpath)
            v = model.versions.get(vname)
            if v is None:
                v = model.versions[vname] = VersionIn(model=name, version=vname, path=vpath)
            _merge_version(chk, v, vobj, vpath)


def _merge_version(chk: _Checker, v: VersionIn, obj: dict, path: str) -> None:
    if v.created_at is None:
        v.created_at = chk.timestamp(obj, "created_at", path)
    else:
        chk.timestamp(obj, "created_at", path)  # checked; the registry file's time wins
    parent = _parent(chk, obj.get("parent_version"), v.model, child(path, "parent_version"))
    _fill_parent(chk, v, parent, child(path, "parent_version"))
    base = chk.text(obj, "base_model", path)
    ref = as_ref(base)
    if ref is not None:
        _fill_parent(chk, v, ref, child(path, "base_model"))
    elif base:
        if v.base_model is None:
            v.training["base_model"] = base
        elif v.base_model != base:
            chk.problem(child(path, "base_model"),
                        f"is {base!r} but the registry file says {v.base_model!r}")
    for source in chk.strings(obj, "training_data", path):
        if source not in v.training_data:
            v.training_data.append(source)
    commit = chk.text(obj, "git_commit", path) or None
    if commit and v.git_commit and commit != v.git_commit:
        chk.problem(child(path, "git_commit"), f"is {commit!r} but the registry file says {v.git_commit!r}")
    v.git_commit = v.git_commit or commit
    notes = chk.text(obj, "notes", path) or ""
    if notes and notes != v.notes:
        v.notes = f"{v.notes}\n\n{notes}" if v.notes else notes


def _fill_parent(chk: _Checker, v: VersionIn, parent: Optional[tuple[str, str]], path: str) -> None:
    if parent is None:
        return
    if v.parent is None:
        v.parent, v.parent_path = parent, path
    elif v.parent != parent:
        chk.problem(path, f"names {parent[0]}:{parent[1]} but {v.parent_path} names {v.parent[0]}:{v.parent[1]}")


def _finish(chk_for: Callable[[str], _Checker], models: dict[str, ModelIn], notices: list[str]) -> None:
    """Checks that need both files: required times, derived parents and deployment times."""
    for model in models.values():
        for v in model.versions.values():
            chk = chk_for(v.path)
            if v.created_at is None:
                chk.problem(child(v.path, "created_at"), "is missing (needed for the commit and tag dates)")
            if v.parent is None and as_ref(v.base_model) is not None:
                v.parent, v.parent_path = as_ref(v.base_model), child(child(v.path, "training"), "base_model")
            if v.parent == (v.model, v.version):
                chk.problem(v.parent_path, "a version cannot be its own parent")
                v.parent = None  # reported once, not again as a cycle
            if not v.deployed and v.deployed_at is not None:
                notices.append(f"{child(v.path, 'deployed_at')}: not imported ({v.model} {v.version} "
                               "is not deployed; gitreg keeps the deployment time of live versions)")
                v.deployed_at = None
            if v.deployed and v.deployed_at is None:
                v.deployed_at = v.created_at
        if model.created_at is None:
            times = [v.created_at for v in model.versions.values() if v.created_at is not None]
            if times:
                model.created_at = min(times)
            else:
                chk_for(model.path).problem(child(model.path, "created_at"), "is missing and the model has no versions")


def read(registry: Source, lineage: Optional[Source] = None) -> Document:
    """Both files parsed and merged; problems collected, not raised."""
    problems: list[Problem] = []
    notices: list[str] = []
    reg_label = _label(registry, "registry.json")
    labels = {"models": reg_label, "lineages": _label(lineage, "lineage.json") if lineage is not None else reg_label}
    reg_chk = _Checker(reg_label, problems)
    models: dict[str, ModelIn] = {}
    updated_at = None
    doc = load(registry, reg_label, problems)
    if doc is not None:
        models, updated_at = _registry(reg_chk, doc)
    lin_chk = None
    if lineage is not None:
        lin_label = _label(lineage, "lineage.json")
        lin_chk = _Checker(lin_label, problems)
        ldoc = load(lineage, lin_label, problems)
        if ldoc is not None:
            _merge_lineage(lin_chk, ldoc, models)

    def chk_for(path: str) -> _Checker:
        return lin_chk if lin_chk is not None and path.startswith("lineages") else reg_chk

    _finish(chk_for, models, notices)
    return Document(models=models, updated_at=updated_at, problems=problems, notices=notices, labels=labels)


def _label(source: Source, default: str) -> str:
    return default if isinstance(source, Mapping) else str(source)
