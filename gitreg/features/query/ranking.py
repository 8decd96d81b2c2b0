"""Best: the version that ranks first by a number, and which way is better for it.

Its own module so that a search does not load the directions (direction.py: a table, two
regexes and the Direction record) it never uses (issue 28)."""
from __future__ import annotations

from typing import Any, Optional

from gitreg.core.errors import QueryError, VersionNotFoundError
from gitreg.features.query import sorting
from gitreg.features.query.direction import Direction, decide, lower_is_better
from gitreg.features.query.fields import field_name
from gitreg.features.query.searching import search
from gitreg.features.query.sortkeys import SortKey
from gitreg.git.repository import Store
from gitreg.model.snapshot import ModelSnapshot


def maximizes(metric: str) -> bool:
    """Whether `best --by metric` takes the highest value when not told (dates: the newest)."""
    return sorting.kind_of(metric) == "date" or not lower_is_better(field_name(metric) or metric)


def best(store: Optional[Store], model: str, by: Optional[str] = None, where: Optional[str] = None,
         maximize: Optional[bool] = None) -> tuple[dict[str, Any], ModelSnapshot, str, Direction]:
    """(view, snapshot, metric, direction) of the best version by a number; ties go to the newest.

    The direction, unless given, is the one recorded with the metric by the newest version
    that has it, else the table of known names, else the name's words (direction.py)."""
    metric = (by or "accuracy").strip()
    if not metric:
        raise QueryError("--by needs a metric or numeric field name")
    kind = sorting.kind_of(metric)
    if kind not in ("number", "date"):
        raise QueryError(f"{metric} is not a number: 'best' ranks by a metric or a numeric field")
    found = search(store, where, model=model)
    get = sorting.value_getter(metric)
    ranked = [v for v in found.views if isinstance(get(v), (int, float))]  # in version order; a param may be text
    if not ranked:
        what = f" matching {where!r}" if where else ""
        if any(isinstance(v["m"].get(metric), str) for v in found.views):
            raise QueryError(f"{metric} is text: 'best' ranks by a number")
        raise VersionNotFoundError(f"no version of {model!r}{what} has a value for {metric}")
    if maximize is not None:
        chosen = Direction(maximize, "given")
    elif kind == "date":
        chosen = Direction(True, "date")
    elif field_name(metric) is not None:
        chosen = decide(field_name(metric) or metric)
    else:
        recorded = found.record(ranked[-1]).metric_info.get(metric, {}).get("direction")
        chosen = decide(metric, recorded)
    ranked = sorting.apply(ranked, [SortKey(metric, chosen.maximize)])
    top = get(ranked[0])
    newest = [v for v in ranked if get(v) == top][-1]  # sorted stably in version order
    return newest, found.snapshots[model], metric, chosen
