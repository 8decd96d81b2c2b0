"""`gitreg list` from the registry-wide view index (git/cache/viewindex.py).

A list line shows a version's name, current status, environments and a metric or two. The
view index holds each of those as one sealed line per model, current with the refs by their
fingerprint: reading them costs one file and a few JSON lines per model, where the rows
(ModelSnapshot.all_rows) cost a sealed cache file per model and a JSON manifest per version.

The index is untrusted like every cache (DESIGN.md 'Caches') and never the truth: a model is
answered from it only when its lines pass every check and determine the listing exactly
(`answer`); any other model (not indexed, a line that fails a check, a custom metric named
like a param, whose column the index shares with the param) is left out, for the caller to
read its rows as before. A stale index is brought up to date as `gitreg search` does
(bulk.current); blocks that fail a check are rebuilt once.

The query package (features/query) is imported only to bring the index up to date: its
import costs ~17 ms, more than answering a warm listing.
"""
from __future__ import annotations

import json
import math
import re
from itertools import chain, compress
from pathlib import Path
from typing import Any, Optional, Sequence

from gitreg.core.listed import ListedModel
from gitreg.core.names import sort_versions
from gitreg.core.records import VersionStatus
from gitreg.core.rows import LINE_LIMIT, line_metrics
from gitreg.git.cache import viewindex
from gitreg.git.cache.cache import disabled
from gitreg.git.cache.viewcolumns import INDEX_COLUMNS, PARAMS_PREFIX
from gitreg.git.refs import refstate
from gitreg.git.repository import Store
from gitreg.model import manifest as mf
from gitreg.model.snapshot import READ_ERRORS

_STATUSES = frozenset(s.value for s in VersionStatus)
_NUMBERS = frozenset((int, float, type(None)))


def _refuse(text: str) -> Any:
    raise ValueError(f"not a JSON number: {text}")


_DECODER = json.JSONDecoder(parse_constant=_refuse)  # no NaN or Infinity


def answer(store: Optional[Store], models: Sequence[str], wanted: Optional[list[str]] = None
           ) -> dict[str, ListedModel]:
    """{model: its listing showing `wanted` metrics (None: line_metrics's choice)} of the
    models among `models` the index answers exactly."""
    if store is None or disabled() or not models:
        return {}  # GITREG_NO_CACHE: from the objects alone
    found, fingerprint = _current(store)
    out: dict[str, ListedModel] = {}
    damaged: set[str] = set()
    for name in models:
        _add(found, name, wanted, out, damaged)
    if damaged:  # a block failed a check: rebuilt from the registry, then read once more
        from gitreg.features.query import bulk

        found = bulk.refresh(_own(store), found, fingerprint, damaged)
        for name in sorted(damaged):
            _add(found, name, wanted, out, set())
    return out


def _current(store: Store) -> tuple[viewindex.ViewIndex, str]:
    """(the index as the refs are now, their fingerprint), as bulk.current
    makes it; read here without the query package when the file is current. (A file that
    leaves a model out, which bulk.current rebuilds, costs no wrong answer here: that
    model's rows are read.)"""
    gitdir = Path(store.repo.path)
    fingerprint = refstate.fingerprint(gitdir)
    found = viewindex.read(viewindex.path_of(gitdir), INDEX_COLUMNS)
    if found is not None and found.fingerprint == fingerprint:
        return found, fingerprint
    from gitreg.features.query import bulk

    return bulk.current(_own(store))


def _own(store: Store) -> Store:
    """The registry opened again, for bringing the index up to date: what that reads of every
    model (their history too) is noted in its own problems, not in the listing's, which
    reports what its own reads find (the models it reads rows of), as a listing always has."""
    again = Store.open(Path(store.repo.path))
    assert again is not None, "a registry just read is still there"
    return again


def _add(found: viewindex.ViewIndex, name: str, wanted: Optional[list[str]],
         out: dict[str, ListedModel], damaged: set[str]) -> None:
    block = found.blocks.get(name)
    if block is None or not block.key:
        return  # not indexed (a version that does not read, a ref that is not a plain id)
    try:
        listed = _Block(found, block).listed(wanted)
    except _Damaged:
        damaged.add(name)
        return
    if listed is not None:
        out[name] = listed


class _Damaged(Exception):
    """A line of the block failed its seal or a check: the block is rebuilt."""


# A null score among a version's custom metrics or rouge parts (EvaluationScores.flat keeps
# them, so they count in metric_order; the index keeps numbers only), found in the rows as
# the index writes them (compact JSON): an object of such members, all numbers up to a null.
# Anything else that matches (a params mapping named so) only costs reading the rows.
# (Compiled when first used, by re's own cache: most listings show accuracy and never need it.)
_NULL_SCORE = (rb'"(?:custom_metrics|rouge)":\{(?:"(?:[^"\\]|\\.)*":[-+0-9.eE]+,)*"(?:[^"\\]|\\.)*":null')


class _Block:
    """One model's block, its lines parsed when first needed and checked."""

    def __init__(self, found: viewindex.ViewIndex, block: viewindex.Block):
        self.found, self.block = found, block
        self.count = block.count
        self.scores = [m for m in block.metrics if not m.startswith(PARAMS_PREFIX)]  # the rest are params
        self.rows_checked = False
        self.parsed: dict[str, list[Any]] = {}  # metric lines parsed and checked

    def listed(self, wanted: Optional[list[str]]) -> Optional[ListedModel]:
        """The model's listing from its block; None when the block cannot tell it exactly."""
        accuracy = wanted is None and "accuracy" in self.scores  # (most models have it: read at once)
        versions, statuses, environments, *parsed = self.lines(["version", "status", "environment"],
                                                                ["accuracy"] if accuracy else [])
        # a deployed version's status is `deployed` (its row's, as the index stores it)
        if not (_checked_versions(versions) and set(statuses) <= _STATUSES and _checked_environments(environments)
                and set(compress(statuses, environments)) <= {"deployed"}):
            raise _Damaged()
        if accuracy:
            self.parsed["accuracy"] = parsed[0]
        order = _natural_order(versions)
        if wanted is not None:
            shown = wanted
            if any(n.startswith(PARAMS_PREFIX) for n in wanted) and not self.rows_free_of(b'"params.'):
                return None  # a custom metric named params.<x> shares its column with param x
        elif accuracy and self.metric("accuracy").count(None) < self.count:
            shown = ["accuracy"]  # the model has accuracy: what else it has does not matter
        else:
            ranked = self.ranked(order)
            if ranked is None:
                return None
            shown = line_metrics(ranked, None)

        def natural(line: list[Any]) -> list[Any]:
            return list(map(line.__getitem__, order))

        values = {name: natural(self.metric(name)) if name in self.scores else [None] * self.count
                  for name in dict.fromkeys(shown)}
        return ListedModel(self.block.model, natural(versions), natural(statuses), natural(environments),
                           list(shown), values)

    def lines(self, keys: list[str], metrics: list[str]) -> list[list[Any]]:
        """These columns and metric lines, parsed in one go, each `count` long (else _Damaged);
        a line failing its MAC reads `null`, which fails the length check."""
        width, block = len(INDEX_COLUMNS), self.block
        numbers = [INDEX_COLUMNS.index(k) for k in keys] + [width + block.metrics.index(m) for m in metrics]
        try:
            parsed = _DECODER.decode((b"[" + b",".join(self.found.line(block, n) for n in numbers) + b"]").decode())
        except (ValueError, RecursionError):
            raise _Damaged() from None
        if type(parsed) is not list or len(parsed) != len(numbers) \
                or not all(type(line) is list and len(line) == self.count for line in parsed):
            raise _Damaged()
        if not all(_checked_numbers(line) for line in parsed[len(keys):]):
            raise _Damaged()
        return parsed

    def metric(self, name: str) -> list[Any]:
        if name not in self.parsed:
            self.parsed[name] = self.lines([], [name])[0]
        return self.parsed[name]

    def rows_free_of(self, needle: bytes) -> bool:
        """Whether the block's rows hold no `needle`."""
        return self.found.data.find(needle, *self.sealed_rows()) == -1

    def sealed_rows(self) -> tuple[int, int]:
        """Where the block's rows are, once their MAC is checked."""
        if not self.rows_checked:
            if self.found.row_lines(self.block, []) is None:
                raise _Damaged()
            self.rows_checked = True
        return self.block.rows

    def ranked(self, order: list[int]) -> Optional[list[str]]:
        """The model's metrics in rows.metric_order, as far as line_metrics looks (the first
        LINE_LIMIT exactly); None when the rows hold what the columns cannot tell: a null
        score (counted by metric_order, not kept by the index) or a custom metric named
        params.<x> (its column is shared with the param)."""
        if len(self.scores) < len(self.block.metrics) and not self.rows_free_of(b'"params.'):
            return None
        if re.compile(_NULL_SCORE).search(self.found.data, *self.sealed_rows()) is not None:
            return None
        ranked = []
        for name, line in zip(self.scores, map(self.metric, self.scores)):
            seen = [n for n, i in enumerate(order) if line[i] is not None]  # positions in natural order
            if seen:
                ranked.append((-len(seen), seen[0], name))
        ranked.sort()
        # metrics of the same count first seen in the same version are in that version's
        # order of its scores (EvaluationScores.flat), which the columns do not keep
        keys = [r[:2] for r in ranked]
        within: dict[int, list[str]] = {}
        for at, key in enumerate(keys[:LINE_LIMIT]):
            first = key[1]
            if keys.count(key) > 1 and first not in within:
                names = self.flat_keys(order[first])
                if names is None:
                    raise _Damaged()
                within[first] = names
        try:
            return [r[2] for r in sorted(ranked, key=lambda r: (r[0], r[1], within[r[1]].index(r[2])
                                                                if r[1] in within else 0))]
        except ValueError:  # a metric its row's scores do not have: the block disagrees with itself
            raise _Damaged() from None

    def flat_keys(self, number: int) -> Optional[list[str]]:
        """The metric names of one version (row `number`), in its scores' order, read from its
        row as a listing reads a version (mf.read_row); None when the row fails a check."""
        lines = self.found.row_lines(self.block, [number])
        if lines is None:
            return None
        try:
            version, commit, manifest, note, *_ = _DECODER.decode(bytes(lines[0]).decode())
            if type(version) is not str or type(commit) is not str or type(manifest) is not dict \
                    or type(note) is not dict:
                return None
            row = mf.read_row(manifest, note, model=self.block.model, version=version,
                              where=f"{self.block.model}/{version}")
        except (*READ_ERRORS, RecursionError):
            return None
        return list(row.evaluation_scores.flat())


def _checked_versions(versions: list[Any]) -> bool:
    """Names, each once (as the query's version column is checked: the names are those of the
    tags the block was made of, listed as valid, and sealed since; the order takes any text)."""
    return set(map(type, versions)) <= {str} and len(set(versions)) == len(versions)


def _checked_environments(environments: list[Any]) -> bool:
    return set(map(type, environments)) <= {list} and set(map(type, chain.from_iterable(environments))) <= {str}


def _checked_numbers(values: list[Any]) -> bool:
    """Numbers or None (JSON's 1e999 reads as inf)."""
    return set(map(type, values)) <= _NUMBERS and math.inf not in values and -math.inf not in values


def _natural_order(versions: list[str]) -> list[int]:
    """Positions of the versions in natural order (the block keeps them in ref order)."""
    at = dict(zip(versions, range(len(versions))))
    return list(map(at.__getitem__, sort_versions(versions)))
