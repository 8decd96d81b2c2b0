"""`gitreg clone URL [PATH]` starts git before the CLI is imported (gitreg/clients/cli/clonefirst.py):
the command takes that clone over, any other line starts nothing, and a clone no command took
over is stopped with nothing left behind."""
from __future__ import annotations

import subprocess
import sys

import pytest

from gitreg import GitregError
from gitreg.api import clonestart, cloning
from gitreg.clients.cli import clonefirst
from gitreg.clients.cli.complete import COMPLETE_VAR
from tests.clients.cli.conftest import run_gitreg

HEAVY = ("dataclasses", "inspect", "json", "gitreg.clients.cli.framework.spec", "gitreg.features.trust.census",
         "pygit2", "yaml")


@pytest.fixture
def source(reg, git):
    reg.register_model("m")
    reg.register_model("n")
    git(reg.path, "update-ref", "refs/deployed/production/m", git(reg.path, "rev-parse", "refs/heads/m").strip())
    return reg.path


def test_a_plain_clone_line_starts_git_before_anything_heavy_is_imported(source, tmp_path, refs):
    url, target = f"file://{source}", str(tmp_path / "early.git")
    code = (
        "import sys\n"
        "from gitreg.clients.cli import clonefirst\n"
        f"clonefirst.start(['clone', {url!r}, {target!r}])\n"
        f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        f"started = clonefirst.take({url!r}, {target!r})\n"
        "print('HEAVY', heavy, 'STARTED', started is not None and started.proc.poll() in (None, 0))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY [] STARTED True" in out


def test_gitreg_clone_runs_git_before_the_cli_framework_is_imported(source, tmp_path):
    url, target = f"file://{source}", str(tmp_path / "cli.git")
    code = (  # an audit hook (public API) sees every process started, and what was loaded then
        "import sys\n"
        "seen = []\n"
        "def hook(event, args):\n"
        "    if event == 'subprocess.Popen' and 'clone' in list(args[1]):\n"
        f"        seen.append(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
        "sys.addaudithook(hook)\n"
        "from gitreg.clients.cli.main import main\n"
        f"code = main(['clone', {url!r}, {target!r}])\n"
        "print('SEEN', seen, code)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "SEEN [[]] 0" in out


def test_the_command_takes_the_early_clone_over_and_makes_the_same_registry(source, tmp_path, refs, git):
    url = f"file://{source}"
    r = run_gitreg("clone", url, str(tmp_path / "cli.git"))
    assert r.code == 0 and r.err == ""
    assert r.out == f"Cloned {url} into {tmp_path / 'cli.git'}: 2 models, 2 versions\n"
    api = cloning.clone_checked(url, tmp_path / "api.git")
    assert refs(tmp_path / "cli.git") == refs(api.path)
    assert git(tmp_path / "cli.git", "config", "gitreg.remote").strip() == "origin"


def test_the_default_path_is_the_one_the_command_would_use(source, tmp_path, monkeypatch):
    default = tmp_path / "default.git"
    monkeypatch.setenv("GITREG_REGISTRY", str(default))
    clonefirst.start(["clone", f"file://{source}"])
    started = clonefirst.take(f"file://{source}", None)
    assert started is not None and started.target == default
    made = cloning.clone_checked(f"file://{source}", None, started=started)
    assert (made.path, made.models, made.versions, made.problems) == (default, 2, 2, [])


@pytest.mark.parametrize("line", [
    ["clone", "URL", "TARGET", "extra"],      # a usage error: the parse must say so first
    ["clone", "URL", "TARGET", "--offline"],  # a global option after the command
    ["-R", "TARGET", "clone", "URL"],
    ["clone", "--help"],
    ["clone", "URL", "--", "TARGET"],
    ["list", "URL", "TARGET"],
    ["clone"],
])
def test_any_other_line_starts_nothing(source, tmp_path, line):
    url, target = f"file://{source}", str(tmp_path / "t.git")
    clonefirst.start([url if w == "URL" else target if w == "TARGET" else w for w in line])
    assert clonefirst.take(url, target) is None and clonefirst.take(url, None) is None
    assert not (tmp_path / "t.git").exists()


def test_a_completion_request_starts_nothing(source, tmp_path, monkeypatch):
    monkeypatch.setenv(COMPLETE_VAR, "bash_complete")
    clonefirst.start(["clone", f"file://{source}", str(tmp_path / "t.git")])
    assert clonefirst.take(f"file://{source}", str(tmp_path / "t.git")) is None
    assert not (tmp_path / "t.git").exists()


def test_a_clone_no_command_took_over_leaves_nothing(source, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    clonefirst.start(["clone", f"file://{source}", str(empty)])
    clonefirst.start(["clone", f"file://{source}", str(tmp_path / "new.git")])
    clonefirst.drop()
    assert empty.is_dir() and not any(empty.iterdir())
    assert not (tmp_path / "new.git").exists()
    assert clonefirst.take(f"file://{source}", str(empty)) is None


def test_taking_another_clone_drops_the_one_started(source, tmp_path):
    clonefirst.start(["clone", f"file://{source}", str(tmp_path / "a.git")])
    assert clonefirst.take(f"file://{source}", str(tmp_path / "b.git")) is None
    assert not (tmp_path / "a.git").exists()


def test_clone_checked_refuses_a_clone_started_elsewhere_and_stops_it(source, tmp_path):
    started = clonestart.start(f"file://{source}", tmp_path / "a.git")
    with pytest.raises(GitregError, match="clone under way"):
        cloning.clone_checked(f"file://{source}", tmp_path / "b.git", started=started)
    assert not (tmp_path / "a.git").exists() and not (tmp_path / "b.git").exists()


def test_a_refused_or_failed_early_start_is_reported_by_the_command_as_before(source, tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "file").write_text("x")
    r = run_gitreg("clone", f"file://{source}", str(used))
    assert r.code == 1 and "already exists" in r.err and len(r.err.strip().splitlines()) == 1
    assert sorted(p.name for p in used.iterdir()) == ["file"]
    r = run_gitreg("clone", f"file://{tmp_path}/missing.git", str(tmp_path / "new.git"))
    assert r.code == 1 and "cannot clone" in r.err and not (tmp_path / "new.git").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_gitreg("clone", f"file://{tmp_path}/missing.git", str(empty))
    assert r.code == 1 and empty.is_dir() and not any(empty.iterdir())
    r = run_gitreg("clone", "", str(tmp_path / "x.git"))
    assert r.code == 1 and "empty" in r.err and not (tmp_path / "x.git").exists()


def test_a_start_that_raises_anything_is_left_to_the_command(source, tmp_path):
    """A path no OS call takes (a NUL byte, in process) does not escape before the parse."""
    clonefirst.start(["clone", f"file://{source}", str(tmp_path / "a\0b")])
    assert clonefirst.take(f"file://{source}", str(tmp_path / "a\0b")) is None
