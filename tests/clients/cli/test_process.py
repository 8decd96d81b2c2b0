"""The CLI as a separate process: exit codes, one-line errors, no tracebacks, plain output."""
from __future__ import annotations

import subprocess
import sys

from tests.clients.cli.conftest import run_gitreg


def test_errors_are_one_line_without_traceback(gitreg_proc, registry_path, tmp_path):
    assert gitreg_proc("add", "majora", "-q").out == "v1\n"
    bad = [
        (["add", "bad name"], 1),
        (["add", "majora", "1.0"], 1),
        (["add", "Majora"], 1),
        (["add", "majora", "--accuracy", "inf"], 2),
        (["add", "majora", "--accuracy", "abc"], 2),
        (["add", "majora", "--samples", "-3"], 1),
        (["add", "majora", "--parent", "v7"], 1),
        (["add", "majora", "--status", "deployed"], 1),
        (["show", "majora", "v2"], 1),
        (["deploy", "majora", "v1", "--env", "prod/eu"], 1),
        (["nosuchcommand"], 2),
    ]
    for args, code in bad:
        r = gitreg_proc(*args)
        assert r.code == code, (args, r.err)
        assert "Traceback" not in r.err, args
        assert r.err.count("\n") == 1 and r.err.startswith("gitreg: error: "), (args, r.err)
        assert r.out == "", args


def test_registry_path_that_is_a_file(tmp_path):
    path = tmp_path / "plain-file"
    path.write_text("x")
    r = run_gitreg("-R", str(path), "list")
    assert r.code == 1
    assert r.err == f"gitreg: error: registry path {path} is a file, not a git repository\n"


def test_debug_shows_the_traceback(gitreg_proc):
    r = gitreg_proc("show", "nosuch", "v1", env={"GITREG_DEBUG": "1"})
    assert r.code == 1 and "Traceback" in r.err and "ModelNotFoundError" in r.err


def test_registry_from_environment(tmp_path):
    path = tmp_path / "env-registry.git"
    assert run_gitreg("add", "majora", "-q", env={"GITREG_REGISTRY": str(path)}).out == "v1\n"
    assert (path / "HEAD").exists()


def test_output_is_plain_when_piped_even_with_force_terminal_off(gitreg_proc):
    gitreg_proc("add", "majora", "--accuracy", "0.9")
    gitreg_proc("deploy", "majora", "v1")
    for env in ({}, {"NO_COLOR": "1"}):
        r = gitreg_proc("list", env=env)
        assert "\x1b[" not in r.out and "● v1" in r.out


def test_help_imports_neither_pygit2_nor_rich_nor_yaml():
    code = (
        "import sys\n"
        "from gitreg.clients.cli.main import main\n"
        "code = main(['--help'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pygit2', 'rich', 'yaml'})\n"
        "print('HEAVY', heavy, code)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "deploy" in out and "rollback" in out
    assert out.strip().endswith("HEAVY [] 0")


def test_only_the_invoked_command_is_built_and_help_lists_all():
    from gitreg.clients.cli.main import COMMANDS, invoked

    assert invoked(["-R", "list", "list"]) == "list"  # the registry may be named like a command
    assert invoked(["--registry", "x", "--offline", "remote", "add"]) == "remote"
    assert invoked(["register", "m"]) == "register"
    assert invoked(["--help"]) is None and invoked(["lst"]) is None and invoked([]) is None
    r = run_gitreg("--help")
    assert r.code == 0 and all(f"  {name} " in r.out for name, _ in COMMANDS if name != "export-json")
