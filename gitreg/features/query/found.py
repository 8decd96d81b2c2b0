"""What a search found: the matched views, each model's snapshot, the records made while
matching. One record for bulk.py's matches and search.py's result (issue 28: one dataclass
less to create at every `gitreg search` start-up)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gitreg.core.recordbase import Record
from gitreg.model.snapshot import ModelSnapshot, lay_deployment

if TYPE_CHECKING:
    from gitreg.core.records import ModelVersion


@dataclass(eq=False, repr=False)
class Found(Record):
    """Matched views in result order, with each model's snapshot (to read full records)."""
    views: list[dict[str, Any]]
    snapshots: dict[str, ModelSnapshot]
    problems: list[str] = field(default_factory=list)
    records: dict[tuple[str, str], ModelVersion] = field(default_factory=dict)  # made while matching
    unknown: list[str] = field(default_factory=list)  # names no version in scope has (typos)

    def record(self, view: dict[str, Any]) -> ModelVersion:
        """The full record of a matched view: made while matching, or its stored record read
        with the deployment state the view was matched on (no second scan of the deployment refs)."""
        made = self.records.get((view["model"], view["version"]))
        if made is not None:
            return made
        snap = self.snapshots[view["model"]]
        record = snap.stored(view["version"])
        snap.store.cache(snap.model).flush()
        envs = view.get("environment")
        return lay_deployment(record, list(envs), view.get("deployed_at")) if envs else record
