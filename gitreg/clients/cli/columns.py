"""Which metrics a listing shows: the ones the versions have, or the ones asked for.

A fixed Accuracy/F1 pair is empty for a model scored by eval_loss, mmlu or pass@1;
the columns follow the data instead: most versions first, then first seen.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from gitreg.core.records import ModelVersion

TABLE_LIMIT = 4  # metric columns of `versions` / `info` unless --metrics names them
LINE_LIMIT = 2  # metrics on a `list` line


def parse(option: Optional[str]) -> Optional[list[str]]:
    """`--metrics a,b` as ['a', 'b']; None when not given."""
    if option is None:
        return None
    return [name.strip() for name in option.split(",") if name.strip()]


def present(versions: list["ModelVersion"]) -> tuple[list[str], int]:
    """Every metric the versions have, most common first; and how many versions have any."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for v in versions:
        for name in v.evaluation_scores.flat():
            counts[name] += 1
            first.setdefault(name, len(first))
    names = sorted(counts, key=lambda n: (-counts[n], first[n]))
    return names, sum(1 for v in versions if v.evaluation_scores.flat())


def for_table(versions: list["ModelVersion"], wanted: Optional[list[str]]) -> tuple[list[str], list[str]]:
    """(metric columns, metrics left out for room) of a versions table."""
    if wanted is not None:
        return wanted, []
    names, _ = present(versions)
    return names[:TABLE_LIMIT], names[TABLE_LIMIT:]


def for_lines(versions: list["ModelVersion"], wanted: Optional[list[str]]) -> list[str]:
    """Metrics of `list` lines: accuracy alone when the model has it (the seed's `acc=0.850`)."""
    if wanted is not None:
        return wanted
    names, _ = present(versions)
    if "accuracy" in names:
        return ["accuracy"]
    return names[:LINE_LIMIT]


def warn_missing(versions: list["ModelVersion"], wanted: Optional[list[str]]) -> None:
    """A note on stderr for each asked-for metric no version has (a typo shows as an empty column)."""
    if not wanted:
        return
    import sys

    from gitreg.clients.cli.terminal import write

    names, _ = present(versions)
    for name in wanted:
        if name not in names:
            have = f" (they have: {', '.join(names)})" if names else ""
            write(f"gitreg: note: no version has metric '{name}'{have}", sys.stderr)
