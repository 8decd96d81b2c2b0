"""Stored files in S3-compatible object storage: SeaweedFS behind giftless's S3 backend.

git-lfs asks giftless (the Git LFS batch API) and is handed pre-signed SeaweedFS URLs, so the
bytes go between the registry and the object store; gitreg itself is unchanged (it runs git-lfs).
"""
from __future__ import annotations

import os
import subprocess
import time

import pytest

from gitreg import ModelRegistry
from gitreg.core.errors import RemoteError
from tests.features.artifacts.conftest import run, sha256_of
from tests.servers.seaweedfs import S3LfsServer

BIG = (200 if os.environ.get("GITREG_TEST_FULL") else 8) * 1024 * 1024


def _config(reg, lfs_url):
    run("git", f"--git-dir={reg.path}", "config", "lfs.url", lfs_url)
    run("git", f"--git-dir={reg.path}", "config", "lfs.transfer.maxretries", "1")


@pytest.mark.scale
def test_store_get_dedup_verify_and_plain_git_through_the_object_store(reg, tmp_path, bare_remote, s3_lfs_server,
                                                                       second_machine, monkeypatch):
    base = tmp_path / "base.safetensors"
    with open(base, "wb") as fh:
        block = os.urandom(1 << 20)
        for _ in range(BIG >> 20):
            fh.write(block)
    adapter = tmp_path / "adapter.bin"
    reg.init()
    _config(reg, s3_lfs_server.url("s3-main"))
    reg.add_remote("origin", str(bare_remote), sync=True)
    for n in (1, 2):
        adapter.write_bytes(b"adapter %d" % n)
        reg.register_model("majora", files=[("checkpoint", str(base)), ("lora", str(adapter))], store=True)
    in_bucket = s3_lfs_server.objects("s3-main")
    assert len(in_bucket) == 3 and in_bucket[sha256_of(base)] == BIG  # the shared file once
    assert s3_lfs_server.objects("s3-main") and not any(s3_lfs_server.storage.rglob("*"))  # nothing on giftless's disk
    log = s3_lfs_server.log.read_text()
    assert "objects/batch" in log and sha256_of(base) not in log  # giftless only brokered: no object went through it

    second_machine()
    clone = ModelRegistry.clone(str(bare_remote), os.environ["GITREG_REGISTRY"])
    _config(clone, s3_lfs_server.url("s3-main"))
    [got] = clone.get_files("majora:v2", role="checkpoint")
    assert sha256_of(got) == sha256_of(base)
    assert clone.verify("majora:v2", files=True).ok

    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "plain-gitconfig"))  # plain git + git-lfs
    work = tmp_path / "plain"
    run("git", "clone", "--quiet", "--no-checkout", str(bare_remote), str(work))
    run("git", "lfs", "install", "--local", cwd=work)
    run("git", "config", "lfs.url", s3_lfs_server.url("s3-main"), cwd=work)
    run("git", "checkout", "--quiet", "majora/v1", cwd=work)
    run("git", "lfs", "pull", cwd=work)
    assert sha256_of(work / "artifacts" / "checkpoint" / base.name) == sha256_of(base)


def test_wrong_object_store_credentials_are_refused_with_one_line(tmp_path, seaweedfs, bare_remote, registry_path):
    wrong = S3LfsServer(tmp_path / "wrong", seaweedfs, secret="not-the-secret")
    try:
        weights = tmp_path / "w.bin"
        weights.write_bytes(os.urandom(4096))
        reg = ModelRegistry(registry_path)
        reg.register_model("majora", files={"checkpoint": str(weights)}, store=True)
        _config(reg, wrong.url("s3-wrong"))
        reg.add_remote("origin", str(bare_remote))
        proc = subprocess.run(["gitreg", "-R", str(registry_path), "push"], capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "cannot upload stored files to origin's LFS endpoint" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert seaweedfs.objects("s3-wrong") == {}
        assert subprocess.run(["git", f"--git-dir={bare_remote}", "for-each-ref"], capture_output=True,
                              text=True).stdout == ""  # no ref without its objects
    finally:
        wrong.stop()


def test_object_store_down_during_a_push_fails_bounded_then_retry_works(reg, tmp_path, bare_remote, seaweedfs,
                                                                        s3_lfs_server, second_machine):
    weights = tmp_path / "w.bin"
    weights.write_bytes(os.urandom(1 << 20))
    reg.init()
    _config(reg, s3_lfs_server.url("s3-restart"))
    run("git", f"--git-dir={reg.path}", "config", "lfs.activitytimeout", "10")
    reg.register_model("majora", files={"checkpoint": str(weights)}, store=True)  # offline: no remote yet
    reg.add_remote("origin", str(bare_remote))
    seaweedfs.stop()
    try:
        started = time.monotonic()
        with pytest.raises(RemoteError, match="cannot upload stored files to origin's LFS endpoint"):
            reg.push()
        assert time.monotonic() - started < 120  # bounded: no hang while the store is down
        assert subprocess.run(["git", f"--git-dir={bare_remote}", "for-each-ref"], capture_output=True,
                              text=True).stdout == ""
    finally:
        seaweedfs.start()  # same data, same ports
    assert "refs/tags/majora/v1" in reg.push().pushed  # the retry
    assert sha256_of(weights) in seaweedfs.objects("s3-restart")
    second_machine()
    clone = ModelRegistry.clone(str(bare_remote), os.environ["GITREG_REGISTRY"])
    _config(clone, s3_lfs_server.url("s3-restart"))
    assert sha256_of(clone.file_path("majora:v1", "checkpoint")) == sha256_of(weights)


def _partial_download(clone: ModelRegistry) -> bool:
    """git-lfs has started writing a download (lfs/incomplete/<oid>.part, or lfs/tmp)."""
    for sub in ("incomplete", "tmp"):
        folder = clone.path / "lfs" / sub
        if folder.exists() and any(f.is_file() and f.stat().st_size > 0 for f in folder.rglob("*")):
            return True
    return False


def test_object_store_killed_in_the_middle_of_a_download_then_restarted(reg, tmp_path, bare_remote, seaweedfs,
                                                                        s3_lfs_server, second_machine):
    import threading

    weights = tmp_path / "w.bin"
    with open(weights, "wb") as fh:
        for _ in range(64):
            fh.write(os.urandom(1 << 20))
    reg.init()
    _config(reg, s3_lfs_server.url("s3-midway"))
    reg.add_remote("origin", str(bare_remote), sync=True)
    reg.register_model("majora", files={"checkpoint": str(weights)}, store=True)
    second_machine()
    clone = ModelRegistry.clone(str(bare_remote), os.environ["GITREG_REGISTRY"])
    _config(clone, s3_lfs_server.url("s3-midway"))
    run("git", f"--git-dir={clone.path}", "config", "lfs.activitytimeout", "10")
    outcome: list[BaseException] = []

    def get() -> None:
        try:
            clone.file_path("majora:v1", "checkpoint")
        except BaseException as exc:  # noqa: BLE001  (handed to the test thread)
            outcome.append(exc)

    worker = threading.Thread(target=get)
    started = time.monotonic()
    worker.start()
    try:
        while not _partial_download(clone) and worker.is_alive():
            time.sleep(0.001)
        midway = worker.is_alive()  # bytes were flowing and the get was not done
        seaweedfs.proc.kill()  # the object store dies in the middle of the transfer
        seaweedfs.proc.wait()
        worker.join(timeout=180)
        assert not worker.is_alive(), "get hung after the object store died"
    finally:
        seaweedfs.start()  # same data, same ports
    assert midway, "the download finished before the object store could be killed"
    assert len(outcome) == 1 and isinstance(outcome[0], RemoteError), outcome
    assert "cannot download stored files from origin" in str(outcome[0])
    assert time.monotonic() - started < 180  # bounded
    assert not (clone.path / "lfs" / "objects").exists() or not any(
        f.is_file() for f in (clone.path / "lfs" / "objects").rglob("*"))  # nothing half-written kept
    assert sha256_of(clone.file_path("majora:v1", "checkpoint")) == sha256_of(weights)  # the retry


def test_gc_deletes_from_the_servers_s3_store_when_told_where(reg, tmp_path, bare_remote, seaweedfs, s3_lfs_server,
                                                              second_machine, monkeypatch):
    from gitreg.features.artifacts.get import NotAvailable

    old, new = tmp_path / "old.bin", tmp_path / "new.bin"
    old.write_bytes(os.urandom(50_000))
    new.write_bytes(os.urandom(50_000))
    reg.init()
    _config(reg, s3_lfs_server.url("s3-gc"))
    reg.add_remote("origin", str(bare_remote), sync=True)
    reg.register_model("majora", files={"checkpoint": str(old)}, store=True)
    reg.register_model("majora", files={"checkpoint": str(new)}, store=True)
    reg.set_status("majora", "v1", "archived")
    assert set(seaweedfs.objects("s3-gc")) == {sha256_of(old), sha256_of(new)}
    where = "s3://gitreg-lfs/lfs/gitreg/s3-gc"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweedfs.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    policy = dict(keep_deployed_days=0, keep_last=1, purge_older_than_days=0, server_store=where,
                  s3_endpoint=seaweedfs.endpoint)
    dry = reg.gc(dry_run=True, **policy)
    assert [p.sha256 for p in dry.purges] == [sha256_of(old)] and dry.server == f"{where} at {seaweedfs.endpoint}"
    assert len(seaweedfs.objects("s3-gc")) == 2  # a dry run deletes nothing anywhere
    with pytest.raises(RemoteError, match=r"cannot delete from s3://gitreg-lfs/lfs/gitreg/s3-gc"):
        reg.gc(**policy)  # wrong credentials: refused (the local purge is done and recorded)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweedfs.secret_key)
    again = reg.gc(**policy)  # the local bytes are gone, the record is there: the server's copy goes now
    assert [(p.sha256, p.here) for p in again.purges] == [(sha256_of(old), False)]
    assert again.server_deleted == [sha256_of(old)] and again.freed_bytes == 0
    assert set(seaweedfs.objects("s3-gc")) == {sha256_of(new)}
    assert len(reg.get_version("majora", "v1").purged) == 1  # recorded once
    reg.push()  # the purge record travels like every note
    second_machine()
    clone = ModelRegistry.clone(str(bare_remote), os.environ["GITREG_REGISTRY"])
    _config(clone, s3_lfs_server.url("s3-gc"))
    with pytest.raises(NotAvailable, match="bytes purged on"):
        clone.file_path("majora:v1", "checkpoint")
    assert sha256_of(clone.file_path("majora:v2", "checkpoint")) == sha256_of(new)
