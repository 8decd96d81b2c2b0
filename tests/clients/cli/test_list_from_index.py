"""`gitreg list` answered from the view index writes what it wrote from the rows: the same
bytes piped (with --metrics, --json) and on a terminal, the same problems on stderr (a bad
version named once, hostile refs), on a registry where some models are answered by the index
and some are read as rows (tests/features/listing/test_fromindex.py: which, and why)."""
from __future__ import annotations

import pytest

from gitreg import ModelRegistry
from gitreg.clients.cli import render
from gitreg.core.listed import ListedModel
from gitreg.git.cache import viewindex
from tests.clients.cli import listing_oracle as oracle
from tests.clients.cli.conftest import run_on_terminal
from tests.features.listing.test_fromindex import ANSWERED, WANTED, answered, built, varied  # noqa: F401 - fixtures

ARGS = [[], ["--metrics", "params.lr,mmlu"], ["--metrics", "accuracy,accuracy"], ["--metrics", ""],
        ["--metrics", "f1_score,rouge.rouge1,params.optim,mmlu/acc,none"], ["--json"]]


@pytest.fixture
def registry_path(varied):  # noqa: F811 - the fixture imported above
    """The CLI's registry (the `cli` fixture's -R): a copy of the built registry, caches removed."""
    return varied


@pytest.mark.parametrize("args", ARGS)
def test_the_index_writes_what_the_rows_wrote(cli, registry_path, monkeypatch, args):
    monkeypatch.setenv("GITREG_NO_CACHE", "1")  # every model read as rows, from the objects
    rows = cli("list", *args)
    assert rows.code == 1 and "refs/tags/broken/v2" in rows.err and "refs/heads/code" in rows.err
    monkeypatch.delenv("GITREG_NO_CACHE")
    made = cli("list", *args)  # makes the index (--json: records, as ever)
    assert viewindex.path_of(registry_path).exists() == (args != ["--json"])
    warm = cli("list", *args)
    assert set(answered(registry_path, None)) == ANSWERED  # the index can answer
    assert made == warm == rows
    assert sum(line.startswith("gitreg: problem: refs/tags/broken/v2") for line in warm.err.splitlines()) == 1


def test_on_a_terminal_too(registry_path, monkeypatch):
    monkeypatch.setenv("GITREG_NO_CACHE", "1")
    command = ["-R", str(registry_path), "list"]
    rows = run_on_terminal(command, "stdout", cols=120)
    monkeypatch.delenv("GITREG_NO_CACHE")
    run_on_terminal(command, "stdout", cols=120)  # makes the index
    warm = run_on_terminal(command, "stdout", cols=120)
    assert set(answered(registry_path, None)) == ANSWERED
    assert warm == rows and "\x1b[32m" in warm[1] and "\x1b[2m" in warm[1]  # deployed green, retired dim


@pytest.mark.parametrize("wanted", WANTED)
def test_a_listing_s_lines_are_the_rows_lines(registry_path, wanted):
    """listed_lines (every listing) writes what list_line wrote of each row and record."""
    reg = ModelRegistry(registry_path)
    for name in reg.list_models():
        rows, records = reg.list_rows(name), reg.list_versions(name)
        shown = oracle.for_lines(rows, wanted)
        assert shown == oracle.for_lines(records, wanted)
        listed = ListedModel.of_rows(name, rows, wanted)
        assert listed.shown == shown
        assert render.listed_lines(listed) == [oracle.list_line(v, shown) for v in rows] \
            == [oracle.list_line(v, shown) for v in records]
        assert [render.status_style(s, bool(e)) for s, e in zip(listed.statuses, listed.environments)] \
            == [oracle.line_style(v) for v in rows]
