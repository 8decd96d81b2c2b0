"""Which metrics a listing shows: the ones the versions have, or the ones asked for.

A fixed Accuracy/F1 pair is empty for a model scored by eval_loss, mmlu or pass@1;
the columns follow the data instead: most versions first, then first seen.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

if TYPE_CHECKING:
    from gitreg.core.records import ModelVersion
    from gitreg.core.rows import VersionRow

    Listed = Union[ModelVersion, VersionRow]  # what a listing renders: records or rows

TABLE_LIMIT = 4  # metric columns of `versions` / `info` unless --metrics names them


def parse(option: Optional[str]) -> Optional[list[str]]:
    """`--metrics a,b` as ['a', 'b']; None when not given."""
    if option is None:
        return None
    return [name.strip() for name in option.split(",") if name.strip()]


def flats_of(versions: Sequence["Listed"]) -> list[dict[str, Any]]:
    """Each version's metrics (EvaluationScores.flat), made once for every use of a listing."""
    return [v.evaluation_scores.flat() for v in versions]


def present(versions: Sequence["Listed"], flats: Optional[list[dict[str, Any]]] = None) -> tuple[list[str], int]:
    """Every metric the versions have, most common first (then first seen); and how many
    versions have any. `flats`: flats_of(versions), when already made."""
    from gitreg.core.rows import metric_order

    flats = flats_of(versions) if flats is None else flats
    return metric_order(flats), sum(1 for f in flats if f)


def for_table(versions: Sequence["Listed"], wanted: Optional[list[str]],
              flats: Optional[list[dict[str, Any]]] = None) -> tuple[list[str], list[str]]:
    """(metric columns, metrics left out for room) of a versions table."""
    if wanted is not None:
        return wanted, []
    names, _ = present(versions, flats)
    return names[:TABLE_LIMIT], names[TABLE_LIMIT:]


def warn_missing(versions: Sequence["Listed"], wanted: Optional[list[str]],
                 flats: Optional[list[dict[str, Any]]] = None) -> None:
    """A note on stderr for each asked-for metric no version has (a typo shows as an empty column)."""
    if not wanted:
        return
    import sys

    from gitreg.clients.cli.terminal import write

    names, _ = present(versions, flats)
    for name in wanted:
        if name not in names:
            have = f" (they have: {', '.join(names)})" if names else ""
            write(f"gitreg: note: no version has metric '{name}'{have}", sys.stderr)
