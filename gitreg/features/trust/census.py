"""How many models and versions a registry holds, with a cheap check of each version.

For the clone summary: counting from ref names is O(refs), but issue 12 wants bad
versions named there too. Building every version (YAML of each manifest) made `gitreg
clone` ~6x `git clone --mirror`; this checks what can be checked at git's speed: each
version tag leads to a commit holding a manifest.yaml blob within the size limit, and
the few manifests holding YAML's anchor/alias/tag bytes are event-scanned (the alias
bomb). A manifest that parses but disagrees with its tag is left to `gitreg verify`.

Two readers, one check: `take` reads refs through the opened Store (pygit2), `take_at` with
packed-refs and git's CLI alone, so that `gitreg clone` imports neither pygit2 nor PyYAML
(unless a manifest is suspect). The hostile-ref rules are gitreg/model/refrules.py's in both.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Collection, Mapping, Optional

from gitreg.core.errors import CorruptRegistryError, InvalidNameError
from gitreg.core.names import check_model_name, is_version_name
from gitreg.core.problems import ProblemLog
from gitreg.core.yamlbounds import MANIFEST_LIMIT, suspect
from gitreg.git.objects import objscan
from gitreg.git.refs import layout, plainkind, plainrefs, refscan
from gitreg.model import refrules

if TYPE_CHECKING:
    from gitreg.git.repository import Store


@dataclass
class Census:
    models: int
    versions: int  # versions that passed the cheap check
    bad: int  # versions named in the store's problems


def take(store: Store | None) -> Census:
    """The census of an opened registry; problems go to the store's log."""
    if store is None:
        return Census(0, 0, 0)
    from gitreg.model import hostile

    found = hostile.note_problems(store, hostile.local(store))  # tags are checked below
    return _versions(Path(store.repo.path), found, store.ref_names_under(layout.HEADS), store.targets_under,
                     store.peeled_under(layout.TAGS), store.problems)


def take_at(gitdir: Path, problems: ProblemLog) -> Census:
    """`take` of the registry at `gitdir` read without pygit2 (packed-refs, loose ref files,
    `git cat-file`, `git rev-list`): the same counts and the same problems, added to `problems`.

    Which branches are not a model's is read by git alongside the versions' check (a thread
    waits for it): the versions of every model whose name passes are checked, and those of a
    branch found foreign are then left out, as `take` never checks them."""
    packed = refscan.PackedRefs(gitdir)
    refs = plainrefs.targets(gitdir, [ns for ns in refrules.NAMESPACES if ns != layout.TAGS], packed)
    tips = {ref[len(layout.HEADS):]: tip for ref, tip in refs.items() if ref.startswith(layout.HEADS)}
    foreign: dict[str, str] = {}
    failed: list[BaseException] = []

    def judge_tips() -> None:
        try:
            foreign.update(plainkind.branch_problems(gitdir, tips))
        except BaseException as exc:  # raised below, in the caller's thread
            failed.append(exc)

    worker = threading.Thread(target=judge_tips, daemon=True)
    worker.start()
    try:
        heads = {name[len(layout.HEADS):] for name in refscan.names_under(gitdir, layout.HEADS, packed)}
        candidates = _models(heads, refrules.judge(refs, lambda _name, _tip: None))

        def tags_of(prefix: str) -> dict[str, bytes]:
            return {full[len(prefix):]: raw for full, raw in refscan.targets_under(gitdir, prefix, packed).items()}

        checked = _check(gitdir, candidates, tags_of, packed.peeled_under(layout.TAGS))
    finally:
        worker.join()
    if failed:
        raise failed[0]
    found = refrules.judge(refs, lambda name, _tip: foreign.get(name))
    for h in found:
        problems.add(h.ref, h.why)
    models = _models(heads, found)
    return _tally(models, {m: checked[m] for m in models}, problems)


def _is_model(name: str) -> bool:
    try:
        check_model_name(name)
        return True
    except InvalidNameError:
        return False


def _models(heads: Collection[str], found: list[refrules.HostileRef]) -> list[str]:
    """The models: valid branch names, hostile branches (twins, foreign) left out, in order."""
    hostile = {h.ref[len(layout.HEADS):] for h in found if h.ref.startswith(layout.HEADS)}
    return [m for m in sorted(heads) if _is_model(m) and m not in hostile]


def _versions(gitdir: Path, found: list[refrules.HostileRef], heads: Collection[str],
              tags_of: Callable[[str], Mapping[str, bytes]], peeled: Mapping[str, tuple[bytes, bytes]],
              problems: ProblemLog) -> Census:
    """Count the models (valid branch names, foreign branches left out) and check each version."""
    models = _models(heads, found)
    return _tally(models, _check(gitdir, models, tags_of, peeled), problems)


@dataclass
class Checked:
    """One model's versions after the cheap check: how many, and {bad ref: (rank, why)}; the
    rank orders problems as they were found across models (bad headers, then bad YAML)."""
    versions: int
    bad: dict[str, tuple[int, str]]


def _tally(models: list[str], checked: Mapping[str, Checked], problems: ProblemLog) -> Census:
    """The census of these models' checked versions; each bad one is noted, in the order found."""
    bad = sorted((at, ref, why) for found in checked.values() for ref, (at, why) in found.bad.items())
    for _at, ref, why in bad:
        problems.add(ref, why)
    return Census(len(models), sum(found.versions for found in checked.values()) - len(bad), len(bad))


def _check(gitdir: Path, models: list[str], tags_of: Callable[[str], Mapping[str, bytes]],
           peeled: Mapping[str, tuple[bytes, bytes]]) -> dict[str, Checked]:
    """{model: its versions checked}: each version tag leads to a commit holding a manifest.yaml
    within the size limit, and a manifest YAML could expand or construct from is event-scanned."""
    checked = {m: Checked(0, {}) for m in models}
    owner: dict[str, str] = {}
    targets: dict[str, bytes] = {}
    for m in models:
        for v, raw in tags_of(layout.tag_prefix(m)).items():
            if is_version_name(v):
                ref = layout.tag_ref(m, v)
                targets[ref] = raw
                owner[ref] = m
                checked[m].versions += 1
    # By id where the ref scan gave one (git resolving 10,000 ref names costs more than the
    # rest), and for a packed tag by the commit its peel line names: git then reads no tag
    # object (peeling 100,000 tags was half of git's time here). A tag must lead to a commit
    # (one leading to a tree that holds a manifest.yaml is bad): `^{commit}` checks that, and
    # for a peeled id git tells its type in the same pass instead, which costs it less
    # (~9 against ~14 ms at 1,000 versions); a peeled id that is still a tag is peeled by git.
    names: dict[str, str] = {}
    leads: dict[str, str] = {}  # ref -> the peeled id that must be a commit
    for ref, raw in targets.items():
        hexid = refscan.oid_hex(raw)
        peel = peeled.get(ref)
        lead = refscan.oid_hex(peel[1]) if hexid is not None and peel is not None and peel[0] == raw else None
        if lead is None:
            names[ref] = f"{hexid or ref}^{{commit}}:{layout.MANIFEST_FILE}"
        else:
            names[ref] = f"{lead}:{layout.MANIFEST_FILE}"
            leads[ref] = lead
    answers = iter(objscan.answers(gitdir, [n for ref, name in names.items()
                                            for n in ((leads[ref], name) if ref in leads else (name,))]))
    kinds: dict[str, Optional[str]] = {}  # ref -> its peeled id's type
    headers: dict[str, Optional[objscan.ObjectHeader]] = {}  # ref -> its manifest's header
    for ref in names:
        if ref in leads:
            kinds[ref] = objscan.kind(next(answers))
        headers[ref] = objscan.header(next(answers))
    tags = {ref: f"{leads[ref]}^{{commit}}:{layout.MANIFEST_FILE}" for ref, kind in kinds.items() if kind == "tag"}
    if tags:  # peeled by git after all
        found_again = objscan.headers(gitdir, list(tags.values()))
        for ref, name in tags.items():
            headers[ref] = found_again[name]
            del kinds[ref]
    bad: dict[str, str] = {}
    small: dict[str, list[str]] = {}  # blob id -> refs (versions may share a manifest)
    for ref, header in headers.items():
        if header is None or header.kind != "blob" or kinds.get(ref, "commit") != "commit":
            bad[ref] = f"does not lead to a commit holding a {layout.MANIFEST_FILE} file"
        elif header.size > MANIFEST_LIMIT:
            bad[ref] = f"{layout.MANIFEST_FILE} is {header.size} bytes, over the {MANIFEST_LIMIT}-byte limit"
        else:
            small.setdefault(header.oid, []).append(ref)
    for oid, data in objscan.contents(gitdir, small):
        if not suspect(data):  # nothing YAML could expand or construct: no parser needed
            continue
        from gitreg.core import yamlio

        try:
            yamlio.check(data, layout.MANIFEST_FILE)
        except CorruptRegistryError as exc:
            for ref in small[oid]:
                bad[ref] = str(exc)
    for at, (ref, why) in enumerate(bad.items()):
        checked[owner[ref]].bad[ref] = (at, why)
    return checked
