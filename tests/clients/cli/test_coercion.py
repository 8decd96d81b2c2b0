"""Command-line values are converted by gitreg itself (gitreg/clients/cli/coercion.py, called by
framework/parser.py), without pydantic, with the results typer's conversion gave and one style of
one-line errors, exit status 2."""
from __future__ import annotations

import json
import subprocess
import sys


def test_values_of_every_kind_are_converted(cli, tmp_path):
    card = tmp_path / "card.md"
    card.write_text("# majora\n")
    r = cli("add", "majora", "--samples", "223", "--epochs", "3", "--learning-rate", "2e-4",
            "--accuracy", "0.85", "--cost-usd", "1", "-d", "oracle", "-d", "toolbench",
            "--tag", "a", "--card", str(card), "-q")
    assert (r.code, r.out) == (0, "v1\n"), r.err
    shown = cli("show", "majora", "v1", "--json")
    v = json.loads(shown.out)
    assert v["training"]["samples"] == 223 and isinstance(v["training"]["samples"], int)
    assert v["training"]["learning_rate"] == 2e-4 and v["training"]["cost_usd"] == 1.0
    assert v["evaluation_scores"]["accuracy"] == 0.85
    assert v["training_data_sources"] == ["oracle", "toolbench"] and v["tags"] == ["a"]


def test_bad_numbers_are_one_line_usage_errors(cli):
    for args, message in (
        (["--samples", "abc"], "Invalid value for '--samples': 'abc' is not a whole number"),
        (["--samples", "2.5"], "Invalid value for '--samples': '2.5' is not a whole number"),
        (["--learning-rate", "1e"], "Invalid value for '--learning-rate': '1e' is not a number"),
        (["--accuracy", "nan"], "Invalid value for '--accuracy': 'nan' is not a finite number"),
        (["--accuracy", "-inf"], "Invalid value for '--accuracy': '-inf' is not a finite number"),
        (["--metric", "mmlu=nan"], "Invalid value for '--metric': mmlu: 'nan' is not a finite number"),
    ):
        r = cli("add", "majora", *args)
        assert r.code == 2 and r.out == "", args
        assert r.err.startswith(f"gitreg: error: {message}") and r.err.count("\n") == 1, r.err


def test_commands_do_not_import_pydantic(tmp_path):
    code = (
        "import sys\n"
        "from gitreg.clients.cli.main import main\n"
        f"main(['-R', {str(tmp_path / 'r.git')!r}, 'add', 'm', '--samples', '3', '-q'])\n"
        f"main(['-R', {str(tmp_path / 'r.git')!r}, 'versions', 'm', '--help'])\n"
        "print('PYDANTIC', 'pydantic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("v1\n") and out.strip().endswith("PYDANTIC False")
