"""The registry's current view written in the JSON registry's schemas.

Scores, statuses, tags and notes are the current ones (note overrides applied);
`deployed` is true when some environment runs the version, with `deployed_at` from
the newest of those deployments. `updated_at` is the time of the newest commit the
registry holds, so exporting twice gives the same bytes. The JSON schema has no
room for file hashes, model cards, environments or past events: those stay in git.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Optional

from gitreg.core.errors import GitregError
from gitreg.core.names import qualify, split_qualified
from gitreg.core.records import ModelMetadata, ModelVersion
from gitreg.features.interchange.schema import FORMAT_VERSION
from gitreg.git.refs import layout
from gitreg.git.repository import Store
from gitreg.model.snapshot import READ_ERRORS, ModelSnapshot, model_names


def version_record(v: ModelVersion) -> dict[str, Any]:
    """The registry.json record; checkpoint/config paths only when set (not in the JSON schema)."""
    out: dict[str, Any] = {
        "model_name": v.model_name,
        "version": v.version,
        "created_at": v.created_at,
        "status": v.status.value,
        "lora_path": v.lora_path,
        "gguf_path": v.gguf_path,
    }
    if v.checkpoint_path is not None:
        out["checkpoint_path"] = v.checkpoint_path
    if v.config_path is not None:
        out["config_path"] = v.config_path
    out.update({
        "training": v.training.to_dict() if v.training else None,
        "evaluation_scores": v.evaluation_scores.to_dict(),
        "deployed": v.deployed,
        "deployed_at": v.deployed_at,
        "parent_version": v.parent_version,
        "training_data_sources": list(v.training_data_sources),
        "git_commit": v.git_commit,
        "tags": list(v.tags),
        "notes": v.notes,
    })
    return out


def lineage_record(v: ModelVersion) -> dict[str, Any]:
    """The lineage.json record: base_model names the parent as model:version, else the base model."""
    base = v.base_model
    if v.parent_version is not None:
        base = qualify(*split_qualified(v.parent_version, v.model_name))
    return {
        "created_at": v.created_at,
        "parent_version": v.parent_version,
        "training_data": list(v.training_data_sources),
        "git_commit": v.git_commit,
        "base_model": base,
        "notes": v.notes,
    }


def metadata_record(m: ModelMetadata) -> dict[str, Any]:
    return m.to_dict()


def _newest_commit_time(snap: ModelSnapshot) -> int:
    tips = [snap.tip, snap.notes_tip] + [d.tip for d in snap.deployments.values()]
    times = []
    for t in tips:
        try:
            times.append(snap.store.commit(t).commit_time if t is not None else 0)
        except READ_ERRORS:  # reported where it was read as a record
            pass
    return max(times, default=0)


def export(store: Optional[Store]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(registry.json document, lineage.json document) of the whole registry."""
    models: dict[str, Any] = {}
    lineages: dict[str, Any] = {}
    newest: Optional[int] = None
    for name in model_names(store):
        snap = ModelSnapshot.load(store, name)
        try:
            meta = snap.metadata()
        except READ_ERRORS as exc:  # one bad model is a problem; the others export
            store.problems.add(layout.branch_ref(name), exc)
            continue
        records = snap.all_versions()
        models[name] = {
            "metadata": metadata_record(meta),
            "versions": {v.version: version_record(v) for v in records},
        }
        lineages[name] = {
            "created_at": meta.created_at,
            "versions": {v.version: lineage_record(v) for v in records},
        }
        t = _newest_commit_time(snap)
        newest = t if newest is None else max(newest, t)
    when = dt.datetime.now(dt.timezone.utc) if newest is None else (
        dt.datetime.fromtimestamp(newest, dt.timezone.utc))
    updated_at = when.replace(microsecond=0).isoformat()
    return (
        {"version": FORMAT_VERSION, "updated_at": updated_at, "models": models},
        {"version": FORMAT_VERSION, "updated_at": updated_at, "lineages": lineages},
    )


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_file(path: str | os.PathLike[str], doc: dict[str, Any]) -> None:
    """Write atomically (temp file + rename): a reader never sees half a document."""
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise GitregError(f"cannot write {target}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dumps(doc))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise GitregError(f"cannot write {target}: {exc.strerror}") from None
