"""Manifest paths are untrusted; local inputs must be regular files (DESIGN.md 'manifest.yaml')."""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
import yaml

from gitreg.core.errors import CorruptRegistryError, InvalidValueError
from gitreg.features.artifacts.place import UnsafeDestination
from tests.features.artifacts.conftest import sha256_of


def _forge_v2(git, registry_path, change) -> None:
    """Write majora v2 with plain git: v1's manifest changed by `change`, on the branch, tagged."""
    manifest = yaml.safe_load(git(registry_path, "show", "majora/v1:manifest.yaml"))
    manifest["version"] = "v2"
    change(manifest)
    blob = git(registry_path, "hash-object", "-w", "--stdin", input=yaml.safe_dump(manifest)).strip()
    tree = git(registry_path, "mktree", input=f"100644 blob {blob}\tmanifest.yaml\n").strip()
    tip = git(registry_path, "rev-parse", "refs/heads/majora").strip()
    commit = git(registry_path, "commit-tree", tree, "-p", tip, "-m", "forged").strip()
    git(registry_path, "update-ref", "refs/heads/majora", commit, tip)
    git(registry_path, "tag", "-a", "-m", "majora v2", "majora/v2", commit)


@pytest.mark.parametrize("where, bad", [
    ("contents", "../../evil"), ("contents", "a/../../../evil"), ("contents", "/tmp/evil-absolute"),
    ("contents", ""), ("contents", "x\ny"), ("path", "/models/.."), ("role", "../../evil"),
])
def test_path_traversal_manifests_are_refused(reg, registry_path, model_files, git, tmp_path, where, bad):
    reg.register_model("majora", files={"tokenizer": str(model_files["tok"])}, store=True)

    def change(manifest):
        entry = manifest["files"][0]
        if where == "contents":
            entry["contents"][0]["path"] = bad
        else:
            entry[where] = bad

    _forge_v2(git, registry_path, change)
    out = tmp_path / "deep" / "out"
    for dest in (None, out):
        with pytest.raises(CorruptRegistryError, match="majora/v2:manifest.yaml"):
            reg.get_files("majora:v2", dest=dest)
    assert not (tmp_path / "evil").exists() and not (tmp_path / "deep" / "evil").exists()
    assert not os.path.exists("/tmp/evil-absolute")
    assert not out.exists()  # refused before anything was written
    report = reg.verify("majora:v2", files=True)
    assert not report.ok and "majora/v2:manifest.yaml" in report.failures[0].problems[0]
    assert reg.get_version("majora:v2").version == "v2"  # reading the version itself still works


def test_symlinks_in_the_destination_are_not_followed(reg, model_files, tmp_path):
    reg.register_model("majora", files=[("tokenizer", str(model_files["tok"])), ("gguf", str(model_files["q4"]))],
                       store=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.gguf"
    victim.write_bytes(b"keep me")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "tokenizer").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafeDestination, match="is a symlink or not a directory"):
        reg.get_files("majora", dest=dest, role="tokenizer")
    assert sorted(p.name for p in outside.iterdir()) == ["victim.gguf"]
    (dest / "gguf").mkdir()
    (dest / "gguf" / model_files["q4"].name).symlink_to(victim)  # the file itself a link: replaced, not written through
    placed = reg.get_files("majora", dest=dest, role="gguf")[0]
    assert not placed.is_symlink() and sha256_of(placed) == sha256_of(model_files["q4"])
    assert victim.read_bytes() == b"keep me"


@pytest.fixture
def special_files(tmp_path):
    fifo = tmp_path / "pipe.gguf"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock.gguf"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    yield {"FIFO": fifo, "socket": sock_path, "character device": "/dev/zero"}
    sock.close()


@pytest.mark.parametrize("kind", ["FIFO", "socket", "character device"])
@pytest.mark.parametrize("store", [False, True])
def test_only_regular_files_are_hashed(reg, special_files, kind, store):
    path = special_files[kind]
    with pytest.raises(InvalidValueError, match=f"is a {kind}: only regular files and directories are recorded"):
        reg.register_model("majora", gguf_path=str(path), store=store)
    with pytest.raises(InvalidValueError, match=f"is a {kind}"):
        reg.register_model("majora", files=[("gguf", "/dev/null")] if kind == "character device" else [("x", path)])
    assert reg.list_models() == []


def test_directories_with_special_or_unreadable_parts_are_refused(reg, tmp_path):
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "weights.bin").write_bytes(b"w")
    os.mkfifo(adapter / "pipe")
    with pytest.raises(InvalidValueError, match="pipe is a FIFO"):
        reg.register_model("majora", lora_path=str(adapter))
    (adapter / "pipe").unlink()
    (adapter / "gone.bin").symlink_to(tmp_path / "nowhere")  # a part that cannot be read
    with pytest.raises(InvalidValueError, match="gone.bin cannot be read"):
        reg.register_model("majora", lora_path=str(adapter))
    (adapter / "gone.bin").unlink()
    (adapter / "linked").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(InvalidValueError, match="symlink to a directory"):
        reg.register_model("majora", lora_path=str(adapter))
    assert reg.list_models() == []


def test_model_card_must_be_a_regular_file_under_the_cap(reg, tmp_path, special_files):
    from pathlib import Path

    big = tmp_path / "card.md"
    big.write_bytes(b"#" * ((1 << 20) + 1))
    with pytest.raises(InvalidValueError, match="larger than 1024 KiB"):
        reg.register_model("majora", model_card=big)
    for special in (special_files["FIFO"], Path("/dev/zero")):
        with pytest.raises(InvalidValueError, match="only regular files"):
            reg.register_model("majora", model_card=special)
    assert reg.list_models() == []


def test_cli_refuses_a_fifo_in_one_line_without_blocking(registry_path, special_files):
    for args, said in ((["--file", f"gguf={special_files['FIFO']}"], "is a FIFO"),
                       (["--card", "/dev/null"], "model card path /dev/null is a character device")):
        proc = subprocess.run([sys.executable, "-m", "gitreg", "-R", str(registry_path), "add", "majora", *args],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and said in proc.stderr, proc.stderr
    assert not registry_path.exists()
