"""Offline bundles: round trips, divergence, corruption, incremental bundles (real git, real tar)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import tarfile

import pytest

from gitreg import ModelRegistry
from gitreg.core.errors import GitregError, ModelNotFoundError
from gitreg.features.bundle import archive
from gitreg.features.bundle.archive import BundleError
from tests.conftest import fsck_problems, refs


def lfs_objects(path) -> set[str]:
    root = path / "lfs" / "objects"
    return {f.name for f in root.rglob("*") if f.is_file()} if root.exists() else set()


def gitreg_refs(path) -> dict[str, str]:
    return {r: o for r, o in refs(path).items() if not r.startswith("refs/gitreg/")}


@pytest.fixture
def source(tmp_path):
    """Two models with stored files (one shared), a deployment, a note."""
    reg = ModelRegistry(tmp_path / "source.git")
    w1, w2 = tmp_path / "w1.gguf", tmp_path / "w2.gguf"
    w1.write_bytes(os.urandom(200_000))
    w2.write_bytes(os.urandom(120_000))
    reg.register_model("majora", files={"gguf": str(w1)}, store=True, notes="0.8")
    reg.register_model("majora", files={"gguf": str(w2)}, store=True, notes="0.9")
    reg.deploy("majora", "v1")
    reg.update_evaluation_scores("majora", "v1", accuracy=0.8)
    reg.register_model("minora", files={"gguf": str(w1)}, store=True)
    return reg


def test_round_trip_into_an_empty_registry(source, tmp_path):
    made = source.bundle_create(tmp_path / "all.grb")
    assert set(made.lfs) == lfs_objects(source.path) and len(made.lfs) == 2  # the shared file once
    target = ModelRegistry(tmp_path / "target.git")
    done = target.unbundle(tmp_path / "all.grb")
    assert not done.integration.conflicts and done.objects_added == 2
    assert gitreg_refs(target.path) == gitreg_refs(source.path)
    assert lfs_objects(target.path) == lfs_objects(source.path)
    assert fsck_problems(target.path) == []
    v2 = target.get_version("majora", "v2")
    assert target.deployments("majora") == {"production": "v1"}
    assert target.get_version("majora", "v1").evaluation_scores.accuracy == 0.8
    out = tmp_path / "got"
    [got] = target.get_files("majora:v2", out)  # no remote anywhere: the bytes came in the bundle
    assert got.read_bytes() == (tmp_path / "w2.gguf").read_bytes()
    assert v2.files[0].stored == "lfs"


def test_plain_tools_read_the_bundle(source, tmp_path):
    made = source.bundle_create(tmp_path / "all.grb")
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    subprocess.run(["tar", "xf", str(tmp_path / "all.grb"), "-C", str(unpacked)], check=True)
    heads = subprocess.run(["git", "bundle", "list-heads", str(unpacked / "refs.bundle")],
                           capture_output=True, text=True, check=True).stdout
    assert dict(reversed(line.split(" ", 1)) for line in heads.splitlines()) == made.refs
    sealed = (unpacked / "SHA256").read_text().strip()
    data = (tmp_path / "all.grb").read_bytes()
    with tarfile.open(tmp_path / "all.grb") as tf:
        seal = tf.getmember("SHA256")
    assert hashlib.sha256(data[:seal.offset]).hexdigest() == sealed
    for oid in made.lfs:
        assert hashlib.sha256((unpacked / "lfs" / oid).read_bytes()).hexdigest() == oid


def test_diverged_registry_gets_conflicts_per_model_and_nothing_rewritten(source, tmp_path):
    bundle = tmp_path / "all.grb"
    source.bundle_create(bundle, ["majora"])
    target = ModelRegistry(tmp_path / "target.git")
    target.unbundle(bundle)
    # both sides register majora v3 separately; the source also adds a new model
    source.register_model("majora", notes="0.95")
    source.register_model("newmodel", notes="0.5")
    target.register_model("majora", notes="0.1")
    before = gitreg_refs(target.path)
    source.bundle_create(bundle)
    done = target.unbundle(bundle)
    conflicted = {c.model for c in done.integration.conflicts}
    assert conflicted == {"majora"}
    assert "refs/tags/majora/v3" in done.describe()
    after = gitreg_refs(target.path)
    assert {r: o for r, o in after.items() if "majora" in r} == {r: o for r, o in before.items() if "majora" in r}
    assert after["refs/heads/newmodel"] == gitreg_refs(source.path)["refs/heads/newmodel"]
    mirrored = refs(target.path)["refs/gitreg/remotes/_bundle/tags/majora/v3"]
    assert mirrored == gitreg_refs(source.path)["refs/tags/majora/v3"]  # the bundle's side is kept
    assert target.get_version("majora", "v3").notes == "0.1"


def test_unbundle_adds_versions_registered_meanwhile_by_merging(source, tmp_path):
    bundle = tmp_path / "b.grb"
    source.bundle_create(bundle, ["majora"])
    target = ModelRegistry(tmp_path / "target.git")
    target.unbundle(bundle)
    source.register_model("majora", version="v10", notes="0.3")
    target.register_model("majora", version="v20", notes="0.4")
    source.bundle_create(bundle, ["majora"])
    done = target.unbundle(bundle)
    assert done.integration.merged == ["refs/heads/majora"] and not done.integration.conflicts
    assert {v.version for v in target.list_versions("majora")} == {"v1", "v2", "v10", "v20"}


def _positions(size: int) -> list[int]:
    return sorted({0, 100, 511, 600, size // 3, size // 2, size - 9000, size - 600, size - 2000, size - 1})


def test_a_flipped_byte_anywhere_is_refused_with_nothing_written(source, tmp_path):
    good = tmp_path / "all.grb"
    source.bundle_create(good)
    data = good.read_bytes()
    existing = ModelRegistry(tmp_path / "existing.git")
    existing.register_model("other", notes="0.1")
    state = refs(existing.path), lfs_objects(existing.path)
    for pos in _positions(len(data)):
        bad = tmp_path / f"bad-{pos}.grb"
        bad.write_bytes(data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1:])
        with pytest.raises(BundleError):
            existing.bundle_verify(bad)
        with pytest.raises(BundleError):
            existing.unbundle(bad)
        assert (refs(existing.path), lfs_objects(existing.path)) == state, pos
        assert not (existing.path / "lfs").exists()  # nothing staged either
        empty = ModelRegistry(tmp_path / f"empty-{pos}.git")
        with pytest.raises(BundleError):
            empty.unbundle(bad)
        assert not empty.path.exists(), pos  # not even created


@pytest.mark.parametrize("keep", [0, 10, 512, 1500, -10240, -1024, -1])
def test_a_truncated_bundle_is_refused(source, tmp_path, keep):
    good = tmp_path / "all.grb"
    source.bundle_create(good)
    data = good.read_bytes()
    cut = tmp_path / "cut.grb"
    cut.write_bytes(data[:keep] if keep >= 0 else data[:len(data) + keep])
    target = ModelRegistry(tmp_path / "target.git")
    with pytest.raises(BundleError):
        target.unbundle(cut)
    assert not target.path.exists()


def test_incremental_bundle_carries_only_what_is_new(source, tmp_path):
    first, second = tmp_path / "1.grb", tmp_path / "2.grb"
    made1 = source.bundle_create(first)
    w3 = tmp_path / "w3.bin"
    w3.write_bytes(os.urandom(50_000))
    source.register_model("majora", files={"checkpoint": str(w3)}, store=True)
    source.update_evaluation_scores("minora", "v1", accuracy=0.7)
    made2 = source.bundle_create(second, since=first)
    assert set(made2.refs) == {"refs/heads/majora", "refs/tags/majora/v3", "refs/notes/gitreg/minora"}
    assert list(made2.lfs) == [hashlib.sha256(w3.read_bytes()).hexdigest()]
    assert set(made2.state_lfs) == set(made1.lfs) | set(made2.lfs)
    assert second.stat().st_size < first.stat().st_size / 4
    assert made2.prerequisites  # it builds on the first bundle's commits
    with pytest.raises(GitregError, match="nothing new"):
        source.bundle_create(tmp_path / "3.grb", since=second)
    target = ModelRegistry(tmp_path / "target.git")
    with pytest.raises(BundleError, match="earlier one"):
        target.unbundle(second)
    assert not target.path.exists()
    assert target.bundle_verify(second).missing == made2.prerequisites
    target.unbundle(first)
    assert target.bundle_verify(second).missing == []
    target.unbundle(second)
    assert gitreg_refs(target.path) == gitreg_refs(source.path)
    assert lfs_objects(target.path) == lfs_objects(source.path)
    assert target.get_version("minora", "v1").evaluation_scores.accuracy == 0.7


def test_a_version_carries_its_history_but_only_its_own_bytes(source, tmp_path):
    made = source.bundle_create(tmp_path / "v1.grb", ["majora:v1"])
    v1 = source.get_version("majora", "v1").files[0].sha256
    assert list(made.lfs) == [v1]
    assert "refs/tags/majora/v2" not in made.refs and "refs/deployed/production/majora" in made.refs
    target = ModelRegistry(tmp_path / "target.git")
    target.unbundle(tmp_path / "v1.grb")
    assert [v.version for v in target.list_versions("majora")] == ["v1"]
    assert target.deployments("majora") == {"production": "v1"}
    assert fsck_problems(target.path) == []
    later = source.bundle_create(tmp_path / "all.grb", ["majora"], since=tmp_path / "v1.grb")
    assert v1 not in later.lfs
    done = target.unbundle(tmp_path / "all.grb")
    assert done.integration.advanced == ["refs/heads/majora"] and not done.integration.conflicts
    assert [v.version for v in target.list_versions("majora")] == ["v1", "v2"]


def test_missing_model_or_bytes_refuse_to_bundle(source, tmp_path):
    with pytest.raises(ModelNotFoundError):
        source.bundle_create(tmp_path / "x.grb", ["nosuch"])
    for obj in (source.path / "lfs" / "objects").rglob("*"):
        if obj.is_file() and obj.name == source.get_version("majora", "v2").files[0].sha256:
            obj.chmod(0o644)
            obj.unlink()
    with pytest.raises(GitregError, match="gitreg get majora:v2"):
        source.bundle_create(tmp_path / "x.grb", ["majora"])
    assert not (tmp_path / "x.grb").exists() and not list(tmp_path.glob(".x.grb*"))


def _sealed(path, manifest: bytes, members: dict[str, bytes]) -> None:
    writer = archive.Writer(path)
    writer.add_bytes(archive.MANIFEST, manifest)
    for name, data in members.items():
        writer.add_bytes(name, data)
    writer.finish()


def test_a_sealed_but_lying_bundle_is_refused(source, tmp_path):
    """A bundle whose seal is right but whose content lies (made by hand, not by gitreg)."""
    import yaml

    good = tmp_path / "all.grb"
    made = source.bundle_create(good)
    with tarfile.open(good) as tf:
        members = {m.name: tf.extractfile(m).read() for m in tf.getmembers() if m.name != "SHA256"}
    doc = yaml.safe_load(members.pop(archive.MANIFEST))
    target = ModelRegistry(tmp_path / "target.git")
    oid = next(iter(made.lfs))
    cases = {
        "swapped object": (doc, {**members, f"lfs/{oid}": b"x" * made.lfs[oid]}),
        "foreign ref": ({**doc, "refs": {**doc["refs"], "refs/heads/../x": "0" * 40}}, members),
        "code branch": ({**doc, "refs": {**doc["refs"], "refs/remotes/x": "0" * 40}}, members),
        "extra member": (doc, {**members, "lfs/" + "0" * 64: b""}),
        "bad model name": ({**doc, "models": ["../../etc"]}, members),
        "other format": ({**doc, "format": "gitreg-bundle/9"}, members),
    }
    for why, (manifest, files) in cases.items():
        bad = tmp_path / f"{why}.grb"
        _sealed(bad, yaml.safe_dump(manifest).encode(), files)
        with pytest.raises(BundleError):
            target.unbundle(bad)
        assert not target.path.exists(), why
    assert hashlib.sha256(members[f"lfs/{oid}"]).hexdigest() == oid


def test_a_damaged_local_object_is_not_bundled(source, tmp_path):
    oid = source.get_version("majora", "v2").files[0].sha256
    obj = source.path / "lfs" / "objects" / oid[:2] / oid[2:4] / oid
    obj.chmod(0o644)
    with open(obj, "r+b") as fh:
        fh.write(b"rot")
    with pytest.raises(GitregError, match="damaged"):
        source.bundle_create(tmp_path / "x.grb")
    assert not (tmp_path / "x.grb").exists()


def _unbundle_in_a_process(target, bundle) -> subprocess.Popen:
    return subprocess.Popen(["gitreg", "-R", str(target), "bundle", "unbundle", str(bundle)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_an_unbundle_waits_for_the_one_under_way(source, tmp_path):
    """Every unbundle fetches into one mirror and integrates from it: two bundles of one model
    at once would integrate each other's refs. The second waits for the first's lock."""
    import fcntl

    from gitreg.features.bundle import bundle

    source.bundle_create(tmp_path / "all.grb")
    target = ModelRegistry(tmp_path / "target.git")
    target.init()
    with open(target.path / bundle.LOCK_FILE, "a+") as held:  # as an unbundle under way holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        run = _unbundle_in_a_process(target.path, tmp_path / "all.grb")
        with pytest.raises(subprocess.TimeoutExpired):
            run.wait(timeout=3)
        assert gitreg_refs(target.path) == {}  # nothing fetched or integrated meanwhile
        fcntl.flock(held, fcntl.LOCK_UN)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert gitreg_refs(target.path) == gitreg_refs(source.path)
