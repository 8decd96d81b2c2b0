"""The query language of gitreg: one grammar for the CLI and the API.

See docs/query.md for the language. `parse` makes a syntax tree (ast.py),
`compile_query` a predicate over version views (fields.py); `search` and `best`
run them over a registry, `compare` lines up any number of versions.
"""
from gitreg.core.errors import QueryError
from gitreg.features.query.compare import Comparison, Row, compare
from gitreg.features.query.direction import higher_is_better, lower_is_better
from gitreg.features.query.evaluate import compile_query
from gitreg.features.query.index import view_of
from gitreg.features.query.parser import parse
from gitreg.features.query.search import Found, best, search
from gitreg.features.query.sorting import SortKey, parse_sort

__all__ = [
    "QueryError", "Comparison", "Row", "compare", "higher_is_better", "lower_is_better",
    "compile_query", "view_of", "parse", "Found", "best", "search", "SortKey", "parse_sort",
]
