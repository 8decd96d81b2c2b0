"""Hostile objects built with plain git in a remote, pulled into a clone: every good record
still reads, each bad object is named once on stderr, and the exit status is 1."""
from __future__ import annotations

import json
import subprocess
import time

import pytest

from gitreg import ModelRegistry
from gitreg.clients.cli.main import main

BOMB = b"".join(
    [b"a0: &a0 [x, x, x, x, x, x, x, x, x]\n"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n".encode() for i in range(1, 9)]
)


def _git(path, *args, input=None) -> str:
    proc = subprocess.run(["git", f"--git-dir={path}", *args], capture_output=True, input=input)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode().strip()


def _blob(path, data: bytes) -> str:
    return _git(path, "hash-object", "-w", "--stdin", input=data)


def _version_by_hand(path, model: str, version: str, manifest: bytes) -> None:
    """A version commit and annotated tag on the model's branch, written with plain git."""
    tip = _git(path, "rev-parse", f"refs/heads/{model}")
    tree = _git(path, "mktree", input=f"100644 blob {_blob(path, manifest)}\tmanifest.yaml\n".encode())
    commit = _git(path, "commit-tree", tree, "-p", tip, "-m", f"register {model} {version}")
    _git(path, "update-ref", f"refs/heads/{model}", commit, tip)
    _git(path, "tag", "-a", f"{model}/{version}", commit, "-m", f"{model} {version}")


def _note_by_hand(path, model: str, version: str, content: bytes) -> None:
    commit = _git(path, "rev-parse", f"refs/tags/{model}/{version}^{{commit}}")
    blob = _blob(path, content)
    _git(path, "notes", f"--ref=refs/notes/gitreg/{model}", "add", "-f", "-C", blob, commit)


def _manifest(model: str, version: str) -> bytes:
    return f"schema: gitreg/1\nmodel_name: {model}\nversion: {version}\nstatus: completed\n".encode()


@pytest.fixture(scope="module")
def hostile_clone(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    remote = base / "remote.git"
    reg = ModelRegistry(remote)
    for model in ("good", "bomb", "blobtag", "garbage", "highnote", "liar", "hugenote"):
        reg.register_model(model, evaluation_scores={"accuracy": 0.9})
    reg.register_model("good", evaluation_scores={"accuracy": 0.95})
    reg.deploy("good", "v2")
    _version_by_hand(remote, "bomb", "v2", _manifest("bomb", "v2") + BOMB)
    _git(remote, "tag", "-a", "blobtag/v2", _blob(remote, b"not a commit\n"), "-m", "blob")
    _note_by_hand(remote, "garbage", "v1", b"\x00\xff: [unclosed\n")
    _note_by_hand(remote, "highnote", "v1", b"evaluation_scores:\n  accuracy: high\n")
    _version_by_hand(remote, "liar", "v2", _manifest("liar", "v9"))
    _note_by_hand(remote, "hugenote", "v1", b"notes: |\n" + b"  x\n" * 2_600_000)
    clone = base / "clone.git"
    ModelRegistry.clone(str(remote), clone)
    return clone


def _run(capsys, *args):
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


BAD_REFS = {
    "refs/tags/bomb/v2": "anchor or alias",
    "refs/tags/blobtag/v2": "commit",
    "refs/notes/gitreg/garbage": "",
    "refs/notes/gitreg/highnote": "accuracy",
    "refs/tags/liar/v2": "liar:v9",
    "refs/notes/gitreg/hugenote": "limit",
}


def test_list_shows_every_good_record_and_names_each_bad_object(hostile_clone, capsys):
    started = time.monotonic()
    code, out, err = _run(capsys, "-R", str(hostile_clone), "list")
    assert time.monotonic() - started < 30
    assert code == 1
    for model in ("good", "bomb", "blobtag", "garbage", "highnote", "liar", "hugenote"):
        assert model in out
    assert "v2" in out and "production" in out
    for ref, why in BAD_REFS.items():
        lines = [line for line in err.splitlines() if ref in line]
        assert len(lines) == 1, (ref, err)
        assert why in lines[0], lines[0]
    assert "Traceback" not in err and "internal error" not in err


def test_json_outputs_keep_the_good_records(hostile_clone, capsys):
    code, out, err = _run(capsys, "-R", str(hostile_clone), "list", "--json")
    assert code == 1
    models = {m["model_name"]: m for m in json.loads(out)["models"]}
    assert [v["version"] for v in models["good"]["versions"]] == ["v1", "v2"]
    assert [v["version"] for v in models["liar"]["versions"]] == ["v1"]  # v2 is the bad one
    assert [v["version"] for v in models["garbage"]["versions"]] == ["v1"]  # the note is skipped
    assert "refs/tags/liar/v2" in err
    code, out, err = _run(capsys, "-R", str(hostile_clone), "export-json")
    assert code == 1
    doc = json.loads(out)
    assert set(doc["models"]) >= {"good", "bomb", "liar"}
    assert "refs/tags/bomb/v2" in err


@pytest.mark.parametrize("command", [
    ["versions", "bomb"], ["info", "bomb"], ["history", "bomb"], ["show", "hugenote", "v1"],
    ["show", "highnote", "v1"], ["versions", "blobtag"], ["info", "liar"], ["tree", "blobtag"],
    ["history", "liar"], ["lineage", "bomb", "v1"],
])
def test_one_model_reads_name_the_bad_object(hostile_clone, capsys, command):
    started = time.monotonic()
    code, out, err = _run(capsys, "-R", str(hostile_clone), *command)
    assert time.monotonic() - started < 20
    assert code == 1, err
    assert "v1" in out
    assert "gitreg: problem: refs/" in err and "Traceback" not in err


def test_api_returns_good_records_plus_problems(hostile_clone):
    reg = ModelRegistry(hostile_clone)
    assert [v.version for v in reg.list_versions("highnote")] == ["v1"]
    assert reg.get_latest("liar").version == "v1"
    problems = {p.ref: p.problem for p in reg.problems}
    assert set(problems) == {"refs/notes/gitreg/highnote", "refs/tags/liar/v2"}
    assert "accuracy" in problems["refs/notes/gitreg/highnote"]


def test_clone_summary_counts_the_good_versions(hostile_clone, tmp_path, capsys):
    code, out, err = _run(capsys, "clone", str(hostile_clone), str(tmp_path / "again.git"))
    assert code == 1
    # 11 versions; the cheap check (gitreg/features/trust/census.py) names the bomb and the tag on a blob,
    # and leaves a manifest that disagrees with its tag (liar) to list/verify
    assert "7 models, 9 versions" in out, out
    for ref, why in (("refs/tags/bomb/v2", "anchor or alias"), ("refs/tags/blobtag/v2", "commit")):
        lines = [line for line in err.splitlines() if ref in line]
        assert len(lines) == 1 and why in lines[0], err


def test_verify_names_each_bad_version_and_passes_the_good(hostile_clone, capsys):
    started = time.monotonic()
    code, out, err = _run(capsys, "-R", str(hostile_clone), "verify", "--json")
    assert time.monotonic() - started < 30
    assert code == 1 and "Traceback" not in err
    checks = {c["subject"]: c for c in json.loads(out)["checks"]}
    for bad in ("refs/tags/bomb/v2", "refs/tags/blobtag/v2", "refs/tags/liar/v2"):
        assert not checks[bad]["ok"], bad
    for good in ("refs/tags/good/v1", "refs/tags/good/v2", "refs/tags/hugenote/v1", "refs/tags/garbage/v1"):
        assert checks[good]["ok"], checks[good]


def test_a_single_bad_version_is_an_error_naming_its_ref(hostile_clone, capsys):
    code, out, err = _run(capsys, "-R", str(hostile_clone), "show", "blobtag", "v2")
    assert code == 1
    assert err.startswith("gitreg: error: refs/tags/blobtag/v2: ") and "commit" in err


def test_oversized_objects_are_refused_from_their_header_never_read(tmp_path):
    """A manifest, a note, a deployment record and a card of 8 MiB are each named as over the
    limit, and none of them is inflated into memory."""
    import tracemalloc

    path = tmp_path / "r.git"
    reg = ModelRegistry(path)
    for model in ("big", "card", "note"):
        reg.register_model(model)
    reg.deploy("card", "v1", environment="production")
    huge = b"#" * (8 << 20)
    _version_by_hand(path, "big", "v2", _manifest("big", "v2") + huge)
    _note_by_hand(path, "note", "v1", huge)
    tip = _git(path, "rev-parse", "refs/heads/card")
    tree = _git(path, "mktree", input=(
        f"100644 blob {_blob(path, _manifest('card', 'v2'))}\tmanifest.yaml\n"
        f"100644 blob {_blob(path, huge)}\tREADME.md\n").encode())
    commit = _git(path, "commit-tree", tree, "-p", tip, "-m", "register card v2")
    _git(path, "update-ref", "refs/heads/card", commit, tip)
    _git(path, "tag", "-a", "card/v2", commit, "-m", "card v2")
    deployed = _git(path, "rev-parse", "refs/deployed/production/card")
    record = _git(path, "mktree", input=f"100644 blob {_blob(path, huge)}\tdeployment.yaml\n".encode())
    _git(path, "update-ref", "refs/deployed/production/card",
         _git(path, "commit-tree", record, "-p", deployed, "-m", "deploy"), deployed)

    tracemalloc.start()
    fresh = ModelRegistry(path)
    versions = [v for model in ("big", "card", "note") for v in fresh.list_versions(model)]
    fresh.get_version("note:v1")
    assert fresh.deployments("card") == {}
    assert [d.version for d in fresh.deployment_history("card", "production")] == ["v1"]
    card = fresh.get_version("card:v2").card
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 4 << 20, f"peak {peak >> 20} MiB: an oversized object was read whole"
    names = {(v.model_name, v.version) for v in versions}
    assert ("card", "v2") in names and ("note", "v1") in names and ("big", "v2") not in names
    assert card is not None and card.text == "" and "limit" in card.problem
    problems = {p.ref: p.problem for p in fresh.problems}
    for ref in ("refs/tags/big/v2", "refs/notes/gitreg/note", "refs/deployed/production/card"):
        assert "over the" in problems[ref] and "limit" in problems[ref], (ref, problems)


@pytest.mark.parametrize("command", [
    ["list"], ["versions", "m"], ["info", "m"], ["show", "m", "v1"], ["search", "accuracy > 0"],
    ["compare", "m", "v1", "v2"], ["best", "m", "--by", "accuracy"],
])
def test_scores_of_the_wrong_shape_are_named_not_crashed_on(tmp_path, capsys, command):
    """`rouge` and `custom_metrics` hold mappings; a number there (written by hand) passed the
    read checks and crashed whatever flattened the scores. Now the object is named as bad."""
    path = tmp_path / "reg.git"
    ModelRegistry(path).register_model("m", evaluation_scores={"accuracy": 0.9})
    _note_by_hand(path, "m", "v1", b"evaluation_scores:\n  rouge: 0.5\n")
    _version_by_hand(path, "m", "v2", _manifest("m", "v2") + b"evaluation_scores:\n  custom_metrics: 7\n")
    code, out, err = _run(capsys, "-R", str(path), *command)
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 1, (out, err)
    named = [line for line in err.splitlines() if "refs/notes/gitreg/m" in line or "m/v2" in line]
    prefixes = ("gitreg: problem: ", "gitreg: error: ", "gitreg: warning: ")
    assert named and all(line.startswith(prefixes) for line in named), err
    assert "must be a mapping" in err
