"""Mistakes that were internal errors or many lines are one line and a non-zero exit (issue 24)."""
from __future__ import annotations

import json

import pytest


@pytest.fixture
def stored(gitreg_proc, tmp_path):
    weights = tmp_path / "w.bin"
    weights.write_bytes(b"weights")
    assert gitreg_proc("init").code == 0
    assert gitreg_proc("add", "majora", "--lora-path", str(weights), "--store", "-q").code == 0
    return gitreg_proc


def _one_line(r, code: int = 1) -> str:
    assert r.code == code and r.out == "", r
    assert r.err.count("\n") == 1 and "internal error" not in r.err and "Traceback" not in r.err, r.err
    return r.err


def test_get_into_a_place_that_cannot_hold_files(stored, tmp_path):
    assert _one_line(stored("get", "majora:v1", "-o", "/proc/nope")) == \
        "gitreg: error: cannot write files into /proc/nope: No such file or directory\n"
    existing = tmp_path / "notes.txt"
    existing.write_text("mine\n")
    assert _one_line(stored("get", "majora:v1", "-o", str(existing))) == \
        f"gitreg: error: cannot write files into {existing}: it is a file, not a directory\n"
    assert existing.read_text() == "mine\n"
    ok = stored("get", "majora:v1", "-o", str(tmp_path / "out"))
    assert ok.code == 0 and (tmp_path / "out" / "lora" / "w.bin").read_bytes() == b"weights"


def test_out_of_range_numbers_are_usage_errors(gitreg_proc):
    assert _one_line(gitreg_proc("web", "serve", "--port", "80000"), 2) == (
        "gitreg: error: Invalid value for '--port' / '-p': 80000 is out of range: from 0 to 65535 "
        "(see 'gitreg web serve --help')\n")
    assert "-1 is out of range: at least 0" in _one_line(gitreg_proc("search", "", "--limit", "-1"), 2)


def test_a_model_name_starting_with_a_dash_is_named(gitreg_proc, registry_path):
    err = _one_line(gitreg_proc("add", "-lora2"), 2)
    assert err.startswith("gitreg: error: no such option: -lora2 (model names, versions and environments "
                          "start with a letter or digit;")
    assert _one_line(gitreg_proc("add", "--", "-lora2")).startswith("gitreg: error: invalid model name '-lora2'")
    assert not registry_path.exists()


def test_import_of_a_file_that_is_not_a_registry(gitreg_proc, tmp_path, registry_path):
    other = tmp_path / "package.json"
    other.write_text(json.dumps({f"key{i}": i for i in range(30)}))
    assert _one_line(gitreg_proc("import-json", str(other))) == (
        f"gitreg: error: cannot import {other}: is not a registry.json: it has no 'models' key "
        "(its keys: 'key0', 'key1', 'key2', 'key3', 'key4', ...) (nothing was written)\n")
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    assert "is not valid JSON" in _one_line(gitreg_proc("import-json", str(text)))
    assert not registry_path.exists()
