"""The query language of gitreg: one grammar for the CLI and the API.

See docs/query.md for the language. `parse` makes a syntax tree (ast.py),
`compile_query` a predicate over version views (fields.py); `search` and `best`
run them over a registry, `compare` lines up any number of versions (comparison.py,
imported when first used: a search does not pay for defining its records). `best`, the
sort keys and the directions (ranking.py, sortkeys.py, direction.py) load when first
named, for the same reason. So do the parser, the evaluator and the search (searching.py):
a reader of the view index alone (catalog.py, for MLflow's store) loads none of them, nor
pygit2, by importing a module of this package.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence

from gitreg.core.errors import QueryError

if TYPE_CHECKING:
    from gitreg.core.records import ModelVersion
    from gitreg.features.query.comparison import Comparison, Row
    from gitreg.features.query.direction import higher_is_better, lower_is_better
    from gitreg.features.query.evaluate import compile_query
    from gitreg.features.query.index import view_of
    from gitreg.features.query.parser import parse
    from gitreg.features.query.ranking import best
    from gitreg.features.query.searching import Found, search
    from gitreg.features.query.sortkeys import SortKey, parse_sort

__all__ = [
    "QueryError", "Comparison", "Row", "compare", "higher_is_better", "lower_is_better",
    "compile_query", "view_of", "parse", "Found", "best", "search", "SortKey", "parse_sort",
]


def compare(model: str, records: Sequence["ModelVersion"], labels: Optional[Sequence[str]] = None) -> "Comparison":
    """comparison.compare: every metric and training parameter of the records side by side."""
    from gitreg.features.query import comparison

    return comparison.compare(model, records, labels)


def __getattr__(name: str) -> Any:  # PEP 562: these names load their module when first asked for
    value = _load(name)
    globals()[name] = value  # bound once asked for (`search` is never the module: searching.py)
    return value


def _load(name: str) -> Any:
    if name == "parse":
        from gitreg.features.query.parser import parse

        return parse
    if name == "compile_query":
        from gitreg.features.query.evaluate import compile_query

        return compile_query
    if name == "view_of":
        from gitreg.features.query.index import view_of

        return view_of
    if name in ("search", "Found"):
        from gitreg.features.query import searching

        return getattr(searching, name)
    if name in ("Comparison", "Row"):
        from gitreg.features.query import comparison

        return getattr(comparison, name)
    if name == "best":
        from gitreg.features.query import ranking

        return ranking.best
    if name in ("SortKey", "parse_sort"):
        from gitreg.features.query import sortkeys

        return getattr(sortkeys, name)
    if name in ("higher_is_better", "lower_is_better"):
        from gitreg.features.query import direction

        return getattr(direction, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
