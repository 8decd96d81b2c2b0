"""Tables for search results and comparisons of many versions (rich, never markup)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from gitreg.clients.cli.render import fmt, simple_table
from gitreg.clients.cli.terminal import clean

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from gitreg.api.queries import Comparison
    from gitreg.core.records import ModelVersion

def cell(value: Any, style: str = "") -> "Text":
    """Registry text as plain text: no markup, control characters shown escaped."""
    from rich.text import Text

    return Text(clean(fmt(value), one_line=True), style=style)


def _search_cells(records: list["ModelVersion"], names: list[str]) -> tuple[list[str], list[list[str]], set[int]]:
    """Headers, cells (cleaned, one line) and right-justified columns of a search table."""
    from gitreg.api.queries import kind_of, lookup, view_of

    fixed = ("model", "version", "status", "created")
    extra = [n for n in names if n not in fixed] or ["accuracy"]
    headers = [clean(c, one_line=True) for c in ("Model", "Version", "Status", "Created", *extra, "Deployed")]
    right = {4 + i for i, n in enumerate(extra) if kind_of(n) == "number"}
    rows = []
    for v in records:
        view = view_of(v)
        rows.append([clean(fmt(x), one_line=True) for x in (
            v.model_name, v.version, v.status.value, v.created_at[:19].replace("T", " "),
            *(lookup(view, n) for n in extra), ", ".join(v.environments) or "-")])
    return headers, rows, right


def search_text(records: list["ModelVersion"], names: list[str], width: int, colour: bool = False) -> Optional[str]:
    """search_table's text as strings (render.simple_table), or None where rich must draw it."""
    headers, rows, right = _search_cells(records, names)
    return simple_table(headers, rows, right, width, green=[v.deployed for v in records], colour=colour)


def search_table(records: list["ModelVersion"], names: list[str]) -> "Table":
    """One row per version: model, version, status, created, then each field or metric named."""
    from rich.table import Table
    from rich.text import Text

    headers, rows, right = _search_cells(records, names)
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for i, col in enumerate(headers):
        table.add_column(Text(col), no_wrap=col in ("Version", "Status", "Created"),
                         justify="right" if i in right else "left")
    for v, row in zip(records, rows):
        table.add_row(*map(Text, row), style="green" if v.deployed else None)
    return table


def compare_table(comparison: "Comparison") -> "Table":
    """Key, one column per version (the value, then Δ against the first), the best marked *."""
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("Key")
    for version in comparison.versions:
        table.add_column(cell(version), justify="right")
    table.add_column("Best")
    for row in comparison.rows:
        cells = [cell(row.key)]
        for i, version in enumerate(comparison.versions):
            text = fmt(row.values[version])
            if version in row.stderr:
                text += f" ± {fmt(row.stderr[version])}"
            delta = row.delta.get(version)
            if i and delta is not None:
                text += f" ({delta:+.6g}" + (", within error)" if version in row.within_error else ")")
            best = version in row.best
            cells.append(cell(text + (" *" if best else ""), "bold green" if best else ""))
        cells.append(cell(", ".join(row.best) + (f" ({row.direction})" if row.best else "")))
        table.add_row(*cells)
    return table
