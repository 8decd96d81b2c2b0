"""Stored files through remotes: a bare path (git-lfs's standalone file transfer) and a real
HTTP LFS server (giftless) paired with a git remote; a second machine; plain git + git-lfs."""
from __future__ import annotations

import os
import subprocess

import pytest

from gitreg import ModelRegistry
from gitreg.core.errors import RemoteError
from tests.features.artifacts.conftest import lfs_object, run, sha256_of

BIG = 50 * 1024 * 1024


def _pushed_registry(reg, model_files, remote_url, lfs_url=None):
    """majora v1 (two GGUFs, a tokenizer) stored and deployed, published through a sync remote."""
    reg.init()
    if lfs_url:
        run("git", f"--git-dir={reg.path}", "config", "lfs.url", lfs_url)
    reg.add_remote("origin", remote_url, sync=True)
    v = reg.register_model("majora", files=[("gguf", str(model_files["q4"])), ("gguf", str(model_files["q8"])),
                                            ("tokenizer", str(model_files["tok"]))], store=True)
    reg.deploy("majora:v1")
    return v


@pytest.mark.parametrize("transport", ["file", "http"])
def test_push_then_get_production_on_a_second_machine(reg, model_files, bare_remote, lfs_server, second_machine,
                                                      transport, request):
    repo = request.node.name.replace("[", "-").rstrip("]")
    lfs_url = lfs_server.url(repo) if transport == "http" else None
    _pushed_registry(reg, model_files, str(bare_remote), lfs_url)
    q4, q8 = model_files["q4"], model_files["q8"]
    wanted = {sha256_of(q4), sha256_of(q8)}
    if transport == "http":
        assert wanted <= set(lfs_server.objects(repo))
    else:
        assert all(lfs_object(bare_remote, oid).read_bytes() for oid in wanted)

    second_machine()
    clone = ModelRegistry.clone(str(bare_remote), os.environ["GITREG_REGISTRY"])
    if lfs_url:
        run("git", f"--git-dir={clone.path}", "config", "lfs.url", lfs_url)
    assert not (clone.path / "lfs" / "objects").exists()  # fetching refs never downloads weights
    path = clone.file_path("majora@production", "gguf", name=q8.name)
    assert sha256_of(path) == sha256_of(q8)
    fetched = {p.name for p in (clone.path / "lfs" / "objects").rglob("*") if p.is_file()}
    assert fetched == {sha256_of(q8)}  # only the file asked for
    assert [sha256_of(p) for p in clone.get_files("majora@production", role="gguf")] == [sha256_of(q4), sha256_of(q8)]
    tok = clone.get_files("majora@production", role="tokenizer")[0]
    assert (tok / "tokenizer.json").read_text() == '{"version": "1.0"}'
    assert clone.verify("majora:v1", files=True).ok


def test_two_versions_sharing_a_50_mb_file_store_it_once_on_the_server(reg, tmp_path, bare_remote, lfs_server):
    base = tmp_path / "base.safetensors"
    with open(base, "wb") as fh:
        fh.write(os.urandom(1 << 20) * (BIG >> 20))
    adapter = tmp_path / "adapter.bin"
    reg.init()
    run("git", f"--git-dir={reg.path}", "config", "lfs.url", lfs_server.url("dedup"))
    reg.add_remote("origin", str(bare_remote), sync=True)
    for n in (1, 2):
        adapter.write_bytes(b"adapter %d" % n)
        reg.register_model("majora", files=[("checkpoint", str(base)), ("lora", str(adapter))], store=True)
    on_server = lfs_server.objects("dedup")
    assert len(on_server) == 3 and on_server[sha256_of(base)] == BIG
    assert reg.push().pushed == []  # nothing left to upload or push


def test_push_uploads_what_the_remote_lacks_and_no_ref_without_its_objects(reg, model_files, bare_remote,
                                                                          lfs_server, git, refs):
    reg.register_model("majora", gguf_path=str(model_files["q4"]), store=True)  # offline: no remote yet
    reg.add_remote("origin", str(bare_remote))
    run("git", f"--git-dir={reg.path}", "config", "lfs.url", "http://127.0.0.1:9/nothing-listens-here")
    run("git", f"--git-dir={reg.path}", "config", "lfs.transfer.maxretries", "1")
    with pytest.raises(RemoteError, match="cannot upload stored files to origin"):
        reg.push()
    assert refs(bare_remote) == {}  # no ref was published
    run("git", f"--git-dir={reg.path}", "config", "lfs.url", lfs_server.url("later"))
    assert "refs/tags/majora/v1" in reg.push().pushed
    assert sha256_of(model_files["q4"]) in lfs_server.objects("later")


def test_a_corrupted_object_on_the_server_is_detected(reg, model_files, bare_remote, lfs_server, second_machine):
    _pushed_registry(reg, model_files, str(bare_remote), lfs_server.url("corrupt"))
    q4 = model_files["q4"]
    on_server = lfs_server.object_file("corrupt", sha256_of(q4))
    on_server.write_bytes(b"\0" * q4.stat().st_size)
    second_machine()
    clone = ModelRegistry.clone(str(bare_remote), os.environ["GITREG_REGISTRY"])
    run("git", f"--git-dir={clone.path}", "config", "lfs.url", lfs_server.url("corrupt"))
    with pytest.raises(RemoteError, match=f"cannot download stored files from origin: expected OID {sha256_of(q4)}"):
        clone.file_path("majora@production", "gguf", name=q4.name)  # git-lfs checks the sha256 as it downloads
    assert not lfs_object(clone.path, sha256_of(q4)).exists()  # nothing bad was kept
    assert clone.file_path("majora@production", "gguf", name=model_files["q8"].name)  # the other file is fine


@pytest.mark.parametrize("transport", ["file", "http"])
def test_plain_git_and_git_lfs_materialise_the_same_bytes(reg, model_files, bare_remote, lfs_server, tmp_path,
                                                          transport, monkeypatch):
    lfs_url = lfs_server.url(f"plain-{transport}") if transport == "http" else None
    _pushed_registry(reg, model_files, str(bare_remote), lfs_url)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "plain-gitconfig"))  # git lfs install writes here
    work = tmp_path / "plain"
    run("git", "clone", "--quiet", "--no-checkout", str(bare_remote), str(work))
    run("git", "lfs", "install", "--local", cwd=work)
    if lfs_url:
        run("git", "config", "lfs.url", lfs_url, cwd=work)
    run("git", "fetch", "--quiet", "origin", "refs/tags/*:refs/tags/*", "refs/deployed/*:refs/deployed/*", cwd=work)
    run("git", "checkout", "--quiet", "majora/v1", cwd=work)
    run("git", "lfs", "pull", cwd=work)
    q4 = model_files["q4"]
    assert (work / "artifacts" / "gguf" / q4.name).read_bytes() == q4.read_bytes()
    assert (work / "artifacts" / "tokenizer" / "tokenizer" / "extra" / "merges.txt").read_text() == "a b\n"
    # what runs in production checks out the same way: deployment commits carry the pointers
    run("git", "checkout", "--quiet", "refs/deployed/production/majora", cwd=work)
    run("git", "lfs", "pull", cwd=work)
    assert sha256_of(work / "artifacts" / "gguf" / model_files["q8"].name) == sha256_of(model_files["q8"])
    assert subprocess.run(["git", "status", "--porcelain"], cwd=work, capture_output=True, text=True).stdout == ""


def test_a_version_registered_during_a_wildcard_push_never_goes_ahead_of_its_files(
        reg, model_files, bare_remote, refs, monkeypatch):
    """A push of more than EXPLICIT_MAX refs names namespaces, so git picks the refs itself; a
    version registered between the plan and git's push (here: by another ModelRegistry, right
    after the planned uploads) must not reach the remote before its stored file does. Its file
    is made unavailable, so an upload of it fails: the remote gets nothing of it."""
    import shutil

    from gitreg.features.sync import sync
    from gitreg.git.transport.remote import EXPLICIT_MAX

    for _ in range(EXPLICIT_MAX + 2):
        reg.register_model("bulk")
    reg.add_remote("origin", str(bare_remote))
    object_path = lfs_object(reg.path, sha256_of(model_files["q4"]))
    kept = object_path.parent.parent.parent / "kept"
    original, calls = sync.before_push, []

    def meanwhile(store, remote, planned):
        calls.append(sorted(planned))
        original(store, remote, planned)
        if len(calls) == 1:  # after the plan's uploads, before git pushes: another writer
            ModelRegistry(reg.path, offline=True).register_model("late", gguf_path=str(model_files["q4"]), store=True)
            shutil.move(object_path, kept)  # an upload of late's file will fail

    monkeypatch.setattr(sync, "before_push", meanwhile)
    with pytest.raises(RemoteError, match="not in this registry's LFS store"):
        reg.push()
    on_remote = refs(bare_remote)
    assert not [ref for ref in on_remote if "/late" in ref], on_remote
    assert len(calls) == 2 and "refs/tags/late/v1" in calls[1]  # planned again, with it

    monkeypatch.setattr(sync, "before_push", original)
    shutil.move(kept, object_path)
    assert "refs/tags/late/v1" in reg.push().pushed
    assert lfs_object(bare_remote, sha256_of(model_files["q4"])).is_file()
    assert {"refs/tags/late/v1", f"refs/tags/bulk/v{EXPLICIT_MAX + 2}"} <= set(refs(bare_remote))
