"""manifest.yaml (schema gitreg/1) and model.yaml: building them, and reading them back
into records with the note overrides of DESIGN.md 'Mutable state' applied."""
from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any, Optional

from gitreg.core import values
from gitreg.core.errors import CorruptRegistryError, InvalidValueError
from gitreg.core.names import relative
from gitreg.core.records import (
    METRIC_FIELDS,
    TRAINING_FIELDS,
    ArtifactFile,
    DataSource,
    EvaluationScores,
    ModelMetadata,
    ModelVersion,
    TrainingInfo,
    VersionStatus,
)

if TYPE_CHECKING:
    from gitreg.core.file_records import ContentFile, Purge
    from gitreg.core.rows import VersionRow

SCHEMA = "gitreg/1"
_KNOWN_KEYS = {
    "schema", "model_name", "version", "created_at", "status", "parent_version", "base_model",
    "training", "evaluation_scores", "files", "lora_path", "gguf_path", "training_data_sources",
    "git_commit", "tags", "notes",
}
# Keys gitreg itself writes or has reserved beyond gitreg/1's first set: integrations'
# `extra_keys` may not take them (DESIGN.md 'manifest.yaml').
RESERVED_KEYS = _KNOWN_KEYS | {"training_repo", "contents", "stored", "artifacts", "params", "metric_info",
                               "curves"}
# Read into their own record fields, not ModelVersion.extra (DESIGN.md 'Additions of this round').
_OWN_ADDITIONS = {"params", "metric_info"}
_NOT_EXTRA = frozenset(_KNOWN_KEYS | _OWN_ADDITIONS)
_STATUSES = {s.value: s for s in VersionStatus}


def now_iso(when: float) -> str:
    import datetime as _dt  # a write's: datetime costs a read's start-up ~1 ms (issue 28)

    return _dt.datetime.fromtimestamp(when, _dt.timezone.utc).isoformat()


def _iso(value: Any) -> str:
    if type(value) is str:  # what the derived cache and JSON hold: no datetime to import
        return value
    import datetime as _dt  # PyYAML's timestamps (a manifest parsed) are datetimes: loaded with it

    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value.isoformat()
    return "" if value is None else str(value)


def empty_scores() -> dict[str, Any]:
    scores: dict[str, Any] = {name: None for name in METRIC_FIELDS}
    scores["custom_metrics"] = {}
    return scores


_NO_SCORES = empty_scores()  # only ever merged from (merge_scores copies it), never changed


def _is_metric(value: Any) -> bool:
    kind = type(value)  # the exact types first: every score of every version read passes here
    if kind is float:
        return math.isfinite(value)
    if kind is int or value is None:
        return True
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool)
        and (isinstance(value, int) or math.isfinite(value))
    )


def check_scores(scores: Any, where: str) -> dict[str, Any]:
    """evaluation_scores as read from the registry: a mapping of finite numbers (rouge and
    custom_metrics: mappings of them). Anything else is CorruptRegistryError naming the key,
    so one bad value is one problem, not a crash of whatever formats it."""
    if scores is None:
        return {}
    if not isinstance(scores, dict):
        raise CorruptRegistryError(f"{where}: evaluation_scores must be a mapping, found {type(scores).__name__}")
    isfinite = math.isfinite  # None and finite floats (most scores) pass without _is_metric's call
    for key, value in scores.items():
        if key in _NESTED and value is not None:
            if not isinstance(value, dict):  # a number here would crash whatever flattens the scores
                raise CorruptRegistryError(f"{where}: evaluation_scores.{key} must be a mapping, "
                                           f"found {type(value).__name__}")
            for sub, v in value.items():
                if not (type(v) is float and isfinite(v)) and not _is_metric(v):
                    _not_metric(where, key if sub is None else f"{key}.{sub}", v)
        elif value is not None and not (type(value) is float and isfinite(value)) and not _is_metric(value):
            _not_metric(where, key, value)
    return scores


_NESTED = ("rouge", "custom_metrics")  # the two keys whose value is a mapping of metrics


def _not_metric(where: str, name: Any, value: Any) -> None:
    raise CorruptRegistryError(f"{where}: metric {str(name)[:100]!r} is not a finite number: {str(value)[:40]!r}")


def merge_scores(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Scores with `update` laid over `base`; rouge parts and custom metrics merge by name."""
    out = dict(base)
    for key, value in update.items():
        if key in ("rouge", "custom_metrics") and isinstance(value, dict):
            out[key] = {**(out.get(key) or {}), **value}
        else:
            out[key] = value
    return out


def build_manifest(
    *,
    model: str,
    version: str,
    created_at: str,
    status: str,
    parent: Optional[str],
    base_model: Any,
    training: Optional[dict[str, Any]],
    scores: dict[str, Any],
    files: list[ArtifactFile],
    training_data: list[Any],
    git_commit: Optional[str],
    tags: list[str],
    notes: str,
    training_repo: Optional[str] = None,
    extra_keys: Optional[dict[str, Any]] = None,
    params: Optional[dict[str, Any]] = None,
    metric_info: Optional[dict[str, Any]] = None,
) -> dict[str, Any]:
    """The manifest; `training_repo` (optional, written only when known) is an addition
    to gitreg/1 that older readers keep as an unknown key."""
    by_role = _first_of_role(files)
    manifest = {
        "schema": SCHEMA,
        "model_name": model,
        "version": version,
        "created_at": created_at,
        "status": status,
        "parent_version": parent,
        "base_model": base_model,
        "training": training,
        "evaluation_scores": merge_scores(empty_scores(), scores),
        "files": [f.to_dict() for f in files],
        "lora_path": by_role.get("lora"),
        "gguf_path": by_role.get("gguf"),
        "training_data_sources": training_data,
        "git_commit": git_commit,
        "tags": tags,
        "notes": notes,
    }
    if training_repo is not None:
        manifest["training_repo"] = training_repo
    if params:  # checked by values.check_params; written only when given (older readers keep it)
        manifest["params"] = params
    if metric_info:  # beside evaluation_scores, so the seed's shape is unchanged
        manifest["metric_info"] = metric_info
    for key, value in (extra_keys or {}).items():  # checked against RESERVED_KEYS by prepare
        manifest[key] = value
    return manifest


def _first_of_role(files: list[ArtifactFile]) -> dict[str, str]:
    """{role: path of its first file} (lora_path / gguf_path name the first of their role)."""
    out: dict[str, str] = {}
    for f in files:
        out.setdefault(f.role, f.path)
    return out


def _contents(entries: list[Any]) -> list[ContentFile]:
    """A directory's `contents:` entries as read; a malformed one keeps what it has, so a reader
    that needs it (get, verify) reports it, while listing versions never stops on it."""
    from gitreg.core.file_records import ContentFile  # only a directory artifact has contents

    out = []
    for c in entries:
        if not isinstance(c, dict):
            out.append(ContentFile(str(c)[:200], "", -1))
            continue
        size = c.get("size_bytes")
        out.append(ContentFile(str(c.get("path", "")), str(c.get("sha256") or ""),
                               size if isinstance(size, int) and not isinstance(size, bool) else -1))
    return out


def _file(f: dict[str, Any]) -> ArtifactFile:
    contents = f.get("contents")
    stored = f.get("stored")
    return ArtifactFile(
        role=str(f.get("role", "other")), path=str(f.get("path", "")),
        sha256=f.get("sha256"), size_bytes=f.get("size_bytes"),
        contents=_contents(contents) if isinstance(contents, list) else None,
        stored=str(stored) if stored is not None else None,
    )


def files_of(manifest: dict[str, Any]) -> list[ArtifactFile]:
    """The files: entries of a manifest as records (entries that are not mappings are left out)."""
    return [_file(f) for f in _list(manifest.get("files")) if isinstance(f, dict)]


def _status(value: Any, where: str) -> VersionStatus:
    if type(value) is str:  # a dict lookup, not Enum's __new__ (once or twice per version read)
        known = _STATUSES.get(value)
        if known is not None:
            return known
    try:
        return VersionStatus(value)
    except ValueError:
        raise CorruptRegistryError(f"{where}: unknown status {value!r}") from None


def check_note(note: dict[str, Any], where: str) -> dict[str, Any]:
    """A version's note as the read path takes it: scores that are numbers and a known status,
    or CorruptRegistryError (the caller drops the note; the version reads as registered)."""
    check_scores(note.get("evaluation_scores"), where)
    if "status" in note:
        _status(note["status"], where)
    return note


def _list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def _head(manifest: dict[str, Any], note: dict[str, Any], model: str, version: str,
          where: str) -> tuple[VersionStatus, VersionStatus, EvaluationScores]:
    """(status, status as registered, scores) of a version, after every check that can refuse
    it: what read_version and read_row share, so both refuse the same versions alike."""
    schema = manifest.get("schema")
    if schema != SCHEMA:
        raise CorruptRegistryError(
            f"{where}: schema is {schema!r}, this gitreg reads {SCHEMA!r}"
            + (" (written by a newer gitreg?)" if schema else "")
        )
    if manifest.get("model_name") != model or str(manifest.get("version")) != version:
        raise CorruptRegistryError(
            f"{where}: manifest names {manifest.get('model_name')}:{manifest.get('version')}, "
            f"but the tag is {model}/{version}"
        )
    registered = _status(manifest.get("status", "completed"), where)
    status = _status(note["status"], where) if "status" in note else registered

    scores = merge_scores(_NO_SCORES, check_scores(manifest.get("evaluation_scores"), where))
    if note.get("evaluation_scores") is not None:  # (merging None, i.e. {}, would only copy)
        scores = merge_scores(scores, check_scores(note["evaluation_scores"], f"{where} (note)"))
    evaluation = EvaluationScores(*map(scores.get, METRIC_FIELDS),  # the fields' own order
                                  custom_metrics=dict(scores.get("custom_metrics") or {}))
    return status, registered, evaluation


def _tags(manifest: dict[str, Any], note: dict[str, Any]) -> list[str]:
    return [str(t) for t in _list(note.get("tags", manifest.get("tags")))]


def read_row(manifest: dict[str, Any], note: dict[str, Any], *, model: str, version: str,
             where: str) -> VersionRow:
    """What a listing shows of a version (core/rows.py): read_version's fields of the same
    names, checked alike (a version read_version refuses is refused here with the same error),
    without the rest of the record (files, params, provenance): a fifth of its cost."""
    status, _, evaluation = _head(manifest, note, model, version, where)
    return _row_type()(model, version, _iso(manifest.get("created_at")), status, evaluation,
                          relative(manifest.get("parent_version"), model), _tags(manifest, note))


@functools.cache
def _row_type() -> type[VersionRow]:
    """core.rows' VersionRow, imported when a listing first reads a row: a reader of whole
    records only (MLflow's store in a fresh process) does not create its dataclass."""
    from gitreg.core.rows import VersionRow

    return VersionRow


def read_version(
    manifest: dict[str, Any],
    note: dict[str, Any],
    *,
    model: str,
    version: str,
    where: str,
    commit: str,
    registered_by: Optional[str],
) -> ModelVersion:
    """The current view of a version, before deployment state is laid on."""
    status, registered, evaluation = _head(manifest, note, model, version, where)

    training_raw = manifest.get("training")
    training = TrainingInfo(*map(training_raw.get, TRAINING_FIELDS)) if isinstance(training_raw, dict) else None
    files = files_of(manifest)
    by_role = _first_of_role(files)
    parent = relative(manifest.get("parent_version"), model)
    sources = _list(manifest.get("training_data_sources"))
    return ModelVersion(
        model_name=model,
        version=version,
        created_at=_iso(manifest.get("created_at")),
        status=status,
        registered_status=registered,
        base_model=_base_name(manifest.get("base_model")),
        training=training,
        evaluation_scores=evaluation,
        files=files,
        lora_path=manifest.get("lora_path") or by_role.get("lora"),
        gguf_path=manifest.get("gguf_path") or by_role.get("gguf"),
        checkpoint_path=by_role.get("checkpoint"),
        config_path=by_role.get("config"),
        parent_version=parent,
        training_data_sources=[s if type(s) is str else values.source_name(s) for s in sources],
        git_commit=manifest.get("git_commit"),
        tags=_tags(manifest, note),
        notes=str(note.get("notes", manifest.get("notes") or "")),
        commit=commit,
        registered_by=registered_by,
        extra={k: v for k, v in manifest.items() if k not in _NOT_EXTRA},
        params={**stored_params(manifest.get("params")), **stored_params(note.get("params"))},
        metric_info=merge_info(stored_info(manifest.get("metric_info")), stored_info(note.get("metric_info"))),
        training_data=[d for d in map(stored_source, sources) if d],
        base_model_source=stored_source(manifest.get("base_model")),
        purged=purges_of(note),
    )


MAX_PURGES = 100_000


def purges_of(note: dict[str, Any]) -> list[Purge]:
    """The note's `purged:` entries (docs/storage.md 'Retention'); a malformed entry is skipped."""
    out: list[Purge] = []
    if not note.get("purged"):
        return out
    from gitreg.core.file_records import Purge  # only a version gc purged has any
    for entry in _list(note.get("purged"))[:MAX_PURGES]:
        if not isinstance(entry, dict):
            continue
        text = {k: entry.get(k) for k in ("sha256", "path", "purged_at", "purged_by", "reason")}
        size = entry.get("size_bytes")
        if all(isinstance(v, str) and len(v) <= 1024 for v in text.values()) and type(size) is int:
            out.append(Purge(size_bytes=size, **text))
    return out


def _base_name(raw: Any) -> Optional[str]:
    """The base model's name (the seed's `base_model`), whether stored bare or as a mapping."""
    if raw is None:
        return None
    return values.source_name(raw) if isinstance(raw, dict) else raw


_NAMED_SOURCES: dict[str, DataSource] = {}  # bare name -> its record (frozen, so shared by every version)
_NAMED_SOURCES_MAX = 10_000


def stored_source(raw: Any) -> Optional[DataSource]:
    """A training-data entry or base model as read: None when it breaks check_source's rules."""
    if raw is None:
        return None
    if type(raw) is str:  # the common case: a few names repeated across every version read
        known = _NAMED_SOURCES.get(raw)
        if known is not None:
            return known
        made = _stored_source(raw)
        if made is not None:
            if len(_NAMED_SOURCES) >= _NAMED_SOURCES_MAX:
                _NAMED_SOURCES.clear()
            _NAMED_SOURCES[raw] = made
        return made
    return _stored_source(raw)


def _stored_source(raw: Any) -> Optional[DataSource]:
    try:
        checked = values.check_source("source", raw if isinstance(raw, (str, dict)) else str(raw))
    except InvalidValueError:
        return None
    return DataSource(checked) if isinstance(checked, str) else DataSource(**checked)


def stored_params(raw: Any) -> dict[str, Any]:
    """`params:` as read: the entries that pass values.check_params' rules; a bad entry is left
    out (bounded, never fatal), so one odd value does not hide the version."""
    if not isinstance(raw, dict):
        return {}
    out: dict[str, Any] = {}
    for name, value in list(raw.items())[:values.PARAMS_MAX]:
        try:
            out[values.check_metric_name(name)] = values.check_param_value(name, value)
        except InvalidValueError:
            continue
    return out


def stored_info(raw: Any) -> dict[str, dict[str, Any]]:
    """`metric_info:` as read, entry by entry under values.check_metric_info's rules."""
    if not isinstance(raw, dict):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for name, info in list(raw.items())[:10000]:
        try:
            out.update(values.check_metric_info({name: info}))
        except (InvalidValueError, TypeError):
            continue
    return out


def merge_info(base: dict[str, dict[str, Any]], update: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {**base, **{k: {**base.get(k, {}), **v} for k, v in update.items()}}


def build_model_file(model: str, created_at: str, description: str, owner: str,
                     tags: list[str], notes: str) -> dict[str, Any]:
    return {
        "model_name": model,
        "created_at": created_at,
        "description": description,
        "owner": owner,
        "tags": tags,
        "notes": notes,
    }


def read_model(data: dict[str, Any], note: dict[str, Any], model: str) -> ModelMetadata:
    merged = {**data, **{k: v for k, v in note.items() if k in ("description", "owner", "tags", "notes")}}
    return ModelMetadata(
        model_name=model,
        created_at=_iso(merged.get("created_at")),
        description=str(merged.get("description") or ""),
        owner=str(merged.get("owner") or ""),
        tags=[str(t) for t in _list(merged.get("tags"))],
        notes=str(merged.get("notes") or ""),
    )
