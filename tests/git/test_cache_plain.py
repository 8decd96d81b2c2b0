"""cache.plain (one loop with exact-type fast paths, issue 28) answers as its definition
(`_plain`, recursive, subclasses of the JSON types included) on arbitrary values."""
from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from gitreg.git.cache.cache import _plain, plain


class Text(str):
    pass


class Number(int):
    pass


class Items(list):
    pass


class Mapping(dict):
    pass


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=5), st.builds(Text, st.text(max_size=3)), st.builds(Number, st.integers()),
                    st.binary(max_size=3), st.just(()), st.sets(st.integers(), max_size=2))
KEYS = st.one_of(st.text(max_size=4), st.builds(Text, st.text(max_size=3)), st.integers(), st.none())
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.builds(Items, st.lists(inner, max_size=3)), st.tuples(inner),
    st.dictionaries(KEYS, inner, max_size=4), st.builds(Mapping, st.dictionaries(KEYS, inner, max_size=3))),
    max_leaves=25)


@given(VALUES)
def test_plain_answers_as_its_definition(value):
    assert plain(value) is _plain(value)


def test_plain_examples():
    assert plain({"a": [1, 2.5, "x", None, True, {"b": []}]})
    assert not plain({"a": [1, math.nan]}) and not plain([math.inf]) and not plain({1: "a"})
    assert not plain((1, 2)) and not plain({"a": {"b": b"x"}})
    assert plain(Mapping(a=Items([Text("t"), Number(3)])))  # subclasses, as the definition says


def test_a_structure_that_holds_itself_is_left_to_the_definition():
    loop: list = []
    loop.append(loop)
    try:
        plain(loop)
    except RecursionError:
        pass
    else:
        raise AssertionError("a list holding itself is not JSON: the definition recurses")
    bad: list = [b"x"]
    bad.append(bad)
    assert plain(bad) is False  # found before the cycle, as the definition finds it
