"""Ref listing reads loose and packed refs alike (git pack-refs / gc must change nothing)."""
from __future__ import annotations

import os
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitreg import ConcurrentUpdateError, ModelRegistry
from gitreg.git.refs.refscan import PackedRefs, _scan, _scan_sorted, names_under


def test_packed_and_loose_refs_are_both_seen(reg, registry_path, git, fsck):
    for _ in range(3):
        reg.register_model("majora")
    reg.register_model("majora-2")  # a name that shares the prefix text, not the folder
    reg.deploy("majora", "v1")
    reg.update_evaluation_scores("majora", "v1", accuracy=0.5)
    git(registry_path, "pack-refs", "--all")
    assert not (registry_path / "refs" / "tags" / "majora" / "v1").exists()

    reg.register_model("majora")  # v4: loose, beside packed v1..v3
    reg.deploy("majora", "v4")
    fresh = ModelRegistry(registry_path)
    assert [v.version for v in fresh.list_versions("majora")] == ["v1", "v2", "v3", "v4"]
    assert fresh.list_models() == ["majora", "majora-2"]
    assert fresh.deployments("majora") == {"production": "v4"}
    assert fresh.get_version("majora", "v1").evaluation_scores.accuracy == 0.5
    assert names_under(registry_path, "refs/tags/majora/") == {
        f"refs/tags/majora/v{i}" for i in range(1, 5)
    }
    git(registry_path, "gc", "--quiet")
    assert [v.version for v in ModelRegistry(registry_path).list_versions("majora")] == [
        "v1", "v2", "v3", "v4"
    ]
    assert fsck(registry_path) == []


def test_a_ref_both_loose_and_packed_counts_once(reg, registry_path, git):
    reg.register_model("majora")
    git(registry_path, "pack-refs", "--all", "--no-prune")
    assert (registry_path / "refs" / "tags" / "majora" / "v1").exists()
    assert "refs/tags/majora/v1" in (registry_path / "packed-refs").read_text()
    assert [v.version for v in reg.list_versions("majora")] == ["v1"]
    assert reg.register_model("majora").version == "v2"


def test_stale_lock_files_are_not_refs(reg, registry_path):
    reg.register_model("majora")
    (registry_path / "refs" / "tags" / "majora" / "v9.lock").write_text("")
    assert [v.version for v in reg.list_versions("majora")] == ["v1"]


def test_a_stale_lock_fails_fast_with_the_file_to_remove(reg, registry_path, refs):
    reg.register_model("majora")
    lock = registry_path / "refs" / "heads" / "majora.lock"
    lock.write_text("")
    old = time.time() - 60
    os.utime(lock, (old, old))
    before = refs(registry_path)
    started = time.monotonic()
    with pytest.raises(ConcurrentUpdateError, match=r"majora\.lock has been locked for \d+ s; no live gitreg owns it"):
        reg.register_model("majora")
    assert time.monotonic() - started < 30  # a live lock would be retried for 120 s
    assert refs(registry_path) == before
    lock.unlink()
    assert reg.register_model("majora").version == "v2"


_names = st.lists(st.from_regex(r"refs/(tags|heads|deployed)/[a-c]{1,3}(/[a-c0-9]{1,3}){0,2}", fullmatch=True),
                  unique=True, max_size=40)


@settings(max_examples=200)
@given(names=_names, peeled=st.sets(st.integers(0, 39)), prefix=st.sampled_from(
    ["refs/", "refs/tags/", "refs/tags/a/", "refs/tags/ab/", "refs/heads/", "refs/heads/c/", "refs/deployed/b/",
     "refs/tags/a/1/", "refs/z/", "refs/a"]))
def test_bisected_packed_refs_find_exactly_what_a_full_scan_finds(tmp_path_factory, names, peeled, prefix):
    """A sorted packed-refs file is bisected; the answer must equal a scan of every line."""
    lines = ["# pack-refs with: peeled fully-peeled sorted "]
    for i, name in enumerate(sorted(names)):
        lines.append(f"{i:040x} {name}")
        if i in peeled:
            lines.append(f"^{i + 1000:040x}")
    data = ("\n".join(lines) + "\n").encode()
    gitdir = tmp_path_factory.mktemp("packed")
    (gitdir / "packed-refs").write_bytes(data)
    expected = {n: f"{i:040x}".encode() for i, n in enumerate(sorted(names)) if n.startswith(prefix)}
    assert _scan(data, prefix) == expected
    assert _scan_sorted(data, prefix) == expected
    assert PackedRefs(gitdir).targets_under(prefix) == expected
    below = {n[len(prefix):]: raw for n, raw in expected.items()}
    assert _scan_sorted(data, prefix, relative=True) == below
    assert PackedRefs(gitdir).targets_under(prefix, relative=True) == below


_odd_line = st.binary(max_size=8).filter(lambda b: b"\n" not in b)


@settings(max_examples=300)
@given(names=st.lists(st.binary(min_size=1, max_size=8).filter(lambda b: b"\n" not in b and b" " not in b),
                      unique=True, max_size=30), crlf=st.booleans(), peel=st.sampled_from(["none", "all", "some"]),
       odd=st.lists(st.tuples(st.integers(0, 60), _odd_line), max_size=2), last_newline=st.booleans(),
       relative=st.booleans())
def test_the_regular_region_fast_path_reads_what_the_line_by_line_scan_reads(names, crlf, peel, odd,
                                                                             last_newline, relative):
    """All annotated tags, or none: the refs are read at C speed; anything else (names that are
    not UTF-8, CRLF, damaged lines, a missing newline) either reads the same or falls back."""
    from gitreg.git.refs.refscan import _regular_region, _scan_lines

    key = b"refs/tags/m/"
    end = b"\r\n" if crlf else b"\n"
    lines = []
    for i, n in enumerate(sorted(names)):
        lines.append(b"%040x refs/tags/m/%s" % (i, n))
        if peel == "all" or (peel == "some" and i % 3 == 0):
            lines.append(b"^%040x" % (i + 1000))
    for at, line in odd:  # damage: any line anywhere
        lines.insert(at % (len(lines) + 1), line)
    region = end.join(lines) + (end if last_newline and lines else b"")
    fast = _regular_region(region, key, relative)
    assert fast is None or fast == _scan_lines(region, key, relative)
    if not odd and not crlf and peel != "some" and not any(b"\r" in n for n in names):
        assert fast == _scan_lines(region, key, relative)  # the fast path is taken when regular
    if not odd:  # a sorted file: the bisected scan finds what the full scan finds
        data = b"# pack-refs with: peeled fully-peeled sorted \n" + region
        full = _scan(data, key.decode())
        assert _scan_sorted(data, key.decode(), relative) == (
            {n[len(key):]: t for n, t in full.items()} if relative else full)


def test_packed_version_names_stay_remembered_for_a_writer_cycling_through_many_models(reg, registry_path, git):
    """A writer round-robin over 20 models (an MLflow server) filters each model's packed tags
    once while packed-refs is the same file, not on every write."""
    models = [f"m{i:02d}" for i in range(20)]
    for name in models:
        reg.register_model(name)
    git(registry_path, "pack-refs", "--all")
    packed = PackedRefs(registry_path)
    calls: list[str] = []

    def keep(names: list[str]) -> set[str]:
        calls.append(names[0] if names else "")
        return set(names)

    first = {m: packed.names_under(f"refs/tags/{m}/", keep) for m in models}
    assert all(first[m] == {"v1"} for m in models) and len(calls) == 20
    again = {m: packed.names_under(f"refs/tags/{m}/", keep) for m in models}
    assert len(calls) == 20 and all(again[m] is first[m] for m in models)
    git(registry_path, "tag", "-a", "-m", "x", "m00/v2", "refs/heads/m00")
    git(registry_path, "pack-refs", "--all")  # a new packed-refs file: filtered afresh
    assert packed.names_under("refs/tags/m00/", keep) == {"v1", "v2"} and len(calls) == 21
