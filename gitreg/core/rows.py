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

from gitreg.core.recordbase import Record
from gitreg.core.records import EvaluationScores, ModelVersion, VersionStatus


@dataclass(eq=False, repr=False)
class VersionRow(Record):
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


LINE_LIMIT = 2  # metrics on a `list` line


def line_metrics(names: list[str], wanted: Optional[list[str]]) -> list[str]:
    """The metrics `gitreg list` shows of a model whose metrics are `names` (metric_order):
    those asked for; else accuracy alone when the model has it (the seed's `acc=0.850`);
    else its most common two (a model scored by eval_loss or pass@1 shows those)."""
    if wanted is not None:
        return wanted
    if "accuracy" in names:
        return ["accuracy"]
    return names[:LINE_LIMIT]
