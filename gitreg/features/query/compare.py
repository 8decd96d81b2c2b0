"""Comparing any number of versions: one column each, Δ against the first, the best marked."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from gitreg.core.records import TRAINING_FIELDS, ModelVersion
from gitreg.features.query.direction import NEUTRAL, lower_is_better


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass
class Row:
    key: str
    values: dict[str, Any]  # version -> value (None: not set)
    delta: dict[str, Optional[float]] = field(default_factory=dict)  # version -> value - first's
    best: list[str] = field(default_factory=list)  # versions holding the best value

    @property
    def differs(self) -> bool:
        return len({repr(v) for v in self.values.values()}) > 1

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "values": self.values, "delta": self.delta, "best": self.best}


@dataclass
class Comparison:
    model: str
    versions: list[str]
    rows: list[Row]

    def diff(self) -> dict[str, dict[str, Any]]:
        """The seed's shape: {key: {version: value}}."""
        return {row.key: dict(row.values) for row in self.rows}

    def only_diff(self) -> "Comparison":
        return Comparison(self.model, self.versions, [r for r in self.rows if r.differs])

    def to_dict(self) -> dict[str, Any]:
        return {"model_name": self.model, "versions": self.versions, "diff": self.diff(),
                "rows": [r.to_dict() for r in self.rows]}


def _row(key: str, versions: Sequence[str], values: list[Any]) -> Row:
    row = Row(key, dict(zip(versions, values)))
    first = values[0]
    for version, value in zip(versions[1:], values[1:]):
        row.delta[version] = value - first if _numeric(value) and _numeric(first) else None
    numbers = [v for v in values if _numeric(v)]
    if key not in NEUTRAL and len(set(numbers)) > 1:
        target = min(numbers) if lower_is_better(key) else max(numbers)
        row.best = [ver for ver, v in zip(versions, values) if _numeric(v) and v == target]
    return row


def compare(model: str, records: Sequence[ModelVersion], labels: Optional[Sequence[str]] = None) -> Comparison:
    """Every metric and training parameter set in any of the records, metrics first; columns
    are named by `labels` (the references as the user gave them) or the version names."""
    versions = list(labels) if labels is not None else [r.version for r in records]
    flat = [r.evaluation_scores.flat() for r in records]
    keys: list[str] = []
    for scores in flat:
        keys += [k for k in scores if k not in keys]
    rows = [_row(k, versions, [s.get(k) for s in flat]) for k in keys]
    for name in TRAINING_FIELDS:
        values = [getattr(r.training, name) if r.training else None for r in records]
        if any(v is not None for v in values):
            rows.append(_row(name, versions, values))
    return Comparison(model, versions, rows)
