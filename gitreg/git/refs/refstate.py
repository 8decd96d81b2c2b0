"""Cheap names for the state of the refs a query view depends on (keys of the view index).

A view of a version is a function of the model's tag refs (tags never move), its notes
ref and its deployment refs. Two names for that state:

- `fingerprint`: the whole registry's, from the packed-refs bytes and every loose ref
  below those prefixes (name and content). Equal fingerprints mean equal refs; it costs
  one hash of packed-refs at C speed and a walk of the loose refs, never a parse.
- `model_keys`: one per model, so that after a write only the models whose refs moved
  are rebuilt. It costs one scan of each prefix.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from gitreg.git.refs import layout, refscan

if TYPE_CHECKING:  # the fingerprint is read without pygit2 (MLflow's store, from the ref files)
    from gitreg.git.repository import Store

PREFIXES = (layout.HEADS, layout.TAGS, layout.NOTES, layout.DEPLOYED)
MAX_LOOSE_REF = 4096  # bytes read of one loose ref file: a ref is ~41 bytes


def fingerprint(gitdir: Path) -> str:
    """sha256 over packed-refs and the loose refs below PREFIXES (sorted by name)."""
    digest = hashlib.sha256()
    try:
        with open(gitdir / "packed-refs", "rb") as f:
            digest.update(f.read())
    except FileNotFoundError:
        digest.update(b"-no packed-refs-")
    for name, content in sorted(_loose(gitdir)):
        digest.update(b"\0%d:%s\0%d:%s" % (len(name), name, len(content), content))
    return digest.hexdigest()


def _loose(gitdir: Path) -> list[tuple[bytes, bytes]]:
    out = []
    for prefix in PREFIXES:
        for root, _dirs, files in os.walk(gitdir / prefix):
            for name in files:
                path = os.path.join(root, name)
                try:
                    with open(path, "rb") as f:
                        content = f.read(MAX_LOOSE_REF)
                except OSError:  # pruned by a concurrent pack-refs: a packed-refs change too
                    content = b"-unreadable-"
                out.append((os.path.relpath(path, gitdir).encode("utf-8", "surrogateescape"), content))
    return out


def model_keys(store: "Store", models: list[str], tags: dict[str, dict[str, bytes]]) -> dict[str, Optional[str]]:
    """{model: sha256 of its tags, notes tip and deployment tips}; `tags` is the one scan of
    refs/tags/ ({model: {version: raw target}}). None for a model with a ref that is not a
    plain object id (symbolic or damaged: its state is not in these bytes, so it is never
    indexed). Targets are compared stripped, so packing loose refs changes no key."""
    extra: dict[str, list[bytes]] = {m: [] for m in models}
    for model, raw in store.targets_under(layout.NOTES).items():
        if model in extra:
            extra[model].append(b"n " + raw.strip())
    for name, raw in store.targets_under(layout.DEPLOYED).items():
        env, _, model = name.partition("/")
        if model in extra:
            extra[model].append(b"d %s %s" % (env.encode("utf-8", "surrogateescape"), raw.strip()))
    out: dict[str, Optional[str]] = {}
    for model in models:
        listing = tags.get(model, {})
        targets = [raw.strip() for raw in listing.values()]
        parts = [b"t %s %s" % (v.encode("utf-8", "surrogateescape"), t) for v, t in zip(listing, targets)]
        parts += extra[model]
        ids = [p.rpartition(b" ")[2] for p in extra[model]] + targets
        plain = set(map(len, ids)) <= {40, 64} and not b"".join(ids).translate(None, refscan.HEX)
        out[model] = hashlib.sha256(b"\n".join(sorted(parts))).hexdigest() if plain else None
    return out
