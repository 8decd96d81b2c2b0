"""Sort keys: `KEY`, `KEY:asc`, `KEY:desc` (what `--sort` and search(sort=...) take).

A key names a field or a metric as in queries. The suffix is split at the last `:`
only when it is `asc` or `desc`, so metric names with `:` stay whole. Without a
suffix, numbers that have a better direction (metrics, cost_usd, duration_hours)
sort best first (direction.py); everything else ascending (params too: a hyperparameter
has no better value). sorting.py orders views by them. Apart from it so that a search
without a sort does not define the keys' record nor load the directions (issue 28).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from gitreg.core.errors import QueryError
from gitreg.features.query.direction import NEUTRAL, lower_is_better
from gitreg.features.query.fields import NUMBER, PARAMS_PREFIX, field_name
from gitreg.features.query.sorting import kind_of


@dataclass(frozen=True)
class SortKey:
    """One `--sort` key: a name and its direction."""
    name: str
    descending: bool

    def __str__(self) -> str:
        return f"{self.name}:{'desc' if self.descending else 'asc'}"


SortSpec = Optional[str | SortKey | Sequence[str | SortKey]]  # what search(sort=...) takes


def best_first_descending(name: str) -> bool:
    """Whether best-first order of a number is descending (higher is better)."""
    return not lower_is_better(field_name(name) or name)


def parse_sort(spec: str) -> SortKey:
    if not isinstance(spec, str) or not spec.strip():
        raise QueryError("a sort key is a field or metric name, optionally with :asc or :desc")
    spec = spec.strip()
    name, sep, suffix = spec.rpartition(":")
    if sep and suffix.lower() in ("asc", "desc") and name:
        return SortKey(name, suffix.lower() == "desc")
    kind = kind_of(spec)
    canonical = field_name(spec) or spec
    descending = (kind == NUMBER and canonical not in NEUTRAL and not spec.startswith(PARAMS_PREFIX)
                  and best_first_descending(spec))
    return SortKey(spec, descending)


def sort_keys(specs: SortSpec) -> list[SortKey]:
    if specs is None:
        return []
    if isinstance(specs, (str, SortKey)):
        specs = [specs]
    return [s if isinstance(s, SortKey) else parse_sort(s) for s in specs]
