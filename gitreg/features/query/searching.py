"""Search: queries over the current views of versions (`best` ranks them: ranking.py)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from gitreg.core.errors import QueryError
from gitreg.features.query import bulk, index, sorting
from gitreg.features.query.ast import names_in  # noqa: F401  (the CLI names result columns with it)
from gitreg.features.query.evaluate import compile_query
from gitreg.features.query.fields import FIELDS, INDEX_COLUMNS, field_name
from gitreg.features.query.found import Found
from gitreg.features.query.parser import parse
from gitreg.git.cache import viewindex
from gitreg.git.refs import refstate
from gitreg.git.repository import Store
from gitreg.model.snapshot import ModelSnapshot, model_names

if TYPE_CHECKING:
    from gitreg.features.query.sortkeys import SortKey, SortSpec


def search(store: Optional[Store], query: Optional[str], model: Optional[str] = None,
           sort: SortSpec = None, limit: Optional[int] = None, indexed: bool = True) -> Found:
    """The views matching `query` (checked whole before anything is read), sorted, limited.

    Every model is searched from the registry-wide index (bulk.py) unless `indexed` is
    False (then model by model, as one model always is)."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise QueryError(f"limit must be a whole number >= 0, got {limit!r}")
    tree = parse(query or "")
    keep = compile_query(tree)
    keys: list[SortKey] = []
    if sort is not None:  # the keys' module (and the directions) load only for a sort
        from gitreg.features.query.sortkeys import sort_keys

        keys = sort_keys(sort)
    found = Found([], {})
    if store is None and model is None:
        return found
    if model is None and indexed:
        found = bulk.search_all(store, tree, keep, first=limit if not keys else None)
        return _ordered(_named(store, model, tree, keys, found), keys, limit)
    # one model: O(its versions); an unknown model is an error, not an empty result
    snapshots = [ModelSnapshot.load(store, model)] if model is not None else (
        ModelSnapshot.load(store, name) for name in model_names(store))
    live = tags = None
    if store is not None and model is None:  # every model: one scan of the tag and deployment refs
        live, tags = index.deployed_models(store), index.tags_by_model(store)
    for snap in snapshots:
        name = snap.model
        if tags is not None:
            snap.adopt_tags(tags.get(name, {}))
        loaded = index.load(snap, keep, deployed_somewhere=live is None or name in live)
        found.problems += loaded.problems
        if loaded.views:
            found.snapshots[name] = loaded.snapshot
            found.views += loaded.views
    return _ordered(_named(store, model, tree, keys, found), keys, limit)


def _named(store: Store, model: Optional[str], tree: Any, keys: list[SortKey], found: Found) -> Found:
    """Note in `found.unknown` each metric the query or sort names that no version in scope
    has: a typo (`acuracy`) otherwise answers "no match" or an empty column in silence.
    The matches are checked first; the whole scope is read only when a name is still unseen."""
    names = [n for n in dict.fromkeys([*names_in(tree), *(k.name for k in keys)]) if field_name(n) is None]
    seen = {k for v in found.views for k in v["m"]}
    missing = [n for n in names if n not in seen]
    if not missing:
        return found
    count, known = _in_scope(store, model)
    if count:  # an empty scope has no names to miss
        found.unknown = [_unknown(n, known, model) for n in missing if n not in known]
    return found


def _in_scope(store: Store, model: Optional[str]) -> tuple[int, set[str]]:
    """How many versions are in scope, and every metric name they have: for every model from
    the registry-wide index when it is current (its blocks list their metrics: one file, as
    the search just left it), else model by model from the per-model caches."""
    count, known = 0, set()
    models = [model] if model is not None else model_names(store)
    if model is None:
        gitdir = Path(store.repo.path)
        found = viewindex.read(viewindex.path_of(gitdir), INDEX_COLUMNS)
        if found is not None and found.fingerprint == refstate.fingerprint(gitdir) \
                and set(found.blocks) == set(models):
            indexed = [b for b in found.blocks.values() if b.key]
            count, known = sum(b.count for b in indexed), {m for b in indexed for m in b.metrics}
            models = [b.model for b in found.blocks.values() if not b.key]
    for name in models:
        views = index.load(ModelSnapshot.load(store, name) if model is not None else ModelSnapshot(store, name)).views
        count += len(views)
        known.update(k for v in views for k in v["m"])
    return count, known


def _unknown(name: str, known: set[str], model: Optional[str]) -> str:
    import difflib

    scope = f"of {model!r}" if model is not None else "in the registry"
    close = difflib.get_close_matches(name, [*known, *FIELDS], n=1, cutoff=0.7)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    prefix, colon, rest = name.partition(":")
    if colon and field_name(prefix) is not None:  # `tag:lora_r = 16`: a shorthand with an '=' in its value
        hint = (f" (a {prefix} holding '=' is written without spaces, {prefix}:{rest}=VALUE, "
                f"or quoted, {prefix}:\"{rest}=VALUE\")")
    return f"no version {scope} has a metric named {name!r}{hint}"


def _ordered(found: Found, keys: list[SortKey], limit: Optional[int]) -> Found:
    found.views = sorting.apply(sorting.default_order(found.views), keys)
    if limit is not None:
        found.views = found.views[:limit]
    return found
