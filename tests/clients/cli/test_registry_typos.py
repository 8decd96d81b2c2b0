"""A mistyped -R or $GITREG_REGISTRY is seen at once (issue 24): never a silent new registry."""
from __future__ import annotations

from tests.clients.cli.conftest import run_gitreg


def test_missing_parent_directories_are_refused_without_init(tmp_path, git):
    typo = tmp_path / "regsitry" / "team.git"
    for args, env in ((["-R", str(typo), "add", "majora"], None),
                      (["add", "majora"], {"GITREG_REGISTRY": str(typo)})):
        r = run_gitreg(*args, env=env)
        assert r.code == 1 and r.out == "" and r.err == (
            f"gitreg: error: no registry at {typo}, and its directory {typo.parent} does not exist: check the "
            "path (-R, $GITREG_REGISTRY), or create it there with `gitreg init` (API: ModelRegistry.init())\n")
        assert not typo.parent.exists()
    made = run_gitreg("-R", str(typo), "init")
    assert (made.code, made.err) == (0, "") and f"at {typo}" in made.out
    assert git(typo, "rev-parse", "--is-bare-repository").strip() == "true"
    assert run_gitreg("-R", str(typo), "add", "majora").err == ""  # it exists now: nothing to say


def test_a_write_that_creates_a_registry_says_where(tmp_path):
    path = tmp_path / "new.git"
    r = run_gitreg("add", "majora", env={"GITREG_REGISTRY": str(path)})
    assert r.code == 0 and r.err == f"gitreg: created a new registry at {path}\n"
    again = run_gitreg("add", "majora", env={"GITREG_REGISTRY": str(path)})
    assert (again.code, again.err) == (0, "")
    read = run_gitreg("-R", str(tmp_path / "other.git"), "list")  # a read creates nothing
    assert read.code == 0 and read.err == "" and not (tmp_path / "other.git").exists()
