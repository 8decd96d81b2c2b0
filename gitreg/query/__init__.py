"""The query language of gitreg: one grammar for the CLI and the API.

See docs/query.md for the language. `parse` makes a syntax tree (ast.py),
`compile_query` a predicate over version views (fields.py); `search` and `best`
run them over a registry, `compare` lines up any number of versions.
"""
from ..errors import QueryError
from .compare import Comparison, Row, compare
from .direction import higher_is_better, lower_is_better
from .evaluate import compile_query
from .index import view_of
from .parser import parse
from .search import Found, best, search
from .sorting import SortKey, parse_sort

__all__ = [
    "QueryError", "Comparison", "Row", "compare", "higher_is_better", "lower_is_better",
    "compile_query", "view_of", "parse", "Found", "best", "search", "SortKey", "parse_sort",
]
