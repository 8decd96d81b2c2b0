"""What clients need from the query language to render its results, through the facade.

The CLI parses the query text it shows errors for, names the columns a query mentions and
reads values off version views; these are the query feature's own functions, re-exported so
that no client imports a feature (docs/architecture.md). `Comparison` is looked up when
named (PEP 562), so that rendering a search does not load the comparison module; so are
`maximizes` and `parse_sort` (ranking.py, sortkeys.py and the directions they read).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gitreg.features.query import parse, view_of
from gitreg.features.query.fields import lookup
from gitreg.features.query.searching import names_in
from gitreg.features.query.sorting import kind_of

if TYPE_CHECKING:
    from gitreg.features.query.comparison import Comparison
    from gitreg.features.query.ranking import maximizes
    from gitreg.features.query.sortkeys import parse_sort

__all__ = ["Comparison", "kind_of", "lookup", "maximizes", "names_in", "parse", "parse_sort", "view_of"]


def __getattr__(name: str) -> Any:
    if name == "Comparison":
        from gitreg.features.query.comparison import Comparison

        return Comparison
    if name == "maximizes":
        from gitreg.features.query.ranking import maximizes

        return maximizes
    if name == "parse_sort":
        from gitreg.features.query.sortkeys import parse_sort

        return parse_sort
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
