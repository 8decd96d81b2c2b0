"""How many models and versions a registry holds, with a cheap check of each version.

For the clone summary: counting from ref names is O(refs), but issue 12 wants bad
versions named there too. Building every version (YAML of each manifest) made `gitreg
clone` ~6x `git clone --mirror`; this checks what can be checked at git's speed: each
version tag leads to a commit holding a manifest.yaml blob within the size limit, and
the few manifests holding YAML's anchor/alias/tag bytes are event-scanned (the alias
bomb). A manifest that parses but disagrees with its tag is left to `gitreg verify`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gitreg.core import yamlio
from gitreg.core.errors import CorruptRegistryError
from gitreg.core.names import is_version_name
from gitreg.git.objects import objscan
from gitreg.git.refs import layout, refscan
from gitreg.git.repository import Store
from gitreg.model import hostile
from gitreg.model.snapshot import model_names


@dataclass
class Census:
    models: int
    versions: int  # versions that passed the cheap check
    bad: int  # versions named in the store's problems


def take(store: Store | None) -> Census:
    if store is None:
        return Census(0, 0, 0)
    found = hostile.note_problems(store, hostile.local(store))  # tags are checked below
    foreign = {h.ref[len(layout.HEADS):] for h in found if h.ref.startswith(layout.HEADS)}
    models = [m for m in model_names(store) if m not in foreign]
    targets = {layout.tag_ref(m, v): raw for m in models
               for v, raw in store.targets_under(layout.tag_prefix(m)).items() if is_version_name(v)}
    refs = list(targets)
    gitdir = Path(store.repo.path)
    # By id where the ref scan gave one (git resolving 10,000 ref names costs more than the
    # rest), and for a packed tag by the commit its peel line names: git then reads no tag
    # object (peeling 100,000 tags was half of git's time here). `^{commit}` stays, so a tag
    # leading to a tree that holds a manifest.yaml is still bad.
    peeled = store.peeled_under(layout.TAGS)
    names = {}
    for ref, raw in targets.items():
        hexid = refscan.oid_hex(raw)
        peel = peeled.get(ref)
        if hexid is not None and peel is not None and peel[0] == raw:
            hexid = refscan.oid_hex(peel[1]) or hexid
        names[ref] = f"{hexid or ref}^{{commit}}:{layout.MANIFEST_FILE}"
    found = objscan.headers(gitdir, list(names.values()))
    bad: dict[str, str] = {}
    small: dict[str, list[str]] = {}  # blob id -> refs (versions may share a manifest)
    for ref, name in names.items():
        header = found.get(name)
        if header is None or header.kind != "blob":
            bad[ref] = f"does not lead to a commit holding a {layout.MANIFEST_FILE} file"
        elif header.size > yamlio.MANIFEST_LIMIT:
            bad[ref] = f"{layout.MANIFEST_FILE} is {header.size} bytes, over the {yamlio.MANIFEST_LIMIT}-byte limit"
        else:
            small.setdefault(header.oid, []).append(ref)
    for oid, data in objscan.contents(gitdir, small):
        try:
            yamlio.check(data, layout.MANIFEST_FILE)
        except CorruptRegistryError as exc:
            for ref in small[oid]:
                bad[ref] = str(exc)
    for ref, why in bad.items():
        store.problems.add(ref, why)
    return Census(len(models), len(refs) - len(bad), len(bad))
