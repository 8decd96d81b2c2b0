"""Shell completion: the script gitreg prints is evaluated by real bash, whose completion
function then asks gitreg for model names, versions and environments of the registry."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gitreg import ModelRegistry
from tests.clients.cli.conftest import run_gitreg

BASH = shutil.which("bash")


@pytest.fixture
def registry(registry_path):
    reg = ModelRegistry(registry_path)
    reg.register_model("majora")
    reg.register_model("majora")
    reg.register_model("mask")
    reg.register_model("zelda")
    reg.deploy("majora", "v1", environment="staging", new_environment=True)
    return registry_path


def _env() -> dict[str, str]:
    """gitreg on PATH, as an installed command is."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def complete_in_bash(*lines: list[str]) -> list[list[str]]:
    """Source `gitreg --show-completion bash` in bash and press TAB after each word list."""
    assert BASH, "bash is needed (Debian package bash)"
    script = run_gitreg("--show-completion", "bash").out
    body = [script, 'tab() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _gitreg_completion gitreg;'
                    ' printf "%s\\n" "${COMPREPLY[@]}"; echo "--end--"; }']
    for words in lines:
        body.append("tab " + " ".join(f"'{w}'" for w in words))
    proc = subprocess.run([BASH, "--norc", "--noprofile", "-c", "\n".join(body)], capture_output=True,
                          text=True, env=_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    answers = proc.stdout.split("--end--\n")[:-1]
    return [[w for w in a.splitlines() if w] for a in answers]


def test_bash_completes_commands_models_versions_and_environments(registry):
    r = str(registry)
    commands, models, prefixed, versions, envs, after = complete_in_bash(
        ["gitreg", "-R", r, "ver"],
        ["gitreg", "-R", r, "show", ""],
        ["gitreg", "-R", r, "deploy", "ma"],
        ["gitreg", "-R", r, "show", "majora", ""],
        ["gitreg", "-R", r, "deploy", "majora", "v1", "--env", ""],
        ["gitreg", "versions", "-R", r, "z"],  # the registry option after the command
    )
    assert commands == ["versions", "verify"]
    assert models == ["majora", "mask", "zelda"]
    assert prefixed == ["majora", "mask"]
    assert versions == ["v1", "v2"]
    assert envs == ["production", "staging"]
    assert after == ["zelda"]


def test_completion_of_an_unreadable_registry_offers_nothing(tmp_path):
    broken = tmp_path / "broken.git"
    broken.write_text("not a repository")
    assert complete_in_bash(["gitreg", "-R", str(broken), "show", ""]) == [[]]


def test_zsh_and_fish_scripts_and_their_answers(registry):
    zsh = run_gitreg("--show-completion", "zsh")
    assert zsh.code == 0 and zsh.out.startswith("#compdef gitreg") and "_GITREG_COMPLETE=complete_zsh" in zsh.out
    fish = run_gitreg("--show-completion", "fish")
    assert fish.code == 0 and "complete --command gitreg" in fish.out
    answer = run_gitreg(env={"_GITREG_COMPLETE": "complete_zsh",
                             "_TYPER_COMPLETE_ARGS": f"gitreg -R {registry} show majora "})
    assert answer.code == 0 and "v1" in answer.out and "v2" in answer.out
    answer = run_gitreg(env={"_GITREG_COMPLETE": "complete_fish", "_TYPER_COMPLETE_FISH_ACTION": "get-args",
                             "_TYPER_COMPLETE_ARGS": f"gitreg -R {registry} show m"})
    assert answer.code == 0 and answer.out.split() == ["majora", "mask"]


def test_install_completion_writes_the_script_and_unknown_shells_are_refused(tmp_path):
    r = run_gitreg("--install-completion", "bash", env={"HOME": str(tmp_path)})
    assert r.code == 0 and "Installed bash completion" in r.out
    installed = list(tmp_path.rglob("gitreg*"))
    assert installed and "_gitreg_completion" in installed[0].read_text()
    assert "gitreg" in (tmp_path / ".bashrc").read_text()
    bad = run_gitreg("--show-completion", "tcsh")
    assert bad.code == 2 and bad.err == "gitreg: error: no completion for shell 'tcsh': use one of bash, zsh, fish\n"


def test_model_names_come_from_the_ref_files_alone(registry):
    """A TAB reads model names from loose and packed refs, as list_models sees them, and never
    loads libgit2 (most of a completion's time when it did); a branch that is no model name is left out."""
    subprocess.run(["git", "--git-dir", str(registry), "pack-refs", "--all"], check=True)
    ModelRegistry(registry).register_model("navi")  # loose, beside the packed ones
    tip = subprocess.run(["git", "--git-dir", str(registry), "rev-parse", "refs/heads/mask"], check=True,
                         capture_output=True, text=True).stdout.strip()
    subprocess.run(["git", "--git-dir", str(registry), "update-ref", "refs/heads/-bad", tip], check=True)
    env = {**_env(), "_GITREG_COMPLETE": "complete_bash", "COMP_WORDS": f"gitreg -R {registry} show ",
           "COMP_CWORD": "4"}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "gitreg"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ModelRegistry(registry).list_models() == ["majora", "mask", "navi", "zelda"]
    assert "pygit2" not in proc.stderr  # -X importtime names every module imported
