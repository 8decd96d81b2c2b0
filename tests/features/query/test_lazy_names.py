"""The query package's names that load a module when first asked for (issue 28: `gitreg search`
does not define the comparison's records), and its value classes (what a frozen dataclass gave
the syntax tree, tokens, sort keys and directions). Fresh interpreters: the lazy path is only
taken in a process that has not loaded the module yet."""
from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys

import pytest

from gitreg.features.query.ast import Compare, Field, InList, Literal, MatchAll
from gitreg.features.query.direction import Direction
from gitreg.features.query.lexer import Token
from gitreg.features.query.sorting import SortKey

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


def test_value_classes_behave_as_the_frozen_dataclasses_they_replace():
    lit = Literal("0.5", False, 12)
    assert lit == Literal(text="0.5", quoted=False, column=12) == Literal("0.5", column=12, quoted=False)
    assert lit != Literal("0.5", True, 12) and lit != ("0.5", False, 12)
    assert hash(lit) == hash(Literal("0.5", False, 12)) and len({lit, Literal("0.5", False, 12)}) == 1
    assert repr(lit) == "Literal(text='0.5', quoted=False, column=12)"
    node = Compare(Field("accuracy", 1), ">", lit, 10)
    assert repr(node) == ("Compare(field=Field(name='accuracy', column=1), op='>', "
                          "value=Literal(text='0.5', quoted=False, column=12), op_column=10)")
    assert InList(Field("x", 1), (lit,)).negated is False and InList(Field("x", 1), (lit,), True).negated
    assert MatchAll() == MatchAll() and repr(MatchAll()) == "MatchAll()"
    assert Token("WORD", "a", 1, 2) != Token("WORD", "a", 1, 3)
    assert str(SortKey("accuracy", True)) == "accuracy:desc" and Direction(True, "table").describe() == \
        "highest wins, table"
    with pytest.raises(dataclasses.FrozenInstanceError):
        lit.text = "1"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del node.op
    with pytest.raises(AttributeError):
        lit.other = 1  # type: ignore[attr-defined]
    for made in (copy.copy(node), copy.deepcopy(node), pickle.loads(pickle.dumps(node))):
        assert made == node and made is not node
    with pytest.raises(TypeError):
        Literal("a", False)  # a field missing
    with pytest.raises(TypeError):
        Literal("a", False, 1, 2)  # one too many
    with pytest.raises(TypeError):
        Literal("a", False, column=1, colour=2)
    with pytest.raises(TypeError):
        Literal("a", False, 1, text="b")
