"""A model as `gitreg list` shows it (ListedModel): its versions' line fields, one list per field.

Its own module (not rows.py, which every read imports): only `list` pays for defining it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from gitreg.core.recordbase import Record
from gitreg.core.rows import VersionRow, line_metrics, metric_order


@dataclass(eq=False, repr=False)
class ListedModel(Record):
    """One model's versions as a `gitreg list` line shows each, one list per field (each with
    one entry a version, in natural version order): what list_rows gives of them without a row
    per version, so that the registry-wide view index can answer it (features/listing)."""
    name: str
    versions: list[str]
    statuses: list[str]  # each version's VersionStatus value, as its row has it (deployed when deployed)
    environments: list[list[str]]  # where each is deployed (its row's environments)
    shown: list[str]  # the metrics the lines show (line_metrics), in order
    values: dict[str, list[Optional[float]]]  # of each metric shown (None: the version has none)

    @property
    def deployed(self) -> int:
        return sum(1 for envs in self.environments if envs)

    @classmethod
    def of_rows(cls, name: str, rows: list[VersionRow], wanted: Optional[list[str]] = None) -> "ListedModel":
        """The listing of these rows, showing `wanted` metrics (None: line_metrics's choice)."""
        flats = [r.evaluation_scores.flat() for r in rows]
        shown = line_metrics(metric_order(flats) if wanted is None else [], wanted)
        return cls(name, [r.version for r in rows], [r.status.value for r in rows],
                   [list(r.environments) for r in rows], shown, {m: [f.get(m) for f in flats] for m in shown})
