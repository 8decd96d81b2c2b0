"""Generated queries: gitreg's answer equals a direct Python evaluation on the same records.

The oracle below reads ModelVersion objects (what list_versions returns) with plain
Python, independently of gitreg/features/query's views, parser and compiled predicates.
"""
from __future__ import annotations

import datetime as dt
import fnmatch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitreg.core.names import version_key
from tests.features.query.sample import build_sample

NUMBERS = {
    "accuracy": lambda v: v.evaluation_scores.accuracy,
    "f1_score": lambda v: v.evaluation_scores.f1_score,
    "eval_loss": lambda v: v.evaluation_scores.custom_metrics.get("eval_loss"),
    "mmlu/acc": lambda v: v.evaluation_scores.custom_metrics.get("mmlu/acc"),
    "samples": lambda v: v.training.samples if v.training else None,
    "cost_usd": lambda v: v.training.cost_usd if v.training else None,
}
TEXTS = {
    "framework": lambda v: v.training.framework if v.training else None,
    "status": lambda v: v.status.value,
    "base_model": lambda v: v.base_model,
    "model": lambda v: v.model_name,
}
LISTS = {"tag": lambda v: v.tags, "training_data": lambda v: v.training_data_sources,
         "environment": lambda v: v.environments}
NUMBER_VALUES = [0, 0.5, 0.79, 0.83, 0.85, 0.86, 0.87, 0.9, 0.91, 1, 1.1, 1.2, 2.5, 100, 250, 500, 5000, -1]
TEXT_VALUES = ["unsloth", "axolotl", "trl", "completed", "deployed", "archived", "draft", "majora", "oracle",
               "Qwen2.5-Coder-7B", "qwen2.5-7b", "Llama-3-8B"]
GLOBS = ["qwen*", "*7b", "Q?en*", "*", "l*", "[mo]*", "*a*", "unsloth"]
LIST_VALUES = ["stable", "production", "experimental", "candidate", "oracle", "toolbench", "web", "staging"]
DAYS = [dt.date(2026, 1, d) for d in (9, 10, 14, 15, 18, 20, 21, 22, 23)]


def parent_of(v):
    p = v.parent_version
    return None if p is None else (p if ":" in p else f"{v.model_name}:{p}")


def created(v):
    return dt.datetime.fromisoformat(v.created_at)


def midnight(day):
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def ordered(op, x, y):
    return {"=": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


# Each generated condition is (text, oracle); combinations build both side by side.
def number_cond():
    @st.composite
    def make(draw):
        name = draw(st.sampled_from(sorted(NUMBERS)))
        get = NUMBERS[name]
        form = draw(st.sampled_from(["op", "between", "in", "exists"]))
        if form == "exists":
            return name, lambda v: get(v) is not None
        if form == "between":
            lo, hi = sorted(draw(st.lists(st.sampled_from(NUMBER_VALUES), min_size=2, max_size=2)))
            return f"{name} between {lo} and {hi}", lambda v: get(v) is not None and lo <= get(v) <= hi
        if form == "in":
            vals = draw(st.lists(st.sampled_from(NUMBER_VALUES), min_size=1, max_size=3))
            return f"{name} in ({', '.join(map(str, vals))})", lambda v: get(v) is not None and get(v) in vals
        op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
        value = draw(st.sampled_from(NUMBER_VALUES))
        if op == "!=":
            return f"{name} != {value}", lambda v: get(v) != value
        return f"{name} {op} {value}", lambda v: get(v) is not None and ordered(op, get(v), value)
    return make()


@st.composite
def text_cond(draw):
    name = draw(st.sampled_from(sorted(TEXTS)))
    get = TEXTS[name]
    form = draw(st.sampled_from(["=", "!=", "~", "!~", "short"]))
    if form in ("~", "!~"):
        pat = draw(st.sampled_from(GLOBS))

        def hit(v):
            return get(v) is not None and fnmatch.fnmatchcase(get(v).lower(), pat.lower())
        return (f'{name} ~ "{pat}"', hit) if form == "~" else (f'{name} !~ "{pat}"', lambda v: not hit(v))
    value = draw(st.sampled_from(TEXT_VALUES))
    if form == "short":
        return f"{name}:{value}", lambda v: get(v) == value
    if form == "=":
        return f'{name} = "{value}"', lambda v: get(v) == value
    return f"{name} != {value}", lambda v: get(v) != value


@st.composite
def list_cond(draw):
    name = draw(st.sampled_from(sorted(LISTS)))
    get = LISTS[name]
    value = draw(st.sampled_from(LIST_VALUES))
    prefix = "deployed" if name == "environment" and draw(st.booleans()) else name
    if draw(st.booleans()):
        return f"{prefix}:{value}", lambda v: value in get(v)
    pat = value[:2] + "*"
    return f"{name} ~ {pat}", lambda v: any(fnmatch.fnmatchcase(x.lower(), pat.lower()) for x in get(v))


@st.composite
def other_cond(draw):
    kind = draw(st.sampled_from(["created", "version", "parent", "deployed"]))
    if kind == "created":
        op = draw(st.sampled_from(["=", "<", "<=", ">", ">="]))
        day = draw(st.sampled_from(DAYS))
        start, end = midnight(day), midnight(day) + dt.timedelta(days=1)
        test = {"=": lambda c: start <= c < end, "<": lambda c: c < start, "<=": lambda c: c < end,
                ">": lambda c: c >= end, ">=": lambda c: c >= start}[op]
        return f"created {op} {day.isoformat()}", lambda v: test(created(v))
    if kind == "version":
        op = draw(st.sampled_from(["=", "<", ">=", ">"]))
        value = draw(st.sampled_from(["v1", "v2", "v2b", "v3", "v10", "v9"]))
        return f"version {op} {value}", lambda v: ordered(op, version_key(v.version), version_key(value))
    if kind == "parent":
        value = draw(st.sampled_from(["majora:v1", "majora:v2", "v1", "v2", "oracle:v1", "v3"]))
        if ":" in value:
            return f"parent:{value}", lambda v: parent_of(v) == value
        return f"parent:{value}", lambda v: parent_of(v) == f"{v.model_name}:{value}"
    want = draw(st.booleans())
    return f"deployed = {str(want).lower()}", lambda v: v.deployed == want


def _not(child):
    text, test = child
    return f"not ({text})", lambda v: not test(v)


def _paren(child):
    return f"({child[0]})", child[1]


def _and(pair):
    (ta, fa), (tb, fb) = pair
    return f"({ta}) and ({tb})", lambda v: fa(v) and fb(v)


def _or(pair):
    (ta, fa), (tb, fb) = pair
    return f"({ta}) or ({tb})", lambda v: fa(v) or fb(v)


def combine(children):
    return st.one_of(children.map(_not), children.map(_paren),
                     st.tuples(children, children).map(_and), st.tuples(children, children).map(_or))


queries = st.recursive(st.one_of(number_cond(), text_cond(), list_cond(), other_cond()),
                       combine, max_leaves=6)


@pytest.fixture
def reg_with_sample(reg):
    build_sample(reg)
    records = [v for m in reg.list_models() for v in reg.list_versions(m)]
    return reg, records


@settings(max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries)
def test_generated_queries_agree_with_a_direct_evaluation(reg_with_sample, query):
    reg, records = reg_with_sample
    text, oracle = query
    expected = [(v.model_name, v.version) for v in records if oracle(v)]
    got = [(v.model_name, v.version) for v in reg.search(text)]
    assert got == expected, text
