"""The view index's columns and rows read and checked, without pygit2 or the query language.

What bulk.py's search and catalog.py's listing both read of the index file: one column over
many blocks (parsed in one go, each block's values checked for the type its field has), and
the parts a row keeps of a version (checked here; the caller makes the record of them). A
client paging over every version from a current index (MLflow's store, catalog.py) loads
this module and the index's, not the parser, the evaluator or the registry's objects.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import chain
from typing import Any, Callable, Optional

from gitreg.core.names import is_version_name
from gitreg.core.recordbase import Record
from gitreg.features.query.fields import CHECKS
from gitreg.git.cache import viewindex


def _refuse(text: str) -> Any:
    raise ValueError(f"not a JSON number: {text}")


_DECODER = json.JSONDecoder(parse_constant=_refuse)


def json_value(data: bytes) -> Any:
    """JSON without NaN or Infinity (a UnicodeDecodeError is a ValueError too)."""
    return _DECODER.decode(data.decode("utf-8"))


def column(found: viewindex.ViewIndex, blocks: list[viewindex.Block],
           number: Callable[[viewindex.Block], Optional[int]], check: Callable[[list[Any]], bool],
           damaged: set[str]) -> list[Any]:
    """One column over all blocks, in block order (None where `number` gives a block no
    line), checked; a block whose line fails a check is added to `damaged`."""
    numbered = [(block, number(block)) for block in blocks]
    lines = [found.line(block, n) for block, n in numbered if n is not None]
    try:  # one parse for the column; per block only to find what failed
        parsed = json_value(b"[" + b",".join(lines) + b"]")
    except (ValueError, RecursionError):
        parsed = None
    if type(parsed) is not list or len(parsed) != len(lines):
        parsed = []
        for line in lines:
            try:
                parsed.append(json_value(line))
            except (ValueError, RecursionError):
                parsed.append(None)
    parts, got = [], iter(parsed)
    for block, n in numbered:
        values = next(got) if n is not None else [None] * block.count
        if type(values) is not list or len(values) != block.count:
            damaged.add(block.model)
            values = [None] * block.count
        parts.append(values)
    column = list(chain.from_iterable(parts))
    if not check(column):
        for block, values in zip(blocks, parts):
            if not check(values):
                damaged.add(block.model)
                values[:] = [None] * block.count
        column = list(chain.from_iterable(parts))
    return column


def check_models(blocks: list[viewindex.Block], models: list[Any], damaged: set[str]) -> None:
    """A block's model column names its own model, else the block is damaged."""
    at = 0
    for block in blocks:  # (counted at C speed: a column of 100,000 names in a page's first call)
        if models[at:at + block.count].count(block.model) != block.count:
            damaged.add(block.model)
        at += block.count


@dataclass(eq=False, repr=False)
class RowParts(Record):
    """What one row keeps of a version (bulk._build writes them), each checked for its type:
    a record is made of the first five as a fresh read makes it, the deployment laid on."""
    number: int
    version: str
    commit: str
    manifest: dict[str, Any]
    note: dict[str, Any]
    tagger: Optional[str]
    environments: list[str]
    deployed_at: Optional[str]


def row_parts(found: viewindex.ViewIndex, block: viewindex.Block, rows: list[int]) -> Optional[list[RowParts]]:
    """The parts of these rows of a block; None if any row fails its MAC or a check."""
    lines = found.row_lines(block, rows)
    if lines is None:
        return None
    out = []
    for number, line in zip(rows, lines):
        try:
            row = json_value(line)
            version, commit, manifest, note, tagger, envs, deployed_at = row
        except (ValueError, TypeError, RecursionError):
            return None
        if not (is_version_name(version) if type(version) is str else False) or type(commit) is not str \
                or type(manifest) is not dict or type(note) is not dict or not CHECKS["registered_by"]([tagger]) \
                or not CHECKS["environment"]([envs]) or not CHECKS["deployed_at"]([deployed_at]):
            return None
        out.append(RowParts(number, version, commit, manifest, note, tagger, envs, deployed_at))
    return out
