"""The command line's interface is the one typer gave it: every command, option, short flag,
default, metavar and help text (data/typer_interface.json was taken from the typer version before
it was replaced by gitreg.clients.cli.framework), click's usage-error wording, help on -h/--help,
and only the named command's module imported. An option added since is added to the snapshot by
the change that adds it."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitreg import ModelRegistry
from gitreg.clients.cli import main as cli_main
from gitreg.clients.cli.framework import spec
from tests.clients.cli.conftest import Result
from tests.clients.cli.test_completion import complete_in_bash

SNAPSHOT = json.loads((Path(__file__).parent / "data" / "typer_interface.json").read_text())


def _command(path: str) -> spec.Command:
    cmd = cli_main.root()
    for word in path.split()[1:]:
        found = cmd.resolve(word)
        assert found is not None, path
        cmd = found
    return cmd


@pytest.fixture
def gitreg(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = cli_main.main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def test_every_command_is_declared_as_before():
    ours = {}

    def walk(cmd: spec.Command, path: str) -> None:
        ours[path] = cmd
        for name in (cmd.subcommands() if cmd.subcommands else {}):
            walk(cmd.resolve(name), f"{path} {name}")

    walk(cli_main.root(), "gitreg")
    assert sorted(ours) == sorted(SNAPSHOT)
    for path, before in SNAPSHOT.items():
        cmd = ours[path]
        assert spec.summary(cmd.help) == before["help"] and cmd.hidden == before["hidden"], path
        params = {p.name: p for p in cmd.params}
        expected = [p for p in before["params"] if p["name"] != "help"]
        assert [p.name for p in cmd.params if p.name != "help"] == [p["name"] for p in expected], path
        for old in expected:
            new = params[old["name"]]
            where = f"{path} {old['name']}"
            assert (new.kind, new.required) == (old["kind"], old["required"]), where
            assert " ".join(new.help.split()) == old["help"], where
            default = str(new.default) if isinstance(new.default, Path) else new.default
            assert default == old["default"], where
            if old["kind"] == "option":
                assert (new.opts, new.secondary) == (old["opts"], old["secondary"]), where
                assert (new.flag, new.multiple, new.hidden, new.metavar) == \
                    (old["flag"], old["multiple"], old["hidden"], old["metavar"]), where
            elif old["metavar"] is not None:
                assert new.metavar == old["metavar"], where
        assert params["help"].opts == ["-h", "--help"], path


def _section(text: str, title: str) -> str:
    match = re.search(rf"^{title}:\n((?:  .*\n|\n(?=  ))*)", text, re.M)
    return match.group(1) if match else ""


def test_help_of_every_command_lists_its_options_and_arguments(gitreg):
    for path, before in SNAPSHOT.items():
        args = path.split()[1:]
        r = gitreg(*args, "--help")
        assert r.code == 0 and r.err == "" and r.out.startswith(f"Usage: {path} "), path
        assert gitreg(*args, "-h").out == r.out, path
        options = _section(r.out, "Options")
        shown = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", options))
        for p in before["params"]:
            if p["kind"] == "option" and not p["hidden"]:
                assert set(p["opts"]) | set(p["secondary"]) <= shown, (path, p["opts"])
                assert p["help"].split()[0] in options, (path, p["name"])
            if p["kind"] == "argument":
                assert p["metavar"] in _section(r.out, "Arguments"), (path, p["name"])
    root = gitreg("--help").out
    listed = _section(root, "Commands")
    for name in cli_main.SUMMARIES:
        assert re.search(rf"^  {re.escape(name)} ", listed, re.M), name
    assert not re.search(r"^  register ", listed, re.M)  # the hidden alias


def test_root_help_table_is_each_commands_docstring():
    names = [name for name, _ in cli_main.COMMANDS + cli_main.GROUPS]
    assert sorted(cli_main.SUMMARIES) == sorted(names)
    for name in names:
        assert spec.summary(cli_main.load(name).help) == cli_main.SUMMARIES[name], name


def test_only_the_named_command_is_imported_and_no_typer(tmp_path):
    code = (
        "import sys\n"
        "from gitreg.clients.cli.main import main\n"
        f"assert main(['-R', {str(tmp_path / 'r.git')!r}, 'list']) == 0\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('gitreg.clients.cli.commands.'))\n"
        "print('LOADED', loaded, sorted({'typer', 'click', 'argparse'} & set(sys.modules)))\n"
        "main(['--help'])\n"
        "print('AFTER HELP', sorted(m for m in sys.modules if m.startswith('gitreg.clients.cli.commands.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "LOADED ['gitreg.clients.cli.commands.list'] []" in out
    assert "AFTER HELP ['gitreg.clients.cli.commands.list']" in out


@pytest.mark.parametrize("args, message", [
    (["show"], "Missing argument 'REF'. (see 'gitreg show --help')"),
    (["compare", "m"], "Missing argument 'VERSION...'. (see 'gitreg compare --help')"),
    (["frob"], "No such command 'frob'. (see 'gitreg --help')"),
    (["verz"], "No such command 'verz'. Did you mean 'verify', 'server'? (see 'gitreg --help')"),
    (["hook", "frob"], "No such command 'frob'. (see 'gitreg hook --help')"),
    (["--frob"], "No such option: --frob (see 'gitreg --help')"),
    (["list", "--jsn"], "No such option: --jsn (Possible options: --json) (see 'gitreg list --help')"),
    (["list", "extra1", "extra2"], "Got unexpected extra argument(s) (extra1 extra2) (see 'gitreg list --help')"),
    (["add", "m", "--samples"], "Option '--samples' requires an argument. (see 'gitreg add --help')"),
    (["add", "m", "--quiet=3"], "Option '--quiet' does not take a value. (see 'gitreg add --help')"),
    (["remote", "add"], "Missing argument 'NAME'. (see 'gitreg remote add --help')"),
    (["web", "serve", "--port", "x"],
     "Invalid value for '--port' / '-p': 'x' is not a whole number (see 'gitreg web serve --help')"),
    (["events", "watch", "--interval", "0"],
     "Invalid value for '--interval': 0.0 is out of range: at least 0.1 (see 'gitreg events watch --help')"),
    (["tag", "m", "v1"], "Invalid value: give at least one tag (see 'gitreg tag --help')"),
    (["list", "-qx"], "no such option: -qx (model names, versions and environments start with a letter or "
                      "digit; a value that starts with '-' is given as --option=VALUE) (see 'gitreg list --help')"),
])
def test_usage_errors_are_one_line_in_clicks_words_and_exit_2(gitreg, tmp_path, args, message):
    registry = tmp_path / "r.git"
    r = gitreg("-R", str(registry), *args)
    assert (r.code, r.out, r.err) == (2, "", f"gitreg: error: {message}\n")
    assert not registry.exists()


def test_bare_commands_and_version(gitreg):
    for args in ([], ["hook"], ["policy"], ["export"]):
        r = gitreg(*args)
        assert r.code == 0 and r.err == "" and r.out.startswith(f"Usage: {' '.join(['gitreg', *args])} "), args
    assert gitreg("list", "-h", "extra").out.startswith("Usage: gitreg list [OPTIONS]")  # help first, as click
    version = gitreg("--version")
    assert version.code == 0 and re.fullmatch(r"gitreg \S+\n", version.out)


def test_values_are_read_as_click_read_them(gitreg, registry_path):
    """An option's value is the next word whatever it looks like; short options cluster and take
    their value attached; `--opt=value`; `--` ends the options."""
    assert gitreg(f"-R{registry_path}", "add", "majora", "-qt", "a", "--notes=-x", "--tag", "-b").out == "v1\n"
    v = ModelRegistry(registry_path).get_version("majora", "v1")
    assert v.notes == "-x" and v.tags == ["a", "-b"]
    assert gitreg("-R", str(registry_path), "add", "-q", "--", "majora", "v7").out == "v7\n"
    assert gitreg("-R", str(registry_path), "add", "majora", "--sign", "--no-sign", "-q").out == "v8\n"
    listed = json.loads(gitreg("--registry", str(registry_path), "versions", "majora", "--json").out)
    assert [x["version"] for x in listed] == ["v1", "v7", "v8"]


def test_bash_completes_a_command_an_option_and_a_model(registry_path):
    ModelRegistry(registry_path).register_model("majora")
    r = str(registry_path)
    command, option, model, env_value = complete_in_bash(
        ["gitreg", "-R", r, "dep"],
        ["gitreg", "-R", r, "list", "--j"],
        ["gitreg", "-R", r, "info", "m"],
        ["gitreg", "-R", r, "deploy", "majora", "-e", "p"],
    )
    assert command == ["deploy"]
    assert option == ["--json"]
    assert model == ["majora"]
    assert env_value == ["production"]


def test_doctor_asks_before_repairing(registry_path):
    """The one question gitreg asks (framework.confirm): no, end of input (aborted), yes."""
    ModelRegistry(registry_path).register_model("m")
    leftover = registry_path / "objects" / "ab" / "tmp_object_git2_Xy12"
    leftover.parent.mkdir(exist_ok=True)
    leftover.write_bytes(b"partial")
    past = time.time() - 7200
    os.utime(leftover, (past, past))

    def doctor(answer: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "gitreg", "-R", str(registry_path), "doctor", "--repair"],
                              input=answer, capture_output=True, text=True)

    no = doctor("n\n")
    assert no.stdout.startswith("Repair 1 finding(s)? [y/N]: ") and leftover.exists() and no.returncode == 1
    closed = doctor("")
    assert (closed.returncode, closed.stderr) == (1, "gitreg: aborted\n") and leftover.exists()
    yes = doctor("yes\n")
    assert yes.returncode == 0 and "[repaired]" in yes.stdout and not leftover.exists()
