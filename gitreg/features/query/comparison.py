"""Comparing any number of versions: one column each, Δ against the first, the best marked."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from gitreg.core.records import TRAINING_FIELDS, ModelVersion
from gitreg.features.query.direction import NEUTRAL, decide


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass
class Row:
    key: str
    values: dict[str, Any]  # version -> value (None: not set)
    delta: dict[str, Optional[float]] = field(default_factory=dict)  # version -> value - first's
    best: list[str] = field(default_factory=list)  # versions holding the best value
    direction: str = ""  # which rule chose the best: recorded, table, name ('' when not ranked)
    stderr: dict[str, float] = field(default_factory=dict)  # version -> recorded standard error
    # versions whose Δ against the first lies within the two values' errors (|Δ| <= se_a + se_b)
    within_error: list[str] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return len({repr(v) for v in self.values.values()}) > 1

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "values": self.values, "delta": self.delta, "best": self.best,
                "direction": self.direction, "stderr": self.stderr, "within_error": self.within_error}


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


def _row(key: str, versions: Sequence[str], values: list[Any], infos: Optional[list[dict[str, Any]]] = None,
         neutral: bool = False) -> Row:
    row = Row(key, dict(zip(versions, values)))
    infos = infos or [{} for _ in values]
    row.stderr = {ver: i["stderr"] for ver, i in zip(versions, infos) if i.get("stderr") is not None}
    first = values[0]
    for version, value in zip(versions[1:], values[1:]):
        row.delta[version] = value - first if _numeric(value) and _numeric(first) else None
        errors = [row.stderr.get(versions[0]), row.stderr.get(version)]
        if row.delta[version] and None not in errors and abs(row.delta[version]) <= sum(errors):
            row.within_error.append(version)
    numbers = [v for v in values if _numeric(v)]
    if not neutral and key not in NEUTRAL and len(set(numbers)) > 1:
        recorded = next((i["direction"] for i in infos if i.get("direction")), None)
        direction = decide(key, recorded)
        row.direction = direction.how
        target = max(numbers) if direction.maximize else min(numbers)
        row.best = [ver for ver, v in zip(versions, values) if _numeric(v) and v == target]
    return row


def compare(model: str, records: Sequence[ModelVersion], labels: Optional[Sequence[str]] = None) -> Comparison:
    """Every metric, training parameter and param set in any of the records, metrics first;
    columns are named by `labels` (the references as the user gave them) or the version names.
    A metric's best follows its recorded direction, else the table, else its name; params
    (`params.NAME`) are shown, never ranked."""
    versions = list(labels) if labels is not None else [r.version for r in records]
    flat = [r.evaluation_scores.flat() for r in records]
    keys: list[str] = []
    for scores in flat:
        keys += [k for k in scores if k not in keys]
    rows = [_row(k, versions, [s.get(k) for s in flat], [r.metric_info.get(k, {}) for r in records])
            for k in keys]
    for name in TRAINING_FIELDS:
        values = [getattr(r.training, name) if r.training else None for r in records]
        if any(v is not None for v in values):
            rows.append(_row(name, versions, values))
    names: list[str] = []
    for r in records:
        names += [k for k in r.params if k not in names]
    rows += [_row(f"params.{k}", versions, [r.params.get(k) for r in records], neutral=True) for k in names]
    return Comparison(model, versions, rows)
