"""gitreg import-json / export-json as a user runs them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gitreg import ModelRegistry
from gitreg.clients.cli.progress import LARGE_IMPORT
from tests.clients.cli.conftest import run_on_terminal

FIXTURES = Path(__file__).resolve().parents[2] / "features" / "interchange" / "fixtures"
REGISTRY = str(FIXTURES / "registry.json")
LINEAGE = str(FIXTURES / "lineage.json")


def test_import_then_reimport_then_export(cli, registry_path, refs, tmp_path):
    r = cli("import-json", REGISTRY, "--lineage", LINEAGE)
    assert (r.code, r.err) == (0, f"gitreg: created a new registry at {registry_path}\n")
    assert r.out == "Imported 4 models, 10 versions, 3 deployments, 2 status notes (0 already present and unchanged)\n"
    before = refs(registry_path)
    again = cli("import-json", REGISTRY, "--lineage", LINEAGE)
    assert again.out == "Nothing to import: 13 already present and unchanged\n"
    assert refs(registry_path) == before

    out, lineage = tmp_path / "out.json", tmp_path / "lin.json"
    r = cli("export-json", "-o", str(out), "--lineage-out", str(lineage))
    assert (r.code, r.out, r.err) == (0, "", "")
    stdout = cli("export-json").out
    assert stdout == out.read_text()
    assert json.loads(stdout)["models"]["majora"]["versions"]["v3"]["deployed"] is True
    assert set(json.loads(lineage.read_text())["lineages"]) == {"din", "majora", "nayru", "oracle"}


def test_dry_run_lists_the_writes_and_writes_nothing(cli, registry_path):
    r = cli("import-json", REGISTRY, "--lineage", LINEAGE, "--dry-run")
    lines = r.out.splitlines()
    assert lines[0] == ("Would import 4 models, 10 versions, 3 deployments, 2 status notes "
                        "(0 already present and unchanged); nothing written")
    # models first, then each version (parents first, then by time) with its deployment and status
    assert lines[1:] == [
        "  create model majora (2026-01-14T09:00:00+00:00)",
        "  create model oracle (2026-01-16T12:00:00+00:00)",
        "  create model nayru (2026-01-17T00:00:00+00:00)",
        "  create model din (2026-01-18T00:00:00+00:00)",
        "  register majora v1 (2026-01-14T10:00:00+00:00)",
        "  deploy majora v1 to production-v1 (2026-01-14T11:00:00+00:00)",
        "  register majora v2 (2026-01-15T10:00:00+00:00, from v1)",
        "  status majora v2 deprecated (2026-01-20T12:00:00+00:00)",
        "  register majora v2b (2026-01-15T12:00:00+00:00, from v1)",
        "  status majora v2b archived (2026-01-20T12:00:00+00:00)",
        "  register majora v3 (2026-01-16T06:00:00+00:00, from v2)",
        "  deploy majora v3 to production (2026-01-16T07:30:00+00:00)",
        "  register nayru v1 (2026-01-17T01:00:00+00:00)",
        "  register nayru v2 (2026-01-17T02:00:00+00:00, from v1)",
        "  register oracle v1 (2026-01-17T10:00:00+00:00, from majora:v3)",
        "  deploy oracle v1 to production (2026-01-17T10:00:00+00:00)",
        "  register oracle v1.1 (2026-01-18T10:00:00.250000+00:00, from v1)",
        "  register majora v4 (2026-01-19T10:00:00+00:00)",
        "  register majora v5 (2026-01-19T11:00:00+00:00, from v3)",
    ]
    assert not registry_path.exists()


def test_malformed_input_is_refused_with_every_problem(gitreg_proc, registry_path):
    r = gitreg_proc("import-json", str(FIXTURES / "malformed.json"))
    assert r.code == 1 and r.out == ""
    lines = r.err.splitlines()
    assert lines[0] == "gitreg: error: cannot import: 18 problems, nothing was written"
    assert len(lines) == 19 and "Traceback" not in r.err
    assert f"  {FIXTURES / 'malformed.json'}: models.majora.versions.v1.status: unknown status 'shipped'" in r.err
    assert not registry_path.exists()


def test_bad_json_and_missing_file(gitreg_proc, registry_path, tmp_path):
    r = gitreg_proc("import-json", str(FIXTURES / "bad_json.json"))
    assert r.code == 1 and "is not valid JSON (Expecting property name" in r.err
    r = gitreg_proc("import-json", str(tmp_path / "none.json"))
    assert r.code == 1 and r.err == (f"gitreg: error: cannot import {tmp_path / 'none.json'}: cannot read: "
                                     "No such file or directory (nothing was written)\n")
    assert not registry_path.exists()


def test_notices_go_to_stderr(cli, tmp_path):
    doc = {"models": {"m": {"versions": {"v1": {"created_at": "2026-01-01T00:00:00", "status": "deprecated",
                                                "deployed": False, "deployed_at": "2026-01-02T00:00:00"}}}}}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    cli("init")
    r = cli("import-json", str(path))
    assert r.code == 0
    assert r.err == ("gitreg: note: models.m.versions.v1.deployed_at: not imported (m v1 is not deployed; "
                     "gitreg keeps the deployment time of live versions)\n")


def test_progress_bar_on_a_terminal_for_a_large_import(tmp_path, registry_path):
    versions = {f"v{i}": {"created_at": f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}",
                          **({"parent_version": f"v{i - 1}"} if i > 1 else {})}
                for i in range(1, LARGE_IMPORT + 1)}
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"models": {"big": {"versions": versions}}}))
    code, err = run_on_terminal(["-R", str(registry_path), "import-json", str(path)], "stderr")
    assert code == 0, err
    assert "importing" in err and f"/{LARGE_IMPORT + 1}" in err

    ModelRegistry(tmp_path / "other.git").init()
    piped = subprocess.run([sys.executable, "-m", "gitreg", "-R", str(tmp_path / "other.git"), "import-json",
                            str(path)], capture_output=True, text=True)
    assert piped.returncode == 0 and piped.stderr == ""
    assert piped.stdout.startswith(f"Imported 1 model, {LARGE_IMPORT} versions,")
