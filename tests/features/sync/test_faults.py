"""Network faults through a real Apache smart-HTTP server: a push whose answer is lost,
a stalled server, a diverged push; and what a plain `git clone` user adds (README)."""
from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from gitreg import ModelRegistry
from tests.clients.cli.conftest import run_gitreg
from tests.servers.apache import apache  # noqa: F401

README = Path(__file__).resolve().parents[3] / "README.md"

# On the server: once, right after receive-pack committed the refs, kill it before it reports.
KILL_AFTER_COMMIT = """#!/bin/sh
[ "$1" = committed ] || exit 0
[ -e killed-once ] && exit 0
touch killed-once
kill -9 $PPID
"""


def own_refs(refs, path) -> dict[str, str]:
    return {k: v for k, v in refs(path).items() if not k.startswith("refs/gitreg/")}


def http_registry(apache, path: Path, url: str, clone: bool = True) -> Path:  # noqa: F811
    if clone:
        assert run_gitreg("clone", url, str(path)).code == 0
    else:
        ModelRegistry(path).add_remote("origin", url)
    apache.credentials(path)
    return path


def test_a_push_whose_answer_was_lost_is_settled_by_fetching(tmp_path, apache, git, refs):  # noqa: F811
    url = apache.repo()
    reg = http_registry(apache, tmp_path / "a.git", url)
    assert run_gitreg("-R", str(reg), "add", "m", "--notes", "first").code == 0
    apache.hook("registry.git", "reference-transaction", KILL_AFTER_COMMIT)

    r = run_gitreg("-R", str(reg), "add", "m", "--notes", "second")
    assert (apache.path() / "killed-once").exists()  # the server committed and its receive-pack died
    assert r.code == 0 and "m v2" in r.out, r.err
    r = run_gitreg("-R", str(reg), "add", "m", "--notes", "third")  # the next write goes on normally
    assert r.code == 0 and "m v3" in r.out, r.err
    assert git(apache.path(), "tag", "--list").split() == ["m/v1", "m/v2", "m/v3"]
    assert own_refs(refs, reg) == refs(apache.path())
    other = ModelRegistry.clone(url, tmp_path / "b.git")
    assert [v.notes for v in other.list_versions("m")] == ["first", "second", "third"]


def test_a_stalled_server_fails_within_the_timeout_and_changes_nothing(tmp_path, apache, git, refs):  # noqa: F811
    url = apache.repo()
    reg = http_registry(apache, tmp_path / "a.git", url)
    assert run_gitreg("-R", str(reg), "add", "m").code == 0
    git(reg, "config", "gitreg.timeout", "2")
    before = refs(reg)
    apache.pause()
    try:
        start = time.monotonic()
        r = run_gitreg("-R", str(reg), "add", "m")
        elapsed = time.monotonic() - start
    finally:
        apache.resume()
    assert r.code == 1 and elapsed < 20, (elapsed, r.err)
    assert r.err.startswith("gitreg: error: cannot fetch from origin") and "too slow" in r.err.lower()
    assert len(r.err.strip().splitlines()) == 1
    assert refs(reg) == before
    assert run_gitreg("-R", str(reg), "add", "m").code == 0  # and the server is fine again


def test_a_diverged_push_publishes_nothing_of_that_model(tmp_path, apache, git, refs):  # noqa: F811
    url = apache.repo()
    a = http_registry(apache, tmp_path / "a.git", url, clone=False)
    assert run_gitreg("-R", str(a), "add", "m", "--notes", "shared").code == 0
    b = http_registry(apache, tmp_path / "b.git", url)
    assert run_gitreg("-R", str(a), "--offline", "add", "m", "--notes", "a's v2").code == 0
    assert run_gitreg("-R", str(a), "--offline", "deploy", "m", "v2").code == 0
    assert run_gitreg("-R", str(a), "--offline", "add", "n").code == 0
    assert run_gitreg("-R", str(b), "add", "m", "--notes", "b's v2").code == 0
    server_m = {k: v for k, v in refs(apache.path()).items() if "/m" in k}

    r = run_gitreg("-R", str(a), "push")
    assert r.code == 1 and "up to date" not in r.out
    assert "Pushed 2 refs to origin" in r.out and "refs/heads/n" in r.out and "refs/tags/n/v1" in r.out
    assert "not pushed to origin: m" in r.err and "everything else was pushed" in r.err
    server = refs(apache.path())
    assert {k: v for k, v in server.items() if "/m" in k} == server_m  # nothing of m moved
    for tag in git(apache.path(), "tag", "--list").split():  # every tag's commit is on its branch
        model = tag.split("/")[0]
        subprocess.run(["git", f"--git-dir={apache.path()}", "merge-base", "--is-ancestor",
                        f"{tag}^{{commit}}", f"refs/heads/{model}"], check=True)
    assert "refs/deployed/production/m" not in server


def test_a_conflict_in_one_model_does_not_block_writes_to_another(tmp_path, apache, git, refs):  # noqa: F811
    url = apache.repo()
    a = http_registry(apache, tmp_path / "a.git", url, clone=False)
    assert run_gitreg("-R", str(a), "add", "y").code == 0
    b = http_registry(apache, tmp_path / "b.git", url)
    assert run_gitreg("-R", str(a), "--offline", "add", "y", "--notes", "a").code == 0
    assert run_gitreg("-R", str(b), "add", "y", "--notes", "b").code == 0
    r = run_gitreg("-R", str(a), "add", "x")  # y conflicts; x is another model
    assert r.code == 0 and "x v1" in r.out, r.err
    r = run_gitreg("-R", str(a), "add", "y")
    assert r.code == 1 and "pull --take-remote --model y" in r.err
    r = run_gitreg("-R", str(a), "pull", "--take-remote", "--model", "y")
    assert r.code == 0 and "yours is kept at refs/gitreg/saved/" in r.out
    assert run_gitreg("-R", str(a), "add", "y").code == 0
    assert git(apache.path(), "tag", "--list").split() == ["x/v1", "y/v1", "y/v2", "y/v3"]


def test_plain_git_clone_sees_deployments_and_notes_with_the_readme_lines(tmp_path, apache, git):  # noqa: F811
    url = apache.repo()
    reg = http_registry(apache, tmp_path / "a.git", url, clone=False)
    assert run_gitreg("-R", str(reg), "add", "majora").code == 0
    assert run_gitreg("-R", str(reg), "deploy", "majora", "v1").code == 0
    assert run_gitreg("-R", str(reg), "score", "majora", "v1", "--accuracy", "0.9").code == 0

    section = README.read_text().split("Plain `git clone`", 1)[1].split("\n## ", 1)[0]
    lines = re.findall(r"^\s*git config --add remote\.origin\.fetch '([^']+)'$",
                       re.search(r"```bash\n(.*?)```", section, re.S).group(1), re.M)
    assert lines == ["+refs/deployed/*:refs/deployed/*", "+refs/notes/*:refs/notes/*"]
    work = tmp_path / "plain"
    subprocess.run(["git", "clone", "--quiet", url, str(work)], check=True, capture_output=True)
    for spec in lines:
        subprocess.run(["git", "-C", str(work), "config", "--add", "remote.origin.fetch", spec], check=True)
    subprocess.run(["git", "-C", str(work), "fetch", "--quiet"], check=True)
    gitdir = work / ".git"
    assert "version: v1" in git(gitdir, "show", "refs/deployed/production/majora:deployment.yaml")
    assert "accuracy: 0.9" in git(gitdir, "notes", "--ref=gitreg/majora", "show", "majora/v1^{commit}")
