"""The cheaper ways `list`, `versions` and `--json` make their text give the same text:
rows drawn as records are (and as rich draws them), the JSON writer's bytes are json.dumps',
cleaning a column at once is cleaning each cell, and the metric columns are chosen alike."""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitreg import ModelRegistry
from gitreg.clients.cli import columns, render, terminal
from gitreg.core.listed import ListedModel
from gitreg.core.rows import VersionRow
from tests.clients.cli import listing_oracle as oracle
from tests.clients.cli.test_versions_table import drawn, reg, rich_text  # noqa: F401 - reg is a fixture


@pytest.mark.parametrize("metrics", [None, ["accuracy"], ["mmlu", "nothing", "eval_loss"], []])
def test_rows_draw_the_records_table(reg, registry_path, metrics):  # noqa: F811
    records, rows = reg.list_versions("majora"), ModelRegistry(registry_path).list_rows("majora")
    assert rows == [VersionRow.of(r) for r in records]
    text = render.versions_text(rows, metrics, terminal.PIPE_WIDTH, colour=True)
    assert text is not None and text == render.versions_text(records, metrics, terminal.PIPE_WIDTH, colour=True)
    assert "\x1b[32mv2 " in text  # the deployed row, green
    plain = render.versions_text(rows, metrics, terminal.PIPE_WIDTH)
    assert plain == rich_text(records, metrics)
    for width in (60, 40):  # squeezed: rich draws both alike
        assert render.versions_text(rows, metrics, width) is None
        assert drawn(render.versions_table(rows, metrics, width)) == drawn(render.versions_table(records, metrics,
                                                                                                 width))


def test_list_lines_of_rows_are_those_of_records(reg, registry_path, cli):  # noqa: F811
    reg.register_model("minora", evaluation_scores={"mmlu": 0.25, "eval_loss": 1.0}, tags=["t\x1b[31m"])
    for name in ("majora", "minora"):
        records = reg.list_versions(name)
        rows = ModelRegistry(registry_path).list_rows(name)
        shown = oracle.for_lines(records, None)
        listed = ListedModel.of_rows(name, rows)
        assert listed.shown == shown
        assert render.listed_lines(listed) == [oracle.list_line(v, shown) for v in records]
    out = cli("list").out
    assert "  ● v2       (deployed  ) acc=0.500 [production]\n" in out
    assert "  ○ v1       (completed ) mmlu=0.25 eval_loss=1\n" in out


def _present_before(flats: list[dict]) -> tuple[list[str], int]:
    """columns.present as it was written before (a Counter and first-seen positions)."""
    counts: Counter = Counter()
    first: dict = {}
    for flat in flats:
        for name in flat:
            counts[name] += 1
            first.setdefault(name, len(first))
    return sorted(counts, key=lambda n: (-counts[n], first[n])), sum(1 for f in flats if f)


@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c", "accuracy", "rouge.rouge1"]), st.floats(0, 1)),
                max_size=12))
def test_metric_columns_are_chosen_as_before(flats):
    class Scores:
        def __init__(self, flat):
            self._flat = flat

        def flat(self):
            return dict(self._flat)

    versions = [type("V", (), {"evaluation_scores": Scores(f)})() for f in flats]
    assert columns.present(versions) == columns.present(versions, flats) == _present_before(flats)


_text = st.text(st.characters(codec="utf-8") | st.sampled_from("\x1b\n\t\u202e\x00 ,"), max_size=8)


@given(st.lists(st.one_of(_text, st.integers(), st.none()), max_size=8), st.booleans())
def test_cleaning_a_column_is_cleaning_each_cell(texts, one_line):
    assert terminal.clean_all(texts, one_line=one_line) == [terminal.clean(t, one_line=one_line) for t in texts]
