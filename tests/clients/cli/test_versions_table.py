"""`versions` / `info` / `search` tables and `show` drawn as strings (render.simple_table): the same text rich draws,
in a fraction of the time (a 20,000-version model: benchmarks/RESULTS.md), and rich where the
strings cannot be the same (wide or unusual characters, a table squeezed to a terminal)."""
from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest

from gitreg import ModelRegistry
from gitreg.clients.cli import render, terminal
from tests.clients.cli.conftest import run_on_terminal

SCORES = {"accuracy": 0.91, "f1_score": 0.5, "perplexity": 12.25, "pass_at_1": 0.3, "mmlu": 0.47,
          "eval_loss": 1.5}


@pytest.fixture
def reg(registry_path):
    reg = ModelRegistry(registry_path)
    reg.register_model("majora", evaluation_scores=SCORES, tags=["prod-candidate", "q4"], notes="first")
    reg.register_model("majora", evaluation_scores={"accuracy": 0.5}, parent_version="v1")
    reg.register_model("majora", evaluation_scores={"perplexity": 123456789.0, "mmlu": 1e-9})
    reg.deploy("majora", "v2", environment="production")
    return reg


def rich_text(versions, metrics, width=None) -> str:
    return drawn(render.versions_table(versions, metrics, width=terminal.PIPE_WIDTH if width is None else width))


def drawn(renderable) -> str:
    buf = io.StringIO()
    terminal.console(buf).print(renderable)  # not a terminal: as through a pipe
    return buf.getvalue()


@pytest.mark.parametrize("metrics", [None, ["accuracy"], ["mmlu", "nothing", "eval_loss"], []])
def test_strings_are_rich_table_exactly(reg, metrics):
    versions = reg.list_versions("majora")
    text = render.versions_text(versions, metrics, terminal.PIPE_WIDTH)
    assert text is not None
    assert text == rich_text(versions, metrics)
    if metrics is None:  # six metrics: four shown, the caption names the others
        assert "2 more metrics: " in text.splitlines()[-1]


def test_search_and_show_strings_are_rich_exactly(reg, tmp_path):
    from gitreg.clients.cli.query_render import search_table, search_text

    records = reg.search("accuracy > 0.1 or mmlu < 1")
    for names in (["accuracy"], ["mmlu", "tag", "model"], []):
        text = search_text(records, names, terminal.PIPE_WIDTH)
        assert text is not None and text == drawn(search_table(records, names))
    (tmp_path / "config.json").write_text("{}")
    reg.register_model("majora", notes="two\nlines\n  indented", tags=["x"], evaluation_scores={"accuracy": 0.2},
                       config_path=str(tmp_path / "config.json"))  # a file line: "sha256 0123…"
    for v in reg.list_versions("majora"):
        text = render.detail_text(v, terminal.PIPE_WIDTH)
        assert text is not None and text == drawn(render.version_detail(v))
    assert "…)" in text
    assert text.endswith("Notes           two\n                lines\n                  indented\n")
    assert render.detail_text(v, 20) is None  # would wrap: rich does it


def test_what_strings_cannot_match_is_left_to_rich(reg, registry_path):
    reg.register_model("majora", tags=["模型"], evaluation_scores={"accuracy": 0.1})
    versions = reg.list_versions("majora")
    assert render.versions_text(versions, None, terminal.PIPE_WIDTH) is None  # wide characters
    assert render.versions_text(versions[:3], None, 40) is None  # squeezed to 40 columns
    assert render.versions_text([], None, terminal.PIPE_WIDTH) is None
    out = subprocess.run([sys.executable, "-m", "gitreg", "-R", str(registry_path), "versions", "majora"],
                         capture_output=True, text=True, check=True).stdout
    assert out == rich_text(versions, None)


def test_piped_reads_do_not_import_rich(reg, registry_path):
    code = ("import sys; from gitreg.clients.cli.main import main; "
            f"c = main(['-R', {str(registry_path)!r}, *sys.argv[1:]]); "
            "print('rich' in sys.modules, c, file=sys.stderr)")
    for command in (["versions", "majora"], ["info", "majora"], ["show", "majora"], ["search", "mmlu > 0"]):
        proc = subprocess.run([sys.executable, "-c", code, *command], capture_output=True, text=True)
        assert proc.stderr.strip() == "False 0", proc.stderr
        assert re.search(r"^(v2 +│ \w+|majora +│ v1 ) +│ |^Version +v3$", proc.stdout, re.M), proc.stdout


def test_on_a_terminal_the_same_table_with_its_colours(reg, registry_path):
    versions = reg.list_versions("majora")
    code, shown = run_on_terminal(["-R", str(registry_path), "versions", "majora"], "stdout", cols=200)
    assert code == 0
    lines = shown.replace("\r\n", "\n").splitlines()
    assert lines[0].startswith("\x1b[1mVersion") and lines[-1].startswith("\x1b[2;3m2 more metrics")
    deployed = [line for line in lines if line.startswith("\x1b[32mv2 ")]
    assert len(deployed) == 1 and deployed[0].endswith("\x1b[0m")
    assert re.sub(r"\x1b\[[0-9;]*m", "", shown.replace("\r\n", "\n")) == rich_text(versions, None)
    code, narrow = run_on_terminal(["-R", str(registry_path), "versions", "majora"], "stdout", cols=60)
    assert code == 0 and "v2" in narrow and "2026" in narrow  # squeezed: rich fits it (the hour goes)
    code, plain = run_on_terminal(["-R", str(registry_path), "versions", "majora"], "stdout", cols=200,
                                  env={"NO_COLOR": "1"})
    assert code == 0 and "\x1b" not in plain and "v2 " in plain
