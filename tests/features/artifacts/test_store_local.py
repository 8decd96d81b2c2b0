"""Storing at registration, and get/path from the local store (no remote)."""
from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
import yaml

from gitreg import GitregWarning, ModelRegistry
from gitreg.core.errors import InvalidValueError
from gitreg.features.artifacts.get import NotAvailable
from gitreg.features.artifacts.place import CorruptObject
from tests.features.artifacts.conftest import lfs_object, sha256_of


def test_store_at_registration_writes_objects_pointers_and_attributes(reg, registry_path, model_files, git):
    q4, q8, tok = model_files["q4"], model_files["q8"], model_files["tok"]
    v = reg.register_model("majora", files=[("gguf", str(q4)), ("gguf", str(q8)), ("tokenizer", str(tok))],
                           store=True)
    assert [(f.role, f.stored) for f in v.files] == [("gguf", "lfs"), ("gguf", "lfs"), ("tokenizer", "lfs")]
    assert v.gguf_path == str(q4)  # the first file of the role
    listing = git(registry_path, "ls-tree", "-r", "--name-only", "majora/v1").split()
    assert listing == [".gitattributes", f"artifacts/gguf/{q4.name}", f"artifacts/gguf/{q8.name}",
                       "artifacts/tokenizer/tokenizer/extra/merges.txt", "artifacts/tokenizer/tokenizer/tokenizer.json",
                       "manifest.yaml"]
    attributes = git(registry_path, "show", "majora/v1:.gitattributes")
    assert attributes == "artifacts/** filter=lfs diff=lfs merge=lfs -text\n"
    pointer = git(registry_path, "show", f"majora/v1:artifacts/gguf/{q4.name}")
    assert pointer == f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256_of(q4)}\nsize 300000\n"
    manifest = yaml.safe_load(git(registry_path, "show", "majora/v1:manifest.yaml"))
    assert manifest["files"][2]["contents"] == [
        {"path": "extra/merges.txt", "sha256": sha256_of(tok / "extra" / "merges.txt"), "size_bytes": 4},
        {"path": "tokenizer.json", "sha256": sha256_of(tok / "tokenizer.json"), "size_bytes": 18},
    ]
    obj = lfs_object(registry_path, sha256_of(q4))
    assert obj.read_bytes() == q4.read_bytes()
    assert obj.stat().st_ino != q4.stat().st_ino and obj.stat().st_nlink == 1  # a copy, never a hard link
    assert not obj.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    before = obj.read_bytes()
    with open(q4, "r+b") as fh:  # the user's file changed in place later: the stored copy is not
        fh.write(b"XXXX")
    assert obj.read_bytes() == before
    # git-lfs itself sees the objects of the version (its own view of the bare repository)
    ls = subprocess.run(["git", f"--git-dir={registry_path}", "lfs", "ls-files", "--long", "majora/v1"],
                        capture_output=True, text=True, check=True).stdout
    assert sha256_of(q8) in ls and "tokenizer/tokenizer.json" in ls


def test_identical_content_is_stored_once_across_versions_and_models(reg, registry_path, tmp_path):
    base = tmp_path / "base.safetensors"
    base.write_bytes(b"w" * 1_000_000)
    copy = tmp_path / "elsewhere" / "base.safetensors"
    copy.parent.mkdir()
    copy.write_bytes(base.read_bytes())
    reg.register_model("majora", files={"checkpoint": str(base)}, store=True)
    reg.register_model("majora", files={"checkpoint": str(copy)}, store=True)
    reg.register_model("minora", checkpoint_path=str(base), store=True)
    objects = [p for p in (registry_path / "lfs" / "objects").rglob("*") if p.is_file()]
    assert [p.name for p in objects] == [sha256_of(base)]
    assert not list((registry_path / "lfs" / "tmp").iterdir())  # no temporary file left behind


def test_get_into_the_cache_and_path_of_production(reg, model_files, monkeypatch, tmp_path):
    q4, q8, tok = model_files["q4"], model_files["q8"], model_files["tok"]
    reg.register_model("majora", files=[("gguf", str(q4)), ("gguf", str(q8)), ("tokenizer", str(tok))], store=True)
    reg.deploy("majora:v1")
    paths = reg.get_files("majora@production")
    assert all(str(p).startswith(os.environ["HOME"] + "/.cache/gitreg/") for p in paths), paths
    assert [sha256_of(p) for p in paths[:2]] == [sha256_of(q4), sha256_of(q8)]
    assert (paths[2] / "extra" / "merges.txt").read_text() == "a b\n"
    assert paths[0].is_symlink()  # a snapshot of links into the store: no copy
    q8_path = reg.file_path("majora@production", "gguf", name=q8.name)
    assert q8_path == paths[1] and os.path.samefile(q8_path, paths[1])
    with pytest.raises(InvalidValueError, match="several gguf files"):
        reg.file_path("majora@production", "gguf")
    assert reg.file_path("majora:v1", "tokenizer") == paths[2]


def test_get_to_a_directory_copies_and_checks(reg, model_files, tmp_path):
    q4, tok = model_files["q4"], model_files["tok"]
    reg.register_model("majora", files=[("gguf", str(q4)), ("tokenizer", str(tok))], store=True)
    out = tmp_path / "out"
    got = reg.get_files("majora", dest=out, role="gguf")
    assert got == [out / "gguf" / q4.name] and not got[0].is_symlink()
    assert got[0].read_bytes() == q4.read_bytes() and not (out / "tokenizer").exists()
    assert reg.get_files("majora", dest=out, role="tokenizer") == [out / "tokenizer" / "tokenizer"]
    assert (out / "tokenizer" / "tokenizer" / "tokenizer.json").read_text() == '{"version": "1.0"}'


def test_a_corrupted_object_is_detected(reg, registry_path, model_files, tmp_path, cli_main):
    q4 = model_files["q4"]
    reg.register_model("majora", gguf_path=str(q4), store=True)
    assert reg.get_files("majora:v1")  # a snapshot made while the object was sound
    obj = lfs_object(registry_path, sha256_of(q4))
    os.chmod(obj, 0o644)
    with open(obj, "r+b") as fh:
        fh.write(b"\0\0\0\0")  # same size, other content
    with pytest.raises(CorruptObject, match="is corrupt"):
        reg.get_files("majora:v1")
    with pytest.raises(CorruptObject):
        reg.get_files("majora:v1", dest=tmp_path / "out")
    assert not (tmp_path / "out" / "gguf" / q4.name).exists()  # nothing bad is placed
    report = reg.verify("majora:v1", files=True)
    assert [p for c in report.failures for p in c.problems] == [
        f"stored gguf/{q4.name} is corrupt: sha256 {sha256_of(obj)[:16]}…, recorded {sha256_of(q4)[:16]}…"]
    code, err = cli_main("path", "majora:v1", "--role", "gguf")
    assert code == 1 and err.startswith("gitreg: error: ") and "is corrupt" in err and err.count("\n") == 1


def test_a_file_not_stored_is_used_from_its_recorded_path(reg, model_files):
    q4 = model_files["q4"]
    reg.register_model("majora", gguf_path=str(q4))
    assert reg.file_path("majora", "gguf") == q4
    q4.write_bytes(b"changed")
    with pytest.raises(NotAvailable, match="has changed since registration"):
        reg.file_path("majora", "gguf")
    q4.unlink()
    with pytest.raises(NotAvailable, match="not stored in the registry .registered without --store. and not on"):
        reg.get_files("majora")
    reg.register_model("majora", gguf_path="s3://bucket/q4.gguf")
    with pytest.raises(NotAvailable, match="it is a URI"):
        reg.file_path("majora:v2", "gguf")


def test_config_gitreg_store_makes_storing_the_default(reg, registry_path, model_files, git):
    reg.init()
    git(registry_path, "config", "gitreg.store", "true")
    assert reg.register_model("majora", gguf_path=str(model_files["q4"])).files[0].stored == "lfs"
    assert reg.register_model("majora", gguf_path=str(model_files["q4"]), store=False).files[0].stored is None


def test_git_lfs_missing_is_one_line_saying_how_to_install(reg, model_files, tmp_path, monkeypatch, cli_main):
    bin_dir = tmp_path / "bin-without-lfs"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(subprocess.run(["which", "git"], capture_output=True, text=True).stdout.strip())
    (bin_dir / "python").symlink_to(sys.executable)
    monkeypatch.setenv("PATH", str(bin_dir))
    code, err = cli_main("add", "majora", "--gguf-path", str(model_files["q4"]), "--store")
    assert code == 1 and err == (
        "gitreg: error: git-lfs is needed to store and fetch artifact files and it is not installed: install it "
        "(Debian/Ubuntu: apt-get install git-lfs; macOS: brew install git-lfs)\n")
    assert not ModelRegistry(reg.path).list_models()  # nothing written
    assert reg.register_model("majora", gguf_path=str(model_files["q4"])).version == "v1"  # no git-lfs needed


def test_cli_get_path_and_show(reg, model_files, cli_main, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    q4 = model_files["q4"]
    code, _ = cli_main("add", "majora", "--file", f"gguf={q4}", "--file", f"tokenizer={model_files['tok']}",
                       "--store")
    assert code == 0
    assert ", 2 files stored)" in capsys.readouterr().out
    cli_main("deploy", "majora:v1")
    capsys.readouterr()
    code, _ = cli_main("path", "majora@production", "--role", "gguf")
    printed = capsys.readouterr().out.strip()
    assert code == 0 and sha256_of(printed) == sha256_of(q4)
    code, _ = cli_main("get", "majora@production", "-o", str(tmp_path / "serve"), "-q")
    assert code == 0 and capsys.readouterr().out.split() == [
        str(tmp_path / "serve" / "gguf" / q4.name), str(tmp_path / "serve" / "tokenizer" / "tokenizer")]
    cli_main("show", "majora@production")
    shown = capsys.readouterr().out
    assert "(293.0 KiB, stored, sha256" in shown and "(22 B in 2 files, stored" in shown


def test_a_directory_not_stored_is_copied_from_its_recorded_path(reg, model_files, tmp_path):
    tok = model_files["tok"]
    with pytest.warns(GitregWarning, match="s3://bucket/q.gguf is not stored: it is a URI"):
        reg.register_model("majora", files=[("tokenizer", str(tok)), ("gguf", "s3://bucket/q.gguf")], store=False)
        reg.register_model("majora", files=[("tokenizer", str(tok)), ("gguf", "s3://bucket/q.gguf")], store=True)
    got = reg.get_files("majora:v1", dest=tmp_path / "out", role="tokenizer")
    assert (got[0] / "extra" / "merges.txt").read_text() == "a b\n"
    assert reg.file_path("majora:v1", "tokenizer") == tok
