"""The query package's names that load a module when first asked for (issue 28: `gitreg search`
does not define the comparison's records). Fresh interpreters: the lazy path is only taken in a
process that has not loaded the module yet."""
from __future__ import annotations

import subprocess
import sys

import pytest

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
    proc = subprocess.run([sys.executable, "-c", _CHILD.format(first=first)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_a_search_import_does_not_load_the_comparison():
    code = "import gitreg.api.queries, gitreg.features.query, sys; print('gitreg.features.query.comparison' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "False", proc.stderr


def test_unknown_names_are_attribute_errors():
    import gitreg.api.queries as queries
    import gitreg.features.query as q

    with pytest.raises(AttributeError):
        q.Nothing  # noqa: B018
    with pytest.raises(AttributeError):
        queries.Nothing  # noqa: B018

