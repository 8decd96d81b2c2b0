"""Everyday CLI manners (issue 14, "CLI polish"): colour, widths, help, errors, options,
sizes, grammar, metric columns. Terminal behaviour is checked on a real pty."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from gitreg import ModelRegistry
from gitreg.clients.cli.main import main
from tests.clients.cli.conftest import Result, run_gitreg, run_on_terminal

COMMANDS = ["init", "add", "list", "info", "versions", "show", "compare", "score", "deploy", "undeploy",
            "rollback", "status", "tag", "meta", "tree", "lineage", "history", "clone", "push", "pull",
            "verify", "import-json", "export-json", "hook", "hook install", "hook uninstall", "hook run",
            "remote", "remote add", "remote remove", "remote list"]


@pytest.fixture
def gitreg(capsys, monkeypatch):
    """gitreg's entry point in this process (no -R added): fast, for many runs."""
    monkeypatch.setenv("COLUMNS", "100")

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def scored(registry_path):
    """A model scored the way fine-tuners score: eval_loss, mmlu, acc_norm, deployed twice."""
    reg = ModelRegistry(registry_path)
    reg.register_model("majora", evaluation_scores={"eval_loss": 0.91, "mmlu": 0.612, "acc_norm": 0.7},
                       tags=["baseline"])
    reg.register_model("majora", evaluation_scores={"eval_loss": 0.85, "mmlu": 0.634}, parent_version="v1")
    reg.deploy("majora", "v1", environment="staging-eu-west", new_environment=True)
    reg.deploy("majora", "v2")
    return registry_path


def test_no_color_means_no_escape_code_at_all(scored):
    runs = [({"NO_COLOR": "1"}, command) for command in (
        ["list"], ["versions", "majora"], ["info", "majora"], ["show", "majora", "v1"], ["history", "majora"],
        ["verify"], ["add", "--help"])]
    runs += [({"TERM": "dumb"}, ["list"]), ({"TERM": "dumb"}, ["versions", "majora"])]
    for env, command in runs:
        code, screen = run_on_terminal(["-R", str(scored), *command], "stdout", env=env)
        assert code == 0, (command, screen)
        assert "\x1b" not in screen, (env, command, screen)


def test_piped_output_is_not_padded(scored, gitreg):
    piped = run_gitreg("-R", str(scored), "versions", "majora").out  # a real pipe
    assert piped.splitlines()[3].endswith("│ -") and all(line == line.rstrip() for line in piped.splitlines())
    for command in (["versions", "majora"], ["info", "majora"], ["show", "majora", "v1"], ["history", "majora"],
                    ["verify"], ["compare", "majora", "v1", "v2"]):
        r = gitreg("-R", str(scored), *command)
        assert r.out.strip(), command
        assert all(line == line.rstrip() for line in r.out.splitlines()), (command, r.out)


def test_versions_in_80_columns_keeps_environments_whole(scored):
    code, screen = run_on_terminal(["-R", str(scored), "versions", "majora"], "stdout", cols=80)
    assert code == 0
    lines = re.sub(r"\x1b\[[0-9;]*m", "", screen).splitlines()
    assert "production" in screen and "staging-eu-west" in screen and "…" not in screen
    assert max(len(line) for line in lines) <= 80
    assert "eval_loss" in lines[0]
    # with room, every metric and the hour of creation
    code, wide = run_on_terminal(["-R", str(scored), "versions", "majora"], "stdout", cols=160)
    assert all(name in wide for name in ("eval_loss", "mmlu", "acc_norm")) and re.search(r"\d\d:\d\d", wide)


def test_columns_are_the_metrics_the_model_has(scored, cli):
    out = cli("versions", "majora").out
    header = out.splitlines()[0]
    assert "Accuracy" not in header and "F1" not in header
    assert header.index("eval_loss") < header.index("mmlu") < header.index("acc_norm")  # most versions first
    picked = cli("versions", "majora", "--metrics", "mmlu").out.splitlines()[0]
    assert "mmlu" in picked and "eval_loss" not in picked
    typo = cli("versions", "majora", "--metrics", "mmlu,eval_los")
    assert typo.err == "gitreg: note: no version has metric 'eval_los' (they have: eval_loss, mmlu, acc_norm)\n"
    assert "0.634" in cli("info", "majora", "--metrics", "mmlu").out
    listing = cli("list").out
    assert "eval_loss=0.91 mmlu=0.612" in listing and "eval_loss=0.85 mmlu=0.634" in listing
    assert "mmlu=0.634" in cli("list", "--metrics", "mmlu").out
    assert "eval_loss" not in cli("list", "--metrics", "mmlu").out


def test_list_keeps_the_seed_line_for_accuracy(cli):
    cli("add", "majora", "--accuracy", "0.85", "--metric", "eval_loss=0.3")
    assert "○ v1       (completed ) acc=0.850\n" in cli("list").out


def test_bare_groups_print_help_and_succeed(gitreg):
    assert run_gitreg().out.startswith("Usage: gitreg")  # the installed program too
    for args in ([], ["hook"], ["remote"]):
        r = gitreg(*args)
        assert r.code == 0 and r.err == "", (args, r.err)
        assert r.out.startswith("Usage: gitreg") and "Commands:" in r.out


def test_help_speaks_in_placeholders_not_python_types(gitreg):
    for command in COMMANDS:
        r = gitreg(*command.split(), "--help")
        assert r.code == 0, command
        text = r.out
        for leak in ("<str>", "<int>", "<float>", "<path>", "list[", "{", "<bool>"):
            assert leak not in text, (command, leak, text)
        assert "[required]" not in text, command
        for line in text.splitlines():  # a help that names its default is not followed by typer's
            assert not ("(default:" in line and "[default:" in line), (command, line)
    root = gitreg("--help").out
    assert "..." not in root.split("Commands:")[1]  # descriptions are whole, wrapped not cut
    assert "(.gitreg.yaml, post-commit hook)" in " ".join(root.split())
    assert "Usage: gitreg add [OPTIONS] MODEL [VERSION]" in gitreg("add", "--help").out
    assert "-m, --metric NAME=VALUE" in gitreg("add", "--help").out
    hook_run = gitreg("hook", "run", "--help").out
    assert "(default: the current directory)" in hook_run and "[default: .]" not in hook_run


def test_missing_arguments_are_named_as_in_the_usage(cli):
    r = cli("compare", "majora")
    assert r.code == 2 and "Missing argument 'VERSION...'" in r.err
    assert "Missing argument 'REF'" in cli("show").err


def test_global_options_after_the_command(gitreg, registry_path, tmp_path):
    ModelRegistry(registry_path).init()
    r = gitreg("add", "majora", "-q", "-R", str(registry_path), "--notes", "-R")
    assert (r.code, r.out, r.err) == (0, "v1\n", "")
    assert ModelRegistry(registry_path).get_version("majora", "v1").notes == "-R"  # a value stays a value
    assert "majora" in gitreg("list", "-R", str(registry_path)).out
    assert "majora" in gitreg("list", f"--registry={registry_path}").out
    assert gitreg("versions", "majora", "--offline", "-R", str(registry_path)).code == 0
    other = tmp_path / "other.git"
    gitreg("-R", str(other), "add", "zelda", "-q")
    assert "zelda" in gitreg("-R", str(registry_path), "list", "-R", str(other)).out  # the last one wins
    assert "majora" in run_gitreg("list", "-R", str(registry_path)).out  # and in the installed program


def test_sizes_are_in_human_units(cli, tmp_path):
    weights = tmp_path / "adapter.safetensors"
    weights.write_bytes(b"\0" * 3 * 1024 * 1024 + b"\0" * 512 * 1024)
    cli("add", "majora", "--lora-path", str(weights))
    assert "(3.5 MiB, not stored" in cli("show", "majora", "v1").out


def test_removing_an_absent_tag_says_so(cli, registry_path, refs):
    cli("add", "majora", "--tag", "keep")
    before = refs(registry_path)
    r = cli("tag", "majora", "v1", "nope", "--remove")
    assert r.code == 0 and r.err == "gitreg: note: majora v1 has no tag 'nope'\n"
    assert r.out == "majora v1 tags: keep\n" and refs(registry_path) == before  # nothing written
    r = cli("tag", "majora", "v1", "keep", "new")
    assert r.err == "gitreg: note: majora v1 already has tag 'keep'\n" and r.out == "majora v1 tags: keep, new\n"


def test_push_counts_refs_in_english(cli, bare_remote):
    cli("add", "majora")
    cli("remote", "add", "origin", str(bare_remote), "--no-sync")
    assert re.search(r"^Pushed \d+ refs to origin$", cli("push").out, re.M)
    cli("score", "majora", "v1", "--accuracy", "0.9")  # only the notes ref moves
    assert "Pushed 1 ref to origin\n" in cli("push").out


def test_a_signed_write_says_it_signed(cli, ssh_key, registry_path, git):
    cli("init")
    ssh_key.apply(registry_path)
    git(registry_path, "config", "gitreg.sign", "true")
    assert re.fullmatch(r"Registered majora v1 \(new model; commit [0-9a-f]{12}, signed\)\n", cli("add", "majora").out)
    assert cli("deploy", "majora", "v1").out == "Deployed majora v1 to production (signed)\n"
    assert cli("undeploy", "majora").out == "Undeployed majora v1 from production (signed)\n"
    unsigned = cli("add", "majora", "--no-sign").out
    assert "signed" not in unsigned and unsigned.startswith("Registered majora v2")


def test_values_are_converted_by_gitreg_in_a_real_process(registry_path):
    """gitreg converts command-line values itself (framework/parser.py with coercion.py; typer, whose
    converter coercion.py used to hook, is gone): same values, bad ones exit 2 in one line."""
    code = (
        "import sys\n"
        "from gitreg.clients.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "assert not {'typer', 'click', 'pydantic'} & set(sys.modules), sys.modules\n"
        "sys.exit(code)\n"
    )
    run = lambda *a: subprocess.run([sys.executable, "-c", code, "-R", str(registry_path), *a],  # noqa: E731
                                    capture_output=True, text=True)
    assert run("add", "majora", "--samples", "3", "--learning-rate", "2e-5", "-q").stdout == "v1\n"
    v = ModelRegistry(registry_path).get_version("majora", "v1")
    assert v.training.samples == 3 and v.training.learning_rate == 2e-5
    bad = run("add", "majora", "--samples", "abc")
    assert bad.returncode == 2 and bad.stderr.startswith("gitreg: error: Invalid value for '--samples'")
    assert bad.stderr.count("\n") == 1


def test_piped_tables_are_one_row_per_line_whatever_columns_says(registry_path):
    """A shell may export COLUMNS=80: a pipe still gets whole rows, never a word cut (issue 24)."""
    reg = ModelRegistry(registry_path)
    tags = ["candidate-with-a-long-name", "another-long-tag-name-here", "third-tag-that-is-long"]
    for _ in range(3):
        reg.register_model("majora", tags=tags, evaluation_scores={
            "accuracy": 0.5, "eval_loss": 1.2, "mmlu": 0.3, "hellaswag": 0.4, "arc_challenge": 0.5})
    for command in (["versions", "majora"], ["search", "tag:candidate-with-a-long-name and accuracy > 0.1"],
                    ["info", "majora"]):
        out = run_gitreg("-R", str(registry_path), *command, env={"COLUMNS": "80"}).out
        rows = [line for line in out.splitlines() if line.startswith(("v1", "v2", "v3", "majora"))]
        assert len(rows) == 3 and all(line == line.rstrip() for line in out.splitlines()), (command, out)
        assert all(", ".join(tags) in row or all(t in row for t in tags) for row in rows), (command, out)
