"""A stored record from its parts, and its current view: its deployment laid on (DESIGN.md
'Mutable state').

Apart from snapshot.py so that a reader of the records the view index keeps (catalog.py, for
MLflow's store) makes them as a read makes them without loading the registry's objects (pygit2)."""
from __future__ import annotations

from typing import Any, Optional

from gitreg.core.records import ModelVersion, VersionStatus
from gitreg.git.refs import layout
from gitreg.model import manifest as mf


def stored_record(model: str, version: str, commit: str, manifest: dict[str, Any], note: dict[str, Any],
                  tagger: Optional[str]) -> ModelVersion:
    """A version's stored record from its parts (as snapshot.stored_parts reads them, or the
    view index's rows keep them), without its card and curves, which the caller binds."""
    return mf.read_version(manifest, note, model=model, version=version,
                           where=f"{model}/{version}:{layout.MANIFEST_FILE}", commit=commit, registered_by=tagger)


def lay_deployment(record: ModelVersion, environments: list[str], deployed_at: Optional[str]) -> ModelVersion:
    """The current view of a stored record deployed in these environments (DESIGN.md 'Mutable state')."""
    record.deployed = True
    record.environments = environments
    record.status = VersionStatus.DEPLOYED
    record.deployed_at = deployed_at
    return record
