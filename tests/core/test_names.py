"""The name grammar of DESIGN.md 'Names', natural version order and auto-increment."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitreg import InvalidNameError
from gitreg.core.names import (
    MAX_NAME_LENGTH,
    check_environment_name,
    check_model_name,
    check_version_name,
    is_version_name,
    next_version,
    sort_versions,
    split_qualified,
    valid_versions,
    version_key,
)

MODEL_LIKE = [check_model_name, check_environment_name]

VALID_MODEL_NAMES = [
    "majora", "Majora", "m", "7", "Qwen2.5-Coder-7B", "a_b", "a-b", "a.b", "A.b-c_d9",
    "x" * 100, "9lives", "a.lock.b", "lock", ".lock".join(["a", "b"]),
]
INVALID_MODEL_NAMES = [
    ("", "non-empty"),
    ("x" * 101, "101 characters"),
    ("-leading-dash", "must match"),
    ("_leading", "must match"),
    (".hidden", "must match"),
    ("a/b", "must match"),
    ("a..b", "'..'"),
    ("model.lock", ".lock"),
    ("model.", "'.'"),
    ("has space", "must match"),
    ("tab\tname", "must match"),
    ("new\nline", "must match"),
    ("colon:name", "must match"),
    ("star*", "must match"),
    ("q?", "must match"),
    ("br[acket", "must match"),
    ("tilde~1", "must match"),
    ("caret^", "must match"),
    ("back\\slash", "must match"),
    ("at@{", "must match"),
    ("ümlaut", "must match"),
    ("trailing\n", "must match"),
]
NON_STRINGS = [None, 1, 1.5, b"majora", ["majora"], ("v1",), {"v1": 1}, True]

VALID_VERSIONS = [
    "v1", "v0", "v2.1", "v1.1.0", "v2b", "v3-rc1", "v10", "v01", "v1_final", "v9Z",
    "v1" + "0" * 98,
]
INVALID_VERSIONS = [
    ("", "non-empty"),
    ("1", "must match"),
    ("V1", "must match"),
    ("v", "must match"),
    ("va", "must match"),
    ("v.1", "must match"),
    ("version1", "must match"),
    ("v1/2", "must match"),
    ("v1..2", "'..'"),
    ("v1.lock", ".lock"),
    ("v1.", "'.'"),
    ("v1 beta", "must match"),
    ("v1:2", "must match"),
    ("v1" + "0" * 99, "101 characters"),
    ("v1\n", "must match"),
]


# -- model and environment names ------------------------------------------------------
@pytest.mark.parametrize("check", MODEL_LIKE, ids=["model", "environment"])
@pytest.mark.parametrize("name", VALID_MODEL_NAMES)
def test_valid_model_and_environment_names_are_accepted(check, name):
    assert check(name) == name


@pytest.mark.parametrize("check", MODEL_LIKE, ids=["model", "environment"])
@pytest.mark.parametrize("name,rule", INVALID_MODEL_NAMES, ids=lambda x: repr(x)[:30])
def test_invalid_model_and_environment_names_say_which_rule(check, name, rule):
    with pytest.raises(InvalidNameError) as info:
        check(name)
    assert rule in str(info.value)


@pytest.mark.parametrize("check", MODEL_LIKE + [check_version_name],
                         ids=["model", "environment", "version"])
@pytest.mark.parametrize("value", NON_STRINGS, ids=repr)
def test_non_strings_are_refused(check, value):
    with pytest.raises(InvalidNameError):
        check(value)


def test_length_limit_is_exactly_100():
    assert MAX_NAME_LENGTH == 100
    assert check_model_name("a" * 100)
    assert check_environment_name("e" * 100)
    assert check_version_name("v" + "1" * 99)
    for check, name in ((check_model_name, "a" * 101), (check_environment_name, "e" * 101),
                        (check_version_name, "v" + "1" * 100)):
        with pytest.raises(InvalidNameError, match="101"):
            check(name)


def test_messages_name_the_kind_of_name():
    with pytest.raises(InvalidNameError, match="model"):
        check_model_name("a/b")
    with pytest.raises(InvalidNameError, match="environment"):
        check_environment_name("a/b")
    with pytest.raises(InvalidNameError, match="version"):
        check_version_name("x1")


def test_invalid_name_error_is_a_value_error():
    # Callers catching ValueError (the seed's behaviour) keep working.
    with pytest.raises(ValueError):
        check_model_name("")


# -- version names --------------------------------------------------------------------
@pytest.mark.parametrize("name", VALID_VERSIONS)
def test_valid_version_names_are_accepted(name):
    assert check_version_name(name) == name


@pytest.mark.parametrize("name,rule", INVALID_VERSIONS, ids=lambda x: repr(x)[:30])
def test_invalid_version_names_say_which_rule(name, rule):
    with pytest.raises(InvalidNameError) as info:
        check_version_name(name)
    assert rule in str(info.value)


def test_qualified_parent_names():
    assert split_qualified("v1", "majora") == ("majora", "v1")
    assert split_qualified("other:v3", "majora") == ("other", "v3")
    for bad in ("other:", ":v1", "other:x1", "a/b:v1", "other:v1:v2", 3):
        with pytest.raises(InvalidNameError):
            split_qualified(bad, "majora")


# -- property tests: names generated from the grammar ---------------------------------
def _design_rules_hold(name: str) -> bool:
    return ".." not in name and not name.endswith(".lock") and not name.endswith(".")


model_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", fullmatch=True).filter(_design_rules_hold)
version_names = st.from_regex(r"v[0-9][A-Za-z0-9._-]{0,98}", fullmatch=True).filter(_design_rules_hold)


@settings(max_examples=300, deadline=None)
@given(model_names)
def test_grammar_model_names_are_accepted(name):
    assert check_model_name(name) == name
    assert check_environment_name(name) == name


@settings(max_examples=300, deadline=None)
@given(version_names)
def test_grammar_version_names_are_accepted(name):
    assert check_version_name(name) == name


@settings(max_examples=200, deadline=None)
@given(model_names, st.sampled_from(list("/ :~^?*[\\@\n\t\x00é")), st.data())
def test_a_character_outside_the_grammar_is_refused(name, bad, data):
    pos = data.draw(st.integers(min_value=0, max_value=len(name)))
    mutated = name[:pos] + bad + name[pos:]
    with pytest.raises(InvalidNameError):
        check_model_name(mutated)
    with pytest.raises(InvalidNameError):
        check_version_name("v1" + mutated)


@settings(max_examples=100, deadline=None)
@given(model_names)
def test_forbidden_endings_are_refused(name):
    for bad in (name + "..x", name + ".lock", name + "."):
        if len(bad) <= 100:
            with pytest.raises(InvalidNameError):
                check_model_name(bad)


# -- natural ordering -----------------------------------------------------------------
def test_natural_order_of_the_design_example():
    assert sort_versions(["v10", "v3", "v2b", "v2.1", "v2"]) == ["v2", "v2.1", "v2b", "v3", "v10"]
    keys = [version_key(v) for v in ["v2", "v2.1", "v2b", "v3", "v10"]]
    assert keys == sorted(keys) and len(set(keys)) == 5


@pytest.mark.parametrize("lower,higher", [
    ("v1", "v2"), ("v9", "v10"), ("v99", "v100"), ("v2", "v2.1"), ("v2.1", "v2.2"),
    ("v2.9", "v2.10"), ("v1.1.0", "v1.2.0"), ("v1.9.0", "v1.10.0"), ("v2", "v2b"),
    ("v2b", "v3"), ("v3-rc1", "v3-rc2"), ("v3-rc9", "v3-rc10"), ("v3", "v10-rc1"),
])
def test_natural_order_pairs(lower, higher):
    assert version_key(lower) < version_key(higher)
    assert sort_versions([higher, lower]) == [lower, higher]


def _leading(v: str) -> int:
    return int(re.match(r"v(\d+)", v).group(1))


@settings(max_examples=300, deadline=None)
@given(version_names, version_names, version_names)
def test_version_order_is_a_total_order(a, b, c):
    ka, kb, kc = version_key(a), version_key(b), version_key(c)  # comparable: no TypeError
    assert (ka < kb) + (ka == kb) + (ka > kb) == 1                   # trichotomy
    assert (ka == kb) == (a == b)                                    # antisymmetric on names
    if ka <= kb and kb <= kc:
        assert ka <= kc                                              # transitive
    if _leading(a) < _leading(b):
        assert ka < kb                                               # leading integer decides first


@settings(max_examples=100, deadline=None)
@given(st.lists(version_names, max_size=12, unique=True))
def test_sort_versions_is_deterministic_and_consistent_with_leading_int(versions):
    ordered = sort_versions(versions)
    assert sorted(ordered) == sorted(versions)
    assert sort_versions(list(reversed(versions))) == ordered
    leads = [_leading(v) for v in ordered]
    assert leads == sorted(leads)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.from_regex(r"v0{0,2}[0-9]{1,4}", fullmatch=True), max_size=30))
def test_plain_names_sort_as_version_key_orders_them(versions):
    """sort_versions' fast path for `v<N>` names (v01 / v1 ties broken by the name) is version_key's order."""
    assert sort_versions(versions) == sorted(versions, key=version_key)
    assert sort_versions(versions + ["v2b"]) == sorted(versions + ["v2b"], key=version_key)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.from_regex(r"v(0|[1-9][0-9]{0,6})", fullmatch=True), max_size=40))
def test_unpadded_names_sort_as_version_key_orders_them(versions):
    """The fast path for `v<N>` names without a leading zero ((length, text) order) is version_key's."""
    assert sort_versions(versions) == sorted(versions, key=version_key)
    assert sort_versions(versions + ["v01"]) == sorted(versions + ["v01"], key=version_key)


# -- next_version ---------------------------------------------------------------------
@pytest.mark.parametrize("existing,expected", [
    ([], "v1"),
    (["v1"], "v2"),
    (["v1", "v2b", "v10-rc1"], "v11"),
    (["v2.1"], "v3"),
    (["v1.1.0", "v1.2.0"], "v2"),
    (["v9", "v10"], "v11"),
    (["v10", "v9"], "v11"),
    (["v007"], "v8"),
])
def test_next_version(existing, expected):
    assert next_version(existing) == expected
    assert next_version(iter(existing)) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(version_names, max_size=10))
def test_next_version_is_above_every_leading_integer(existing):
    nxt = next_version(existing)
    assert check_version_name(nxt) == nxt
    assert re.fullmatch(r"v[1-9]\d*", nxt)
    assert _leading(nxt) == max([_leading(v) for v in existing], default=0) + 1
    assert nxt not in existing


@given(st.one_of(
    st.text(max_size=110),
    st.from_regex(r"v[0-9][A-Za-z0-9._-]{0,105}", fullmatch=True),
    st.from_regex(r"v[0-9][a-z0-9.]{0,6}(\.lock|\.|\.\.[a-z]|\n)?", fullmatch=True),
))
def test_fast_version_filter_agrees_with_the_checker(name):
    """Snapshots filter tag names with is_version_name: it must accept exactly what the checker does."""
    try:
        check_version_name(name)
        accepted = True
    except InvalidNameError:
        accepted = False
    assert is_version_name(name) is accepted


_NAME = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"v[0-9][A-Za-z0-9._-]{0,20}", fullmatch=True),
    st.from_regex(r"v[0-9][a-z0-9.]{0,6}(\.lock|\.|\.\.[a-z]|\n|\r|\nv99)?", fullmatch=True),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_NAME, max_size=12))
def test_many_names_filtered_at_once_as_one_by_one(names):
    """valid_versions (one pass over a model's tags) keeps exactly what is_version_name accepts."""
    assert valid_versions(names) == {n for n in names if is_version_name(n)}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_NAME, st.integers(), st.none()), max_size=12))
def test_next_version_ignores_what_is_not_a_name(existing):
    """A non-string, or a name holding a newline, never counts (its lines could look like versions)."""
    names = [v for v in existing if isinstance(v, str) and "\n" not in v]
    leads = [int(m.group(1)) for v in names for m in [re.match(r"v(\d+)", v)] if m]
    assert next_version(existing) == f"v{max(leads, default=0) + 1}"
