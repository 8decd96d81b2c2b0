"""`gitreg bundle create|verify|unbundle` as a user types them."""
from __future__ import annotations

import os

from tests.clients.cli.conftest import run_gitreg


def test_bundle_session(cli, registry_path, tmp_path):
    weights = tmp_path / "w.gguf"
    weights.write_bytes(os.urandom(10_000))
    assert cli("add", "majora", "--file", f"gguf={weights}", "--store").code == 0
    assert cli("add", "minora").code == 0
    made = cli("bundle", "create", str(tmp_path / "b.grb"))
    assert made.code == 0, made.err
    assert "majora, minora" in made.out and "1 stored file(s)" in made.out
    checked = cli("bundle", "verify", str(tmp_path / "b.grb"))
    assert checked.code == 0 and "intact" in checked.out
    target = tmp_path / "target.git"
    got = run_gitreg("-R", str(target), "bundle", "unbundle", str(tmp_path / "b.grb"))
    assert got.code == 0, got.err
    assert "new      refs/tags/majora/v1" in got.out and "1 stored file(s) added" in got.out
    assert run_gitreg("-R", str(target), "get", "majora:v1", "-o", str(tmp_path / "out")).code == 0
    assert cli("bundle", "create", str(tmp_path / "c.grb"), "--since", str(tmp_path / "b.grb")).code == 1


def test_a_damaged_bundle_is_one_line_and_nothing_written(cli, tmp_path):
    assert cli("add", "majora").code == 0
    good = tmp_path / "b.grb"
    assert cli("bundle", "create", str(good)).code == 0
    data = bytearray(good.read_bytes())
    data[700] ^= 0x20
    bad = tmp_path / "bad.grb"
    bad.write_bytes(bytes(data))
    target = tmp_path / "target.git"
    for command in ("verify", "unbundle"):
        r = run_gitreg("-R", str(target), "bundle", command, str(bad))
        assert r.code == 1 and len(r.err.strip().splitlines()) == 1 and "sha256" in r.err, r.err
        assert "Traceback" not in r.err
    assert not target.exists()
    r = cli("bundle", "create", str(tmp_path / "no" / "such" / "dir.grb"))
    assert r.code == 1 and "cannot write" in r.err and "internal error" not in r.err


def test_conflicts_are_reported_per_model_with_a_nonzero_exit(cli, registry_path, tmp_path):
    assert cli("add", "majora").code == 0
    assert cli("bundle", "create", str(tmp_path / "1.grb")).code == 0
    target = tmp_path / "target.git"
    assert run_gitreg("-R", str(target), "bundle", "unbundle", str(tmp_path / "1.grb")).code == 0
    assert cli("add", "majora", "--notes", "here").code == 0
    assert cli("add", "other").code == 0
    assert run_gitreg("-R", str(target), "add", "majora", "--notes", "there").code == 0
    assert cli("bundle", "create", str(tmp_path / "2.grb")).code == 0
    r = run_gitreg("-R", str(target), "bundle", "unbundle", str(tmp_path / "2.grb"))
    assert r.code != 0 and "refs/tags/majora/v2" in r.err and "new      refs/heads/other" in r.out
    assert "Traceback" not in r.err
