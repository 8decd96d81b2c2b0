"""A version as a listing shows it: `gitreg list` lines and `versions` tables.

A full ModelVersion (files, params, provenance, ~12 objects) costs five times what these
fields cost to read, and a listing of 20,000 versions shows only these. The names are
ModelVersion's, so whatever renders a listing renders either.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Iterable, Optional

from gitreg.core.records import EvaluationScores, ModelVersion, VersionStatus


@dataclass
class VersionRow:
    """The fields of a version a listing shows, as ModelVersion has them (deployment laid on alike)."""
    model_name: str
    version: str
    created_at: str
    status: VersionStatus
    evaluation_scores: EvaluationScores
    parent_version: Optional[Any] = None  # as read (ModelVersion's, relative to the model)
    tags: list[str] = field(default_factory=list)
    deployed: bool = False
    deployed_at: Optional[str] = None
    environments: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, v: ModelVersion) -> "VersionRow":
        """The row of a full record (a search's results are records); it shares the record's values."""
        return cls(v.model_name, v.version, v.created_at, v.status, v.evaluation_scores, v.parent_version,
                   v.tags, v.deployed, v.deployed_at, v.environments)


def metric_order(flats: Iterable[dict[str, Any]]) -> list[str]:
    """Every metric the versions' scores (EvaluationScores.flat, in version order) have: most
    versions first, then first seen. Listings show their metrics in this order."""
    counts: Counter[str] = Counter()
    counts.update(chain.from_iterable(flats))  # in C; a Counter keeps first-seen order
    return sorted(counts, key=lambda n: -counts[n])  # a stable sort: ties stay first-seen


@dataclass
class ListedModel:
    """One model's versions as `gitreg list` shows them, one list per field (each with one
    entry a version, in natural version order): what list_rows gives of them, without a row
    per version, so that the registry-wide view index can answer it (features/listing)."""
    name: str
    versions: list[str]
    statuses: list[str]  # each version's VersionStatus value, as its row has it (deployed when deployed)
    environments: list[list[str]]  # where each is deployed (its row's environments)
    metrics: dict[str, list[Optional[float]]]  # every metric any version has, in metric_order: its values

    @property
    def deployed(self) -> int:
        return sum(1 for envs in self.environments if envs)

    @classmethod
    def of_rows(cls, name: str, rows: list[VersionRow]) -> "ListedModel":
        flats = [r.evaluation_scores.flat() for r in rows]
        return cls(name, [r.version for r in rows], [r.status.value for r in rows],
                   [list(r.environments) for r in rows],
                   {m: [f.get(m) for f in flats] for m in metric_order(flats)})
