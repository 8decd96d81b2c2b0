"""MLflow's own search semantics (its filter parser, sort keys and page tokens), plus
`metrics.<name> <op> <number>` clauses on model versions, which MLflow's registry lacks.

The metric clauses are split off here and rewritten as one query of gitreg's own
language (gitreg/features/query/, docs/query.md), which `registry.search` evaluates; the rest of
the filter goes to mlflow.utils.search_utils unchanged.
"""
from __future__ import annotations

import functools
import heapq
import re
from operator import itemgetter
from typing import Any, Optional, Sequence

from mlflow.exceptions import MlflowException
from mlflow.prompt.constants import IS_PROMPT_TAG_KEY
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE
from mlflow.store.entities.paged_list import PagedList
from mlflow.utils.search_utils import SearchUtils


@functools.cache
def _metric() -> re.Pattern[str]:
    """A metric clause (compiled when a filter first names a metric, not at start-up)."""
    return re.compile(
        r"\s*metrics?\.(?:`(?P<q>[^`]+)`|(?P<n>[A-Za-z0-9._/@,:+-]+))\s*"
        r"(?P<op><=|>=|!=|=|<|>)\s*(?P<v>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\Z"
    )


def _and_parts(filter_string: str) -> list[str]:
    """Split on AND outside quotes and backticks (MLflow filters only join with AND)."""
    parts, start, quote, i = [], 0, None, 0
    text = filter_string
    while i < len(text):
        ch = text[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"`":
            quote = ch
        elif text[i:i + 3].upper() == "AND" and (i == 0 or text[i - 1].isspace()) \
                and (i + 3 == len(text) or text[i + 3].isspace()):
            parts.append(text[start:i])
            start = i + 3
            i += 3
            continue
        i += 1
    parts.append(text[start:])
    return parts


def metric_clauses(filter_string: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(the filter MLflow's parser gets, the gitreg query of its metric clauses, joined with and)."""
    if not filter_string or "metric" not in filter_string:
        return filter_string, None
    rest, clauses = [], []
    for part in _and_parts(filter_string):
        match = _metric().match(part)
        if match:
            name = match.group("q") or match.group("n")
            quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
            clauses.append(f"{quoted} {match.group('op')} {match.group('v')}")
        else:
            rest.append(part.strip())
    return " AND ".join(rest) or None, " and ".join(clauses) or None


def check_max_results(max_results: Any, threshold: int) -> int:
    if isinstance(max_results, bool) or not isinstance(max_results, int) or max_results < 1:
        raise MlflowException(
            f"Invalid value for max_results. It must be a positive integer, but got {max_results}",
            INVALID_PARAMETER_VALUE,
        )
    if max_results > threshold:
        raise MlflowException(
            f"Invalid value for request parameter max_results. It must be at most {threshold}, "
            f"but got value {max_results}",
            INVALID_PARAMETER_VALUE,
        )
    return max_results


def page(items: Sequence[Any], max_results: int, page_token: Optional[str]) -> PagedList:
    """One page of sorted results with MLflow's own offset tokens."""
    start = SearchUtils.parse_start_offset_from_page_token(page_token)
    end = start + max_results
    token = SearchUtils.create_page_token(end) if end < len(items) else None
    return PagedList(list(items[start:end]), token)


def page_end(max_results: int, page_token: Optional[str]) -> int:
    """How many items of the order a page reaches (its token's offset, plus its size)."""
    return SearchUtils.parse_start_offset_from_page_token(page_token) + max_results


def page_by_key(items: Sequence[tuple[Any, Any]], max_results: int, page_token: Optional[str],
                total: Optional[int] = None) -> PagedList:
    """page() of the second parts of (key, item) pairs sorted by their keys, which must be
    unique; only the page's part of the order is made (heapq.nsmallest(n) is sorted()[:n]).
    `total`: how many items the order has, when `items` holds only those that can be among
    the first page_end() of them (Listing.default_order's `first`)."""
    start = SearchUtils.parse_start_offset_from_page_token(page_token)
    end = start + max_results
    more = end < (len(items) if total is None else total)
    first = heapq.nsmallest(end, items, key=itemgetter(0)) if more else sorted(items, key=itemgetter(0))
    return PagedList([item for _, item in first[start:end]], SearchUtils.create_page_token(end) if more else None)


@functools.lru_cache(maxsize=256)
def _parsed(filter_string: str, parse: Any) -> Optional[tuple[dict[str, Any], ...]]:
    try:
        return tuple(parse.parse_search_filter(filter_string))
    except MlflowException:
        return None


def clauses(filter_string: Optional[str], parse: Any) -> Optional[tuple[dict[str, Any], ...]]:
    """MLflow's parse of a filter (shared: never changed), by `parse`, its parser for the
    entity (SearchModelUtils / SearchModelVersionUtils); None when it refuses the filter (its
    own filter then raises, with its own message). Parsed once per filter text: a parse
    (sqlparse) costs ~1 ms, and a call asks several questions of it; the filters of plain
    calls (simple_clauses) are read without it."""
    if not filter_string:
        return ()
    simple = simple_clauses(filter_string)
    return simple if simple is not None else _parsed(filter_string, parse)


PROMPT_FILTER = f"tag.`{IS_PROMPT_TAG_KEY}` != 'true'"  # what add_prompt_filter_string appends
PROMPT_CLAUSE = {"type": "tag", "key": IS_PROMPT_TAG_KEY, "comparator": "!=", "value": "true"}
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def simple_clauses(filter_string: str) -> Optional[tuple[dict[str, Any], ...]]:
    """MLflow's parse of the filters its stores are called with most, read without its parser
    (its first parse in a process builds sqlparse's lexer: ~9 ms of a fresh process's first
    call): `name = '<name>'` (letters, digits, `._-`) and the prompt clause MLflow's client adds
    (PROMPT_FILTER), joined with ` AND `. None for any other text (MLflow's parser reads it);
    tests compare both readings."""
    out = []
    for part in filter_string.split(" AND "):
        if part == PROMPT_FILTER:
            out.append(PROMPT_CLAUSE)
            continue
        key, eq, value = part.partition("=")
        value = value.strip(" ")
        if key.strip(" ") != "name" or not eq or len(value) < 3 or value[0] != "'" or value[-1] != "'" \
                or not _NAME_CHARS.issuperset(value[1:-1]):
            return None
        out.append({"type": "attribute", "key": "name", "comparator": "=", "value": value[1:-1]})
    return tuple(out)


def names_required(filter_string: Optional[str], parse: Any) -> Optional[set[str]]:
    """The model names an ANDed `name = '…'` or `name IN (…)` clause leaves possible (None: any),
    so a narrow filter reads those models only; MLflow's filter still decides on every result.
    `parse` is MLflow's parser for the entity (SearchModelUtils / SearchModelVersionUtils)."""
    if not filter_string:
        return None
    clauses_ = clauses(filter_string, parse)
    if clauses_ is None:
        return None  # MLflow's filter raises it, with its own message
    allowed: Optional[set[str]] = None
    for clause in clauses_:
        if clause.get("type") != "attribute" or clause.get("key") != "name":
            continue
        if clause.get("comparator") == "=":
            names = {clause["value"]}
        elif clause.get("comparator") == "IN":
            names = set(clause["value"])
        else:
            continue
        allowed = names if allowed is None else allowed & names
    return allowed
