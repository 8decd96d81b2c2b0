"""The query package's names that load a module when first asked for (issue 28: `gitreg search`
does not define the comparison's records). Fresh interpreters: the lazy path is only taken in a
process that has not loaded the module yet."""
from __future__ import annotations

import pytest

from tests.fresh import modules_after, run

_CHILD = """
import sys, types
{first}
from gitreg.features.query import Comparison, Row, compare
import gitreg.features.query as q
from gitreg.api import queries
assert isinstance(compare, types.FunctionType) and compare.__module__ == "gitreg.features.query", compare
assert q.compare is compare  # the function, whatever was imported first
assert Comparison.__name__ == "Comparison" and Row.__name__ == "Row" and queries.Comparison is Comparison
assert Comparison.__module__ == "gitreg.features.query.comparison"
print("ok")
"""


@pytest.mark.parametrize("first", ["", "import gitreg.features.query.comparison",
                                   "from gitreg.features.query.comparison import compare as c",
                                   "from gitreg.api.queries import Comparison"])
def test_compare_and_its_records_are_found_whatever_was_imported_first(first):
    assert run(_CHILD.format(first=first)).strip() == "ok"


def test_a_search_import_does_not_load_the_comparison():
    code = "import gitreg.api.queries, gitreg.features.query"
    assert modules_after(code, ["gitreg.features.query.comparison"]) == []


def test_unknown_names_are_attribute_errors():
    import gitreg.api.queries as queries
    import gitreg.features.query as q

    with pytest.raises(AttributeError):
        q.Nothing  # noqa: B018
    with pytest.raises(AttributeError):
        queries.Nothing  # noqa: B018
    with pytest.raises(ImportError):
        from gitreg.features.query import nothing_at_all  # noqa: F401


_RANKING = """
import sys, types
{first}
import gitreg.features.query as q
from gitreg.api import queries
from gitreg.features.query import best, higher_is_better, lower_is_better
from gitreg.features.query import SortKey, parse_sort
from gitreg.features.query import direction, ranking, sortkeys
assert SortKey is sortkeys.SortKey and parse_sort is sortkeys.parse_sort and queries.parse_sort is parse_sort
assert parse_sort("eval_loss") == SortKey("eval_loss", False) and parse_sort("accuracy") == SortKey("accuracy", True)
assert best is ranking.best and q.best is best and isinstance(best, types.FunctionType), best
assert higher_is_better is direction.higher_is_better and lower_is_better is direction.lower_is_better
assert queries.maximizes is ranking.maximizes and queries.maximizes("eval_loss") is False
assert lower_is_better("eval_loss") and higher_is_better("accuracy")
print("ok")
"""


@pytest.mark.parametrize("first", ["", "import gitreg.features.query.ranking", "import gitreg.features.query.direction",
                                   "from gitreg.api.queries import maximizes", "import gitreg.features.query.sortkeys",
                                   "from gitreg.api.queries import parse_sort",
                                   "from gitreg.features.query.direction import Direction"])
def test_best_sort_keys_and_directions_are_found_whatever_was_imported_first(first):
    assert run(_RANKING.format(first=first)).strip() == "ok"


def test_a_search_import_does_not_load_best_sort_keys_or_the_directions():
    code = "import gitreg.api.queries, gitreg.features.query; from gitreg.features.query import search, parse"
    lazy = ["gitreg.features.query.ranking", "gitreg.features.query.direction", "gitreg.features.query.sortkeys"]
    assert modules_after(code, lazy) == []


_SEARCH = """
import types
{first}
from gitreg.features.query import Found, compile_query, parse, search, view_of
import gitreg.features.query as q
from gitreg.features.query import searching
assert isinstance(search, types.FunctionType) and search is searching.search and q.search is search, search
assert Found is searching.Found and parse("accuracy > 0.5") is not None and callable(compile_query)
assert view_of.__module__ == "gitreg.features.query.index"
print("ok")
"""


@pytest.mark.parametrize("first", ["", "import gitreg.features.query.searching", "import gitreg.api.queries",
                                   "import gitreg.features.query.ranking", "import gitreg.features.query.bulk",
                                   "from gitreg.features.query import best"])
def test_the_search_names_are_the_functions_whatever_was_imported_first(first):
    """The parser's, evaluator's and search's names load when first asked for; `search` is the
    function, never the module (which is searching.py), whatever loaded the module first."""
    assert run(_SEARCH.format(first=first)).strip() == "ok"


def test_a_module_of_the_query_package_loads_neither_the_language_nor_pygit2():
    code = "import gitreg.features.query, gitreg.features.query.catalog, gitreg.features.query.columns"
    heavy = ["pygit2", "gitreg.features.query.parser", "gitreg.features.query.evaluate", "gitreg.features.query.lexer",
             "gitreg.features.query.searching", "gitreg.features.query.bulk", "gitreg.features.query.index"]
    assert modules_after(code, heavy) == []
