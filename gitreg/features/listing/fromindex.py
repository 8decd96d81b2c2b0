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
from pathlib import Path
from typing import Any, Optional, Sequence

from gitreg.core.names import sort_versions, valid_versions
from gitreg.core.records import VersionStatus
from gitreg.core.rows import ListedModel
from gitreg.git.cache import viewindex
from gitreg.git.cache.cache import disabled
from gitreg.git.refs import refstate
from gitreg.git.repository import Store
from gitreg.model import manifest as mf
from gitreg.model.snapshot import READ_ERRORS, model_names

# features/query/fields.py's INDEX_COLUMNS and PARAMS_PREFIX, which cannot be imported without
# the query package (tests/features/listing checks they are equal; were they not, every read of
# the file would miss and the query package's own columns would be used: slower, never wrong)
INDEX_COLUMNS = (
    "model", "version", "created", "created_ts", "status", "registered_status", "base_model",
    "framework", "hardware", "parent", "training_data", "tag", "notes", "git_commit",
    "registered_by", "training_repo", "samples", "epochs", "batch_size", "learning_rate",
    "duration_hours", "cost_usd", "commit", "environment", "deployed", "deployed_at",
    "deployed_at_ts", "updated",
)
PARAMS_PREFIX = "params."  # the index keeps params as metrics named params.<name>

_STATUSES = frozenset(s.value for s in VersionStatus)
_NUMBERS = frozenset((int, float, type(None)))


def _refuse(text: str) -> Any:
    raise ValueError(f"not a JSON number: {text}")


_DECODER = json.JSONDecoder(parse_constant=_refuse)  # no NaN or Infinity


def answer(store: Optional[Store], models: Sequence[str]) -> dict[str, ListedModel]:
    """{model: its listing} of the models among `models` the index answers exactly."""
    if store is None or disabled() or not models:
        return {}  # GITREG_NO_CACHE: from the objects alone
    found, columns, fingerprint = _current(store)
    out: dict[str, ListedModel] = {}
    damaged: set[str] = set()
    for name in models:
        _add(store, found, columns, name, out, damaged)
    if damaged:  # a block failed a check: rebuilt from the registry, then read once more
        from gitreg.features.query import bulk, fields

        found, columns = bulk.refresh(_own(store), found, fingerprint, damaged), fields.INDEX_COLUMNS
        for name in sorted(damaged):
            _add(store, found, columns, name, out, set())
    return out


def _current(store: Store) -> tuple[viewindex.ViewIndex, Sequence[str], str]:
    """(the index as the refs are now, its columns, their fingerprint), as bulk.current
    makes it; read here without the query package when the file is current."""
    gitdir = Path(store.repo.path)
    fingerprint = refstate.fingerprint(gitdir)
    found = viewindex.read(viewindex.path_of(gitdir), INDEX_COLUMNS)
    # a file that leaves a model out is never current, whatever fingerprint it claims
    if found is not None and found.fingerprint == fingerprint and set(found.blocks) == set(model_names(store)):
        return found, INDEX_COLUMNS, fingerprint
    from gitreg.features.query import bulk, fields

    found, fingerprint = bulk.current(_own(store))
    return found, fields.INDEX_COLUMNS, fingerprint


def _own(store: Store) -> Store:
    """The registry opened again, for bringing the index up to date: what that reads of every
    model (their history too) is noted in its own problems, not in the listing's, which
    reports what its own reads find (the models it reads rows of), as a listing always has."""
    again = Store.open(Path(store.repo.path))
    assert again is not None, "a registry just read is still there"
    return again


def _add(store: Store, found: viewindex.ViewIndex, columns: Sequence[str], name: str,
         out: dict[str, ListedModel], damaged: set[str]) -> None:
    block = found.blocks.get(name)
    if block is None or not block.key:
        return  # not indexed (a version that does not read, a ref that is not a plain id)
    try:
        listed = _listed(store, found, columns, block)
    except _Damaged:
        damaged.add(name)
        return
    if listed is not None:
        out[name] = listed


class _Damaged(Exception):
    """A line of the block failed its seal or a check: the block is rebuilt."""


def _listed(store: Store, found: viewindex.ViewIndex, columns: Sequence[str],
            block: viewindex.Block) -> Optional[ListedModel]:
    """The model's listing from its block; None when the block cannot tell it exactly."""
    count, width = block.count, len(columns)
    numbers = [columns.index("version"), columns.index("status"), columns.index("environment")]
    metrics = [name for name in block.metrics if not name.startswith(PARAMS_PREFIX)]
    numbers += [width + block.metrics.index(name) for name in metrics]
    try:  # one parse for the lines (a line failing its MAC reads `null`, which no check passes)
        parsed = _DECODER.decode((b"[" + b",".join(found.line(block, n) for n in numbers) + b"]").decode())
    except (ValueError, RecursionError):
        raise _Damaged() from None
    if type(parsed) is not list or len(parsed) != len(numbers) \
            or not all(type(line) is list and len(line) == count for line in parsed):
        raise _Damaged()
    versions, statuses, environments, *values = parsed
    if not (_checked_versions(versions) and set(statuses) <= _STATUSES and _checked_environments(environments)
            and all(_checked_numbers(line) for line in values)
            and all((s == "deployed") >= bool(e) for s, e in zip(statuses, environments))):
        raise _Damaged()
    if len(metrics) < len(block.metrics):
        # a custom metric named params.<x> shares its column with param x: none may exist
        if found.row_lines(block, []) is None:  # (checks the rows' MAC)
            raise _Damaged()
        if found.data.find(b'"params.', *block.rows) != -1:
            return None
    order = _natural_order(versions)
    sorted_values = [[line[i] for i in order] for line in values]
    names = _metric_order(store, found, block, metrics, sorted_values, [versions[i] for i in order], order)
    if names is None:
        return None
    by_name = dict(zip(metrics, sorted_values))
    return ListedModel(block.model, [versions[i] for i in order], [statuses[i] for i in order],
                       [environments[i] for i in order], {n: by_name[n] for n in names})


def _checked_versions(versions: list[Any]) -> bool:
    return set(map(type, versions)) <= {str} and len(valid_versions(versions)) == len(versions)


def _checked_environments(environments: list[Any]) -> bool:
    return set(map(type, environments)) <= {list} \
        and all(set(map(type, envs)) <= {str} for envs in environments)


def _checked_numbers(values: list[Any]) -> bool:
    """Numbers or None (JSON's 1e999 reads as inf)."""
    return set(map(type, values)) <= _NUMBERS and math.inf not in values and -math.inf not in values


def _natural_order(versions: list[str]) -> list[int]:
    """Positions of the versions in natural order (the block keeps them in ref order)."""
    at = {v: i for i, v in enumerate(versions)}
    return [at[v] for v in sort_versions(versions)]


def _metric_order(store: Store, found: viewindex.ViewIndex, block: viewindex.Block, metrics: list[str],
                  values: list[list[Any]], versions: list[str], order: list[int]) -> Optional[list[str]]:
    """The metrics in rows.metric_order: most versions first, then first seen. Metrics of the
    same count first seen in the same version are in that version's order of its scores
    (EvaluationScores.flat), which the columns do not keep: it is read from its row."""
    ranked = []
    for name, line in zip(metrics, values):
        seen = [i for i, value in enumerate(line) if value is not None]
        if seen:
            ranked.append((-len(seen), seen[0], name))
    ranked.sort()
    tied = {first for (c, first, _), (c2, first2, _) in zip(ranked, ranked[1:]) if (c, first) == (c2, first2)}
    within: dict[int, list[str]] = {}
    for first in tied:
        keys = _flat_keys(found, block, order[first], versions[first])
        if keys is None:
            raise _Damaged()
        within[first] = keys
    try:
        return [name for *_, name in sorted(ranked, key=lambda r: (r[0], r[1], within[r[1]].index(r[2])
                                                                     if r[1] in within else 0))]
    except ValueError:  # a metric its row's scores do not have: the block disagrees with itself
        raise _Damaged() from None


def _flat_keys(found: viewindex.ViewIndex, block: viewindex.Block, number: int,
               version: str) -> Optional[list[str]]:
    """The metric names of one version, in its scores' order, read from its row as a listing
    reads a version (mf.read_row); None when the row fails a check."""
    lines = found.row_lines(block, [number])
    if lines is None:
        return None
    try:
        name, commit, manifest, note, *_ = _DECODER.decode(lines[0].decode("utf-8"))
        if name != version or type(commit) is not str or type(manifest) is not dict or type(note) is not dict:
            return None
        row = mf.read_row(manifest, note, model=block.model, version=version,
                          where=f"{block.model}/{version}")
    except (*READ_ERRORS, RecursionError):
        return None
    return list(row.evaluation_scores.flat())
