"""gc: what a policy purges, recorded append-only; du: bytes per model/version/role, shared once."""
from __future__ import annotations

import os

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gitreg import ModelRegistry
from gitreg.features.artifacts.get import NotAvailable
from tests.conftest import git, refs


def objects(path) -> set[str]:
    root = path / "lfs" / "objects"
    return {f.name for f in root.rglob("*") if f.is_file()} if root.exists() else set()


def oids(reg, model, version) -> set[str]:
    return {f.sha256 for f in reg.get_version(model, version).files if f.stored}


@pytest.fixture
def fixture_reg(tmp_path):
    """majora v1..v5: v1 deployed to production earlier, v2 deployed now; v1, v3, v4 deprecated or
    archived; v3 tagged keep; v4 shares its file with minora v1."""
    reg = ModelRegistry(tmp_path / "r.git")
    files = {}
    for name in ("a", "b", "c", "d", "e", "shared"):
        files[name] = tmp_path / f"{name}.bin"
        files[name].write_bytes(os.urandom(20_000))
    for name in ("a", "b", "c", "shared", "e"):
        reg.register_model("majora", files={"checkpoint": str(files[name])}, store=True)
    reg.register_model("minora", files={"checkpoint": str(files["shared"])}, store=True)
    reg.register_model("minora", files={"checkpoint": str(files["d"])}, store=True)
    reg.deploy("majora", "v1")
    reg.deploy("majora", "v2")
    reg.set_status("majora", "v1", "deprecated")
    reg.set_status("majora", "v3", "archived")
    reg.set_status("majora", "v4", "archived")
    reg.add_tags("majora", "v3", "keep")
    return reg


def test_dry_run_is_what_is_then_purged_and_history_is_kept(fixture_reg):
    reg = fixture_reg
    before = refs(reg.path)
    dry = reg.gc(keep_deployed_days=0, keep_last=1, purge_older_than_days=0, dry_run=True)
    assert objects(reg.path) and not dry.done
    # v1: deprecated, replaced in production just now (0 days kept): purged. v3: tagged keep.
    # v4: archived, but its file is minora v1's too: kept. v2 deployed, v5 the last: kept.
    assert {(p.model, p.version) for p in dry.purges} == {("majora", "v1")}
    done = reg.gc(keep_deployed_days=0, keep_last=1, purge_older_than_days=0)
    assert done.purges == dry.purges and done.freed_bytes == dry.freed_bytes == 20_000
    assert not oids(reg, "majora", "v1") & objects(reg.path)
    assert oids(reg, "majora", "v4") <= objects(reg.path)
    after = refs(reg.path)
    # only the notes ref moved, fast-forward: history appended, nothing rewritten
    assert {r for r in after if after[r] != before.get(r)} == {"refs/notes/gitreg/majora"}
    git(reg.path, "merge-base", "--is-ancestor", before["refs/notes/gitreg/majora"], after["refs/notes/gitreg/majora"])
    note = yaml.safe_load(git(reg.path, "notes", "--ref=gitreg/majora", "show", "majora/v1^{commit}"))
    [entry] = note["purged"]
    assert entry["sha256"] == next(iter(oids(reg, "majora", "v1"))) and entry["path"] == "checkpoint/a.bin"
    assert entry["purged_by"] == "Gitreg Tester <tester@example.com>" and "archived/deprecated" in entry["reason"]
    assert reg.gc(keep_deployed_days=0, keep_last=1, purge_older_than_days=0).purges == []  # nothing left


def test_recent_deployments_and_age_protect(fixture_reg):
    reg = fixture_reg
    assert reg.gc(keep_deployed_days=1, keep_last=1, purge_older_than_days=0, dry_run=True).purges == []
    assert reg.gc(keep_deployed_days=0, keep_last=1, purge_older_than_days=1, dry_run=True).purges == []
    wide = reg.gc(keep_deployed_days=0, keep_last=0, purge_older_than_days=0, dry_run=True)
    assert {(p.model, p.version) for p in wide.purges} == {("majora", "v1")}


def test_get_show_and_web_say_bytes_purged(fixture_reg, tmp_path, capsys):
    from gitreg.clients.cli.main import main
    from gitreg.clients.web.pages import _files

    reg = fixture_reg
    reg.gc(keep_deployed_days=0, keep_last=1, purge_older_than_days=0)
    with pytest.raises(NotAvailable, match=r"checkpoint/a.bin: bytes purged on \d{4}-\d\d-\d\d by Gitreg Tester"):
        reg.get_files("majora:v1", tmp_path / "out")
    code = main(["-R", str(reg.path), "get", "majora:v1", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and "bytes purged on" in err and len(err.strip().splitlines()) == 1
    assert main(["-R", str(reg.path), "show", "majora:v1"]) == 0
    assert "bytes purged on" in capsys.readouterr().out
    [row] = _files(reg.get_version("majora", "v1"))
    assert row.purged.startswith("bytes purged on") and "Gitreg Tester" in row.purged
    from gitreg.clients.web.build import build
    build(reg, tmp_path / "site")
    page = (tmp_path / "site" / "m" / "majora" / "v1.html").read_text()
    assert 'class="purged">bytes purged on' in page and "Gitreg Tester &lt;tester@example.com&gt;" in page
    assert reg.get_version("majora", "v1").to_dict()["purged"][0]["path"] == "checkpoint/a.bin"
    assert "purged" not in reg.get_version("majora", "v2").to_dict()  # other records unchanged


def test_du_counts_shared_bytes_once(fixture_reg, capsys):
    from gitreg.clients.cli.main import main

    reg = fixture_reg
    usage = reg.du()
    assert usage.models["majora"] == (5 * 20_000, 5 * 20_000)
    assert usage.models["minora"] == (2 * 20_000, 2 * 20_000)
    assert usage.total == 6 * 20_000  # majora v4 and minora v1 share a file
    assert [(r.version, r.role, r.bytes) for r in reg.du("minora").rows] == [("v1", "checkpoint", 20_000),
                                                                              ("v2", "checkpoint", 20_000)]
    reg.gc(keep_deployed_days=0, keep_last=1, purge_older_than_days=0)
    assert reg.du().here == 5 * 20_000 and reg.du().total == 6 * 20_000
    assert main(["-R", str(reg.path), "du"]) == 0
    assert "all models, shared files once" in capsys.readouterr().out


# -- property: nothing deployed is ever purged -------------------------------------------------
ops = st.lists(st.tuples(st.sampled_from(["register", "deploy", "retire", "keep"]),
                         st.integers(0, 1), st.integers(0, 5), st.integers(0, 2)), min_size=3, max_size=10)


@settings(max_examples=100 if os.environ.get("GITREG_TEST_FULL") else 8)
@given(ops=ops, keep_last=st.integers(0, 2), deployed_days=st.sampled_from([0, 1]))
def test_nothing_deployed_is_ever_purged(tmp_path_factory, ops, keep_last, deployed_days):
    root = tmp_path_factory.mktemp("prop")
    reg = ModelRegistry(root / "r.git")
    contents = [root / f"f{i}" for i in range(3)]
    for i, f in enumerate(contents):
        f.write_bytes(bytes([i]) * 1000)
    models = ["alpha", "beta"]
    for kind, m, v, x in ops:
        model = models[m]
        versions = reg.version_names(model) if reg.has_model(model) else []
        if kind == "register" or not versions:
            reg.register_model(model, files={"checkpoint": str(contents[x])}, store=True)
            continue
        version = versions[v % len(versions)]
        if kind == "deploy":
            reg.deploy(model, version, environment=["production", "staging", "dev"][x], new_environment=True)
        elif kind == "retire" and not reg.get_version(model, version).deployed:
            reg.set_status(model, version, ["archived", "deprecated", "archived"][x])
        elif kind == "keep":
            reg.add_tags(model, version, "keep")
    deployed = {(m, v) for m in models if reg.has_model(m) for v in reg.deployments(m).values() if v}
    dry = reg.gc(keep_deployed_days=deployed_days, keep_last=keep_last, purge_older_than_days=0, dry_run=True)
    done = reg.gc(keep_deployed_days=deployed_days, keep_last=keep_last, purge_older_than_days=0)
    assert dry.purges == done.purges
    here = objects(reg.path)
    for model, version in deployed:
        assert oids(reg, model, version) <= here, (model, version)
    for model in models:
        if not reg.has_model(model):
            continue
        for record in reg.list_versions(model):
            if "keep" in record.tags or record.status.value not in ("archived", "deprecated"):
                assert oids(reg, model, record.version) <= here
        for version in reg.version_names(model)[len(reg.version_names(model)) - keep_last:] if keep_last else []:
            assert oids(reg, model, version) <= here
    for p in done.purges:
        assert p.sha256 in {x.sha256 for x in reg.get_version(p.model, p.version).purged}


def test_a_hostile_purge_record_is_shown_as_text_and_a_bad_one_skipped(fixture_reg, capsys):
    from gitreg.clients.cli.main import main

    reg = fixture_reg
    oid = next(iter(oids(reg, "majora", "v5")))
    note = {"purged": [{"sha256": oid, "path": "checkpoint/e.bin", "size_bytes": 1,
                        "purged_at": "[bold red]1999[/]\x1b[2J", "purged_by": "x", "reason": "y"},
                       {"sha256": oid, "size_bytes": "not a number"}, "junk"]}
    git(reg.path, "notes", "--ref=gitreg/majora", "add", "-f", "-m", yaml.safe_dump(note), "majora/v5^{commit}")
    assert [p.purged_by for p in reg.get_version("majora", "v5").purged] == ["x"]
    assert main(["-R", str(reg.path), "show", "majora:v5"]) == 0
    out = capsys.readouterr().out
    assert "bytes purged on" in out and "[bold red]" in out and "\x1b" not in out  # markup as text


def test_a_bad_version_is_one_problem_for_du_and_stops_gc(fixture_reg):
    from gitreg.core.errors import GitregError

    reg = fixture_reg
    manifest = yaml.safe_dump({"schema": "gitreg/1", "model_name": "majora", "version": "v9",
                               "created_at": "2026-01-01T00:00:00+00:00", "status": "archived",
                               "files": [{"role": "gguf", "path": "/x", "sha256": "not-a-hash", "size_bytes": 1,
                                          "stored": "lfs"}]})
    blob = git(reg.path, "hash-object", "-w", "--stdin", input=manifest).strip()
    tree = git(reg.path, "mktree", input=f"100644 blob {blob}\tmanifest.yaml\n").strip()
    tip = refs(reg.path)["refs/heads/majora"]
    commit = git(reg.path, "commit-tree", tree, "-p", tip, "-m", "register majora v9").strip()
    git(reg.path, "tag", "-a", "-m", "v9", "majora/v9", commit)
    git(reg.path, "update-ref", "refs/heads/majora", commit, tip)
    usage = reg.du("majora")
    assert [r.version for r in usage.rows] == ["v1", "v2", "v3", "v4", "v5"]
    assert any("majora/v9" in p.ref for p in reg.problems)
    with pytest.raises(GitregError, match="gc stopped: majora cannot be read"):
        reg.gc(keep_last=0, keep_deployed_days=0, purge_older_than_days=0)
    assert len(objects(reg.path)) == 6  # nothing purged
