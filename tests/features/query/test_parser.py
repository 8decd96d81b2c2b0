"""The grammar: what each example of the issue parses to, and where errors point."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitreg.core.errors import GitregError, QueryError
from gitreg.features.query import compile_query, parse
from gitreg.features.query.ast import And, Between, Compare, Exists, InList, MatchAll, Not, Or


def test_the_issue_examples_parse():
    q = parse("accuracy > 0.85 and framework = unsloth")
    assert isinstance(q, And) and [c.field.name for c in q.items] == ["accuracy", "framework"]
    q = parse("(tag:production or tag:stable) and not status:archived")
    assert isinstance(q.items[0], Or) and isinstance(q.items[1], Not)
    assert q.items[1].item == Compare(q.items[1].item.field, "=", q.items[1].item.value, 47)
    assert parse('base_model ~ "Qwen*"').value.text == "Qwen*"
    assert parse("deployed:staging").field.name == "environment"
    assert parse("mmlu/acc,none >= 0.6").field.name == "mmlu/acc,none"
    assert parse("pass@1 > 0.3").field.name == "pass@1"
    parent = parse("parent:majora:v2")
    assert (parent.field.name, parent.op, parent.value.text) == ("parent", "=", "majora:v2")
    assert parse("training_data:oracle").value.text == "oracle"
    between = parse("samples between 100 and 500")
    assert isinstance(between, Between) and (between.low.text, between.high.text) == ("100", "500")
    assert isinstance(parse("eval_loss < 1.2 and created > 2026-01-01"), And)


def test_keywords_precedence_and_quoting():
    q = parse("a > 1 or b > 2 and not c > 3")  # not > and > or
    assert isinstance(q, Or) and isinstance(q.items[1], And) and isinstance(q.items[1].items[1], Not)
    assert isinstance(parse("A > 1 AND b > 2"), And)  # keywords in any case
    assert parse('"my metric" >= 2').field.name == "my metric"
    assert parse('"and" > 1').field.name == "and"  # a quoted keyword is a name
    assert parse("x = 'single'").value.text == "single"
    assert parse(r'notes = "say \"hi\""').value.text == 'say "hi"'
    assert parse('tag:"two words"').value.text == "two words"
    assert parse("tag:prod*").op == "~"  # a glob in a shorthand matches
    assert isinstance(parse("deployed"), Exists)
    assert isinstance(parse("   "), MatchAll)
    assert parse("accuracy>0.85").value.text == "0.85"  # no spaces needed around operators
    assert parse("x == 1").op == "="


def test_in_lists_split_on_commas_unless_quoted():
    q = parse('framework in (unsloth, axolotl,trl, "a,b")')
    assert isinstance(q, InList) and [v.text for v in q.values] == ["unsloth", "axolotl", "trl", "a,b"]
    assert [v.column for v in q.values] == [15, 24, 32, 37]
    assert parse("framework not in (a)").negated
    assert parse("mmlu/acc,none in (0.5, 0.6)").field.name == "mmlu/acc,none"


def test_colons_belong_to_words_and_the_parser_splits_shorthands():
    assert parse("a:b > 1").field.name == "a:b"  # a metric with ':' compared by an operator
    assert parse("created > 2026-01-01T10:00:00+00:00").value.text == "2026-01-01T10:00:00+00:00"
    assert parse("parent:v2").value.text == "v2"


@pytest.mark.parametrize("query, message, column", [
    ("accuracy >", "expected a value after '>' at 10", 10),
    ("eval_loss < 1.2 and x >", "expected a value after '>' at 23", 23),
    ("accuracy > 0.85 and", "expected a condition after 'and' at 17", 17),
    ("(a > 1", "expected ')' to close the '(' at 1, found the end of the query at 7", 7),
    ("a > 1 b > 2", "unexpected 'b' (join conditions with 'and' or 'or') at 7", 7),
    ("a > 1)", "unexpected ')' at 6", 6),
    ("()", "expected a condition after '(' at 1", 1),
    ("not", "expected a condition after 'not' at 1", 1),
    ('x = "open', "unterminated string starting at 5", 5),
    ("a ! 1", "unexpected '!' at 3 (did you mean '!=' or '!~'?)", 3),
    ("samples between 1 500", "expected 'and' after 'between 1', found '500' at 19", 19),
    ("framework in unsloth", "expected '(' after 'in' at 11", 11),
    ("framework in (a b)", "expected ',' or ')' in the list, found 'b' at 17", 17),
    ("tag:", "expected a value after 'tag:' at 1", 1),
])
def test_syntax_errors_point_at_the_column(query, message, column):
    with pytest.raises(QueryError) as info:
        parse(query)
    assert str(info.value) == message and info.value.column == column
    assert isinstance(info.value, GitregError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("query, start, column", [
    ("accuracy > high", "accuracy is a number: expected a number after '>', got 'high'", 10),
    ("framwork = unsloth", "framwork is a number: expected a number after '=', got 'unsloth' "
                           "(a name that is not a field is a metric; did you mean 'framework'?)", 10),
    ("created > yesterday", "created is a date: expected an ISO date like 2026-01-31", 9),
    ("framework < x", "'<' compares numbers, dates and versions, but framework is text", 11),
    ("accuracy ~ 0.8*", "'~' matches text, but accuracy is a number", 10),
    ("deployed > 1", "deployed is true or false: compare it with '=' or '!='", 10),
    ('accuracy = "0.8"', "accuracy is a number", 10),  # a quoted literal is text
    ("tagg:x", "unknown field 'tagg' in 'tagg:x'", 1),
])
def test_type_errors_are_found_before_reading_anything(query, start, column):
    with pytest.raises(QueryError) as info:
        compile_query(parse(query))
    assert str(info.value).startswith(start) and str(info.value).endswith(f"at {column}")
    assert info.value.column == column


def test_nesting_and_length_are_bounded():
    with pytest.raises(QueryError, match="nests deeper"):
        parse("(" * 500 + "a" + ")" * 500)
    with pytest.raises(QueryError, match="longer than"):
        parse("a > 1 and " * 2000 + "a > 1")
    with pytest.raises(QueryError, match="is text"):
        parse(None)  # type: ignore[arg-type]


@given(st.lists(st.sampled_from(list("ab:,()\"'<>=!~*. -1") + [" and ", " or ", "not ", " in ", " between "]),
                max_size=30).map("".join))
def test_any_text_parses_or_fails_with_a_query_error(text):
    try:
        compile_query(parse(text))
    except QueryError as exc:
        assert 0 <= exc.column <= len(text) + 1


def test_trees_compare_by_structure_and_show_as_mappings():
    """The nodes are plain dataclasses (issue 28: not frozen, no repr): equality stays structural
    and by kind, and `asdict` shows a tree."""
    import dataclasses

    text = "accuracy > 0.8 and (tag:prod or not framework in (trl, unsloth)) and lr between 1 and 2"
    assert parse(text) == parse(text) and parse(text) is not parse(text)
    assert parse("a > 1 and b > 2") != parse("a > 1 or b > 2")  # And and Or: same fields, other kinds
    assert parse("a > 1") != parse("a >= 1") and parse("") == MatchAll()
    shown = dataclasses.asdict(parse("a > 1 and not b"))
    assert shown["items"][0]["field"] == {"name": "a", "column": 1}
    assert shown["items"][1]["item"]["field"]["name"] == "b"
