"""A writer remembers which of a model's loose tag names are versions, and their highest number,
keyed by the names it listed (snapshot.version_parts): whatever happens to the tags between two
of its writes (its own tags, plain-git tags of any name, deleted or packed ones), its answer is
the one a fresh listing gives, and the numbers it gives out are the ones it gave before."""
from __future__ import annotations

import subprocess

from gitreg import ModelRegistry
from gitreg.core.names import highest_number, valid_versions
from gitreg.git.repository import Store
from gitreg.model.snapshot import ModelSnapshot


def _git(path, *args) -> str:
    return subprocess.run(["git", "--git-dir", str(path), *args], check=True, capture_output=True,
                          text=True).stdout


def _parts(store: Store) -> tuple[frozenset[str], set[str], int]:
    snap = ModelSnapshot(store, "m", use_cache=False, notes=False)
    packed, loose = snap.version_parts()
    return packed, loose, snap.loose_top()


def _fresh(path) -> tuple[set[str], int]:
    """What a writer that remembers nothing finds: the loose files' names, each checked."""
    base = path / "refs/tags/m"
    names = [p.relative_to(base).as_posix() for p in base.rglob("*")
             if p.is_file() and not p.name.endswith(".lock")] if base.is_dir() else []
    loose = valid_versions(names)
    return loose, highest_number(set(loose))


def test_the_remembered_loose_versions_are_a_fresh_listings(tmp_path):
    path = tmp_path / "r.git"
    reg = ModelRegistry(path)
    store = reg._writer()
    commit = None
    changes = [
        lambda: given.append(reg.register_model("m").version),  # the listing grows by the writer's own tag
        lambda: given.append(reg.register_model("m").version),
        lambda: _git(path, "tag", "m/v9", commit),  # a higher one, by plain git
        lambda: _git(path, "tag", "m/not-a-version", commit),  # a name that is no version
        lambda: _git(path, "tag", "-d", "m/v9"),  # the highest one gone again
        lambda: _git(path, "pack-refs", "--all"),  # every loose name gone at once
        lambda: given.append(reg.register_model("m").version),
        lambda: _git(path, "tag", "m/v40.1", commit),  # a leading number above the rest
        lambda: given.append(reg.register_model("m").version),
    ]
    given: list[str] = []
    seen = []
    for i, change in enumerate(changes):
        change()
        if commit is None:
            commit = _git(path, "rev-parse", "refs/heads/m").strip()
        got = _parts(store)
        assert got[1:] == _fresh(path), f"after change {i}"
        # what the store remembers is the loose listing (not the packed names, filtered apart)
        assert store.loose_versions["m"][1:] == (frozenset(got[1]), got[2])
        seen.append(got[2])
    assert seen == [1, 2, 9, 9, 2, 0, 3, 40, 41]
    assert given == ["v1", "v2", "v3", "v41"]  # as a writer remembering nothing numbers them


def test_a_writers_next_registration_checks_only_the_names_added(tmp_path, monkeypatch):
    """The loose listing is what the writer saw last (its own tags): no loose name is checked
    again, however many the model holds; packed names, read afresh when packed-refs was
    replaced, are filtered apart and leave what it remembers of the loose ones alone."""
    from gitreg.model import snapshot

    path = tmp_path / "r.git"
    reg = ModelRegistry(path)
    for _ in range(4):
        reg.register_model("m")
    _git(path, "tag", "other/x", "refs/heads/m")
    _git(path, "pack-refs", "--all")
    for _ in range(4):
        reg.register_model("m")  # v5..v8, loose
    _git(path, "update-ref", "-d", "refs/tags/other/x")  # packed-refs rewritten: read afresh
    checked: list[int] = []
    real = snapshot.valid_versions
    monkeypatch.setattr(snapshot, "valid_versions", lambda names: checked.append(len(names)) or real(names))
    assert reg.register_model("m").version == "v9"
    assert checked == [4, 1]  # v1..v4, packed; of the loose ones only v8, written since the last listing
    assert reg.register_model("m").version == "v10"
    assert checked == [4, 1, 1]  # the listing grew by v9: only it is checked; the packed names remembered
