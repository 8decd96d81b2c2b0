"""What clients need from the query language to render its results, through the facade.

The CLI parses the query text it shows errors for, names the columns a query mentions and
reads values off version views; these are the query feature's own functions, re-exported so
that no client imports a feature (docs/architecture.md).
"""
from gitreg.features.query import Comparison, parse, parse_sort, view_of
from gitreg.features.query.fields import lookup
from gitreg.features.query.search import maximizes, names_in
from gitreg.features.query.sorting import kind_of

__all__ = ["Comparison", "kind_of", "lookup", "maximizes", "names_in", "parse", "parse_sort", "view_of"]
