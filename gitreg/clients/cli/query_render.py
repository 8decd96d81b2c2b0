"""Tables for search results and comparisons of many versions (rich, never markup)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from gitreg.clients.cli.render import fmt
from gitreg.clients.cli.terminal import clean

if TYPE_CHECKING:
    from gitreg.api.queries import Comparison
    from gitreg.core.records import ModelVersion

def cell(value: Any, style: str = "") -> Text:
    """Registry text as plain text: no markup, control characters shown escaped."""
    return Text(clean(fmt(value), one_line=True), style=style)


def search_table(records: list["ModelVersion"], names: list[str]) -> Table:
    """One row per version: model, version, status, created, then each field or metric named."""
    from gitreg.api.queries import kind_of, lookup, view_of

    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    fixed = ("model", "version", "status", "created")
    extra = [n for n in names if n not in fixed] or ["accuracy"]
    for col in ("Model", "Version", "Status", "Created", *extra, "Deployed"):
        table.add_column(cell(col), no_wrap=col in ("Version", "Status", "Created"),
                         justify="right" if col in extra and kind_of(col) == "number" else "left")
    for v in records:
        view = view_of(v)
        values = [lookup(view, n) for n in extra]
        table.add_row(
            cell(v.model_name), cell(v.version), cell(v.status.value), cell(v.created_at[:19].replace("T", " ")),
            *(cell(x) for x in values), cell(", ".join(v.environments) or "-"),
            style="green" if v.deployed else None,
        )
    return table


def compare_table(comparison: "Comparison") -> Table:
    """Key, one column per version (the value, then Δ against the first), the best marked *."""
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
