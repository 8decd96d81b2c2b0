"""Human renderings with rich: the seed's list layout, tables, trees.

Cells given as str are escaped by the console (cli/terminal.py); Text built here
holds terminal.clean()'d text. Registry text is never markup.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

from gitreg.clients.cli import columns
from gitreg.clients.cli.terminal import PIPE_WIDTH, clean, clean_all, plural, size
from gitreg.core.recordbase import Record

if TYPE_CHECKING:
    from rich.table import Table

    from gitreg import VerifyReport
    from gitreg.clients.cli.columns import Listed
    from gitreg.core.audit_records import Event
    from gitreg.core.listed import ListedModel
    from gitreg.core.records import ModelVersion

def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    return str(value)


def listed_lines(listed: "ListedModel") -> list[str]:
    """`● v1       (deployed  ) acc=0.850 [production]` of each version of a listing
    (core/listed.ListedModel), in its order: the seed's line with the model's own metrics,
    made a part at a time for all versions (a listing of 10,000 versions)."""
    scores = [""] * len(listed.versions)
    for name in listed.shown:
        if name == "accuracy":
            part = [f" acc={value:.3f}" if value is not None else "" for value in listed.values[name]]
        else:
            part = [f" {name}={fmt(value)}" if value is not None else "" for value in listed.values[name]]
        scores = list(map(str.__add__, scores, part))
    # cleaned without the mark, which clean() leaves as it is (it escapes character by character):
    # the rest is mostly printable ASCII, which needs no pattern at all
    rest = clean_all([f"{version:<8} ({status:<10}){shown}" + (f" [{', '.join(envs)}]" if envs else "")
                      for version, status, envs, shown in zip(listed.versions, listed.statuses,
                                                               listed.environments, scores)], one_line=True)
    return [("● " if envs else "○ ") + line for envs, line in zip(listed.environments, rest)]


def status_style(status: str, deployed: bool) -> str:
    """The style of a list line: deployed green, retired (deprecated, archived) dim."""
    return "green" if deployed else ("dim" if status in ("deprecated", "archived") else "")


_CELLS = ("Version", "Status", "Created", "Parent", "Deployed", "Tags")


@dataclass(eq=False, repr=False)
class _Layout(Record):
    """What a versions table shows: columns, cells and, when squeezed to a width, every width."""
    shown: list[str]
    left_out: list[str]
    cells: dict[str, list[str]]  # per column of _CELLS and per metric shown, one cell a version
    widths: dict[str, Optional[int]]
    caption: Optional[str]


def _natural(header: str, cells: list[str]) -> int:
    """The longest line of a column (a cell may hold several lines once squeezed)."""
    if not cells:
        return len(header)
    if "\n" not in "".join(cells):
        return max(len(header), max(map(len, cells)))
    return max([len(header), *(len(line) for cell in cells for line in cell.split("\n"))])


def _layout(versions: Sequence["Listed"], metrics: Optional[list[str]], width: Optional[int]) -> _Layout:
    """Version, status and environment names are never cut: to fit `width`, the creation time
    loses its hour, parents and tags wrap, and metric columns that still do not fit are left
    out (the caption names them). Built column by column: a table of 20,000 versions."""
    flats = columns.flats_of(versions)
    shown, left_out = columns.for_table(versions, metrics, flats)
    cells = _version_cells(versions)
    wanted = list(shown)
    for m in wanted:
        cells[m] = [fmt(f.get(m)) for f in flats]

    def total(metric_names: list[str], tags: int) -> int:
        keys = ("Version", "Status", "Created", "Parent", "Deployed")
        widths = [_natural(k, cells[k]) for k in keys] + [tags]
        widths += [_natural(m, cells[m]) for m in metric_names]
        return sum(widths) + 3 * (len(widths) - 1)

    widths: dict[str, Optional[int]] = {}
    if width is not None and total(shown, _natural("Tags", cells["Tags"])) > width:
        # Squeezed: the hour goes, one environment and one tag per line, then the metric
        # columns that still leave tags no room; every width is then set, none negotiated.
        cells["Created"] = [c[:10] for c in cells["Created"]]
        cells["Deployed"] = ["\n".join(clean(e, one_line=True) for e in v.environments) or "-" for v in versions]
        cells["Tags"] = ["\n".join(clean(t, one_line=True) for t in v.tags) or "-" for v in versions]
        while shown and width - total(shown, 0) < 6:
            left_out.insert(0, shown.pop())
        for key in ("Version", "Status", "Created", "Parent"):
            widths[key] = _natural(key, cells[key])
        widths["Deployed"] = _natural("Deployed", cells["Deployed"])
        for m in shown:
            widths[m] = _natural(m, cells[m])
        widths["Tags"] = max(4, width - total(shown, 0))
    caption = (f"{plural(len(left_out), 'more metric')}: {', '.join(left_out)} (choose with --metrics)"
               if left_out else None)
    return _Layout(shown, left_out, cells, widths, caption)


def versions_table(versions: Sequence["Listed"], metrics: Optional[list[str]] = None,
                   width: Optional[int] = None) -> "Table":
    """Versions with the metrics they have (or `metrics`), fitted to `width` (see _layout)."""
    from rich.table import Table

    lay = _layout(versions, metrics, width)
    shown, widths, cells = lay.shown, lay.widths, lay.cells
    table = Table(show_edge=False, pad_edge=False, header_style="bold", caption=lay.caption,
                  caption_justify="left")
    table.add_column("Version", no_wrap=True, width=widths.get("Version"))
    table.add_column("Status", no_wrap=True, width=widths.get("Status"))
    table.add_column("Created", no_wrap=True, width=widths.get("Created"))
    table.add_column("Parent", overflow="fold", width=widths.get("Parent"))
    for name in shown:
        table.add_column(name, justify="right", no_wrap=True, width=widths.get(name))
    table.add_column("Deployed", overflow="fold", width=widths.get("Deployed"))
    table.add_column("Tags", overflow="fold", width=widths.get("Tags"))
    for i, v in enumerate(versions):
        table.add_row(
            cells["Version"][i], cells["Status"][i], cells["Created"][i], cells["Parent"][i],
            *(cells[name][i] for name in shown), cells["Deployed"][i], cells["Tags"][i],
            style="green" if v.deployed else None,
        )
    return table


# A character rich would measure, wrap or escape itself: all but printable ASCII and the
# one-column marks gitreg writes (a cut hash "…", a standard error "±").
_NOT_SIMPLE = "[^\x20-\x7e\u2026\u00b1]"


def _not_simple(text: str) -> bool:
    """Whether `text` holds such a character (the pattern compiled only past printable ASCII)."""
    return not (text.isascii() and text.isprintable()) and re.search(_NOT_SIMPLE, text) is not None
_BOLD, _GREEN, _CAPTION, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[2;3m", "\x1b[0m"


def simple_table(headers: list[str], rows: list[list[str]], right: set[int], width: int, *,
                 green: Optional[list[bool]] = None, caption: Optional[str] = None,
                 colour: bool = False) -> Optional[str]:
    """The text rich draws for Table(show_edge=False, pad_edge=False, header_style="bold") of
    these cells, built as strings (rich lays out 20,000 rows in ~20 s).

    Only when that is certain: some rows, every cell printable ASCII on one line (one character,
    one column) and the whole table within `width`; otherwise None, and rich draws it.
    `colour`: the bold header, green rows where `green`, a dim italic caption.
    """
    if not rows:
        return None
    return simple_columns(headers, [list(c) for c in zip(*rows)], right, width, green=green, caption=caption,
                          colour=colour)


def simple_columns(headers: list[str], cols: list[list[str]], right: set[int], width: int, *,
                   green: Optional[list[bool]] = None, caption: Optional[str] = None,
                   colour: bool = False) -> Optional[str]:
    """simple_table of the same cells given column by column (each column one scan, one
    format per line: a table of 20,000 versions)."""
    if not cols or not cols[0] or _not_simple("".join(headers)) or any(_not_simple("".join(col)) for col in cols):
        return None
    sizes = [max(len(h), max(map(len, col))) for h, col in zip(headers, cols)]
    full = sum(sizes) + 3 * (len(sizes) - 1)
    if full > width or (caption and (len(caption) > full or _not_simple(caption))):
        return None

    def pattern(bar: str) -> str:  # "{:<7} │ {:>9}": str.format pads as ljust / rjust do
        return bar.join(f"{{:{'>' if i in right else '<'}{w}}}" for i, w in enumerate(sizes))

    header = pattern(" ┃ ").format(*headers).rstrip(" ")
    out = [f"{_BOLD}{header}{_RESET}" if colour else header, "━╇━".join("━" * w for w in sizes)]
    line = pattern(" │ ").format
    if colour and green and any(green):
        out += [f"{_GREEN}{text}{_RESET}" if g else text
                for text, g in zip((line(*row).rstrip(" ") for row in zip(*cols)), green)]
    else:
        out += [line(*row).rstrip(" ") for row in zip(*cols)]
    if caption:
        out.append(f"{_CAPTION}{caption}{_RESET}" if colour else caption)
    return "\n".join(out) + "\n"


def versions_text(versions: Sequence["Listed"], metrics: Optional[list[str]] = None,
                  width: int = PIPE_WIDTH, colour: bool = False) -> Optional[str]:
    """versions_table's text as strings (simple_table), or None where rich must draw it."""
    if not versions:
        return None
    lay = _layout(versions, metrics, width)
    if lay.widths:  # squeezed to the width: rich wraps the cells
        return None
    headers = ["Version", "Status", "Created", "Parent", *lay.shown, "Deployed", "Tags"]
    return simple_columns(headers, [lay.cells[h] for h in headers], set(range(4, 4 + len(lay.shown))), width,
                          green=[v.deployed for v in versions], caption=lay.caption, colour=colour)


def print_table(as_text: Callable[[int, bool], Optional[str]], as_rich: Callable[[int], Any]) -> None:
    """A table on stdout: as_text(width, colour) when it can draw it, else rich's as_rich(width).
    Off a terminal, as_text needs no rich at all."""
    from gitreg.clients.cli.terminal import console, is_terminal

    if not is_terminal(sys.stdout):
        text = as_text(PIPE_WIDTH, False)
        if text is not None:
            sys.stdout.write(text)
            return
    out = console(sys.stdout)
    text = as_text(out.width, out.color_system is not None)
    if text is not None:
        out.file.write(text)
        return
    out.print(as_rich(out.width))


def print_versions(versions: Sequence["Listed"], metrics: Optional[list[str]] = None) -> None:
    """A versions table on stdout (print_table): of records or rows (core/rows.py)."""
    print_table(lambda width, colour: versions_text(versions, metrics, width, colour),
                lambda width: versions_table(versions, metrics, width=width))


def _version_cells(versions: Sequence["Listed"]) -> dict[str, list[str]]:
    """The text cells of each version, column by column (terminal.clean_all: one scan a column)."""
    return {
        "Version": clean_all([v.version for v in versions], one_line=True),
        "Status": [v.status.value for v in versions],
        "Created": [v.created_at[:16].replace("T", " ") for v in versions],
        "Parent": clean_all([v.parent_version or "-" for v in versions], one_line=True),
        "Deployed": clean_all([", ".join(v.environments) or "-" for v in versions], one_line=True),
        "Tags": clean_all([", ".join(v.tags) or "-" for v in versions], one_line=True),
    }


def version_detail(v: "ModelVersion") -> "Table":
    """Label and value, one row each: a grid, wrapped to the terminal."""
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for label, value in _detail_rows(v):
        table.add_row(label, value)
    return table


def detail_text(v: "ModelVersion", width: int, colour: bool = False) -> Optional[str]:
    """version_detail's text as strings, or None where rich must draw it (see simple_table)."""
    rows = _detail_rows(v)
    size = max(len(label) for label, _ in rows)
    out = []
    for label, value in rows:
        lines = clean(value).split("\n")
        if _not_simple(label) or any(_not_simple(x) or size + 2 + len(x) > width for x in lines):
            return None
        shown = f"{_BOLD}{label}{_RESET}{' ' * (size - len(label))}" if colour else label.ljust(size)
        out.append(f"{shown}  {lines[0]}".rstrip(" "))
        out += [f"{' ' * size}  {x}".rstrip(" ") for x in lines[1:]]
    return "\n".join(out) + "\n"


def _detail_rows(v: "ModelVersion") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []

    def row(label: str, value: Any) -> None:
        if value not in (None, "", [], {}):
            rows.append((label, fmt(value)))

    row("Model", v.model_name)
    row("Version", v.version)
    row("Status", v.status.value)
    row("Created", v.created_at)
    row("Registered by", v.registered_by)
    row("Commit", v.commit)
    row("Parent", v.parent_version)
    row("Base model", str(v.base_model_source) if v.base_model_source else v.base_model)
    since = f" (since {v.deployed_at})" if v.deployed_at else ""
    row("Deployed", ", ".join(v.environments) + since if v.deployed else None)
    if v.training:
        for key, value in v.training.to_dict().items():
            if key != "base_model":
                row(f"training.{key}", value)
    for key, value in v.evaluation_scores.flat().items():
        row(f"score.{key}", _with_meaning(value, v.metric_info.get(key, {})))
    for key, value in v.params.items():
        row(f"params.{key}", value)
    for key, text in (v.curves.summary() if v.curves else []):
        row(f"curve.{key}", text)
    purged = {p.sha256: p for p in v.purged}
    for f in v.files:
        size_note = f" {size(f.size_bytes)}" if isinstance(f.size_bytes, int) else ""
        count = f" in {plural(len(f.contents), 'file')}" if f.contents else ""
        gone = [purged[c] for c in ([f.sha256] + [c.sha256 for c in f.contents or []]) if c in purged]
        where = (f", stored, bytes purged on {gone[0].purged_at[:10]}" if gone and f.stored
                 else ", stored" if f.stored else (", not stored" if f.sha256 else ""))
        extra = f" ({size_note.strip()}{count}{where}, sha256 {f.sha256[:16]}…)" if f.sha256 else ""
        row(f"file.{f.role}", f.path + extra)
    row("Training data", [str(d) for d in v.training_data] or v.training_data_sources)
    row("Code commit", v.git_commit)
    row("Training repo", v.extra.get("training_repo"))
    row("Tags", v.tags)
    row("Notes", v.notes)
    return rows


def _with_meaning(value: Any, info: dict[str, Any]) -> str:
    """'0.47 ± 0.0041 (higher is better, lm-eval, mmlu, 5-shot)': a metric with what it means."""
    from gitreg.core.values import describe_metric_info

    said = clean(describe_metric_info(info), one_line=True)
    return fmt(value) + (f" ± {fmt(info['stderr'])}" if "stderr" in info else "") + (f" ({said})" if said else "")


def history_table(events: list["Event"]) -> "Table":
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    envs = [e.environment or "-" for e in events]
    for col in ("When (UTC)", "Event", "Version", "Env", "Who", "Details"):
        table.add_column(col, no_wrap=col in ("When (UTC)", "Event", "Version"), overflow="fold",
                         min_width=max([3, *map(len, envs)]) if col == "Env" else None)
    for e in events:
        details = "; ".join(f"{k}={fmt(v)}" for k, v in e.details.items() if v not in (None, ""))
        table.add_row(
            _utc(e.timestamp), e.kind, e.version or "-", e.environment or "-",
            e.actor.split(" <")[0], details,
        )
    return table


def _utc(ts: str) -> str:
    import datetime as dt

    try:
        value = dt.datetime.fromisoformat(ts)
    except ValueError:
        return ts
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
    return value.strftime("%Y-%m-%d %H:%M:%S")



def verify_table(report: "VerifyReport") -> "Table":
    """One row per object checked; the problems themselves are listed by verify_problems."""
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col in ("Check", "Object", "Signature", "Signer", "Result"):
        table.add_column(col, no_wrap=col in ("Check", "Signature", "Result"),
                         overflow="fold")
    for c in report.checks:
        if c.signed is None:
            signature = "-"
        elif not c.signed:
            signature = "unsigned"
        else:
            signature = "bad" if any("signature not valid" in p for p in c.problems) else "good"
        result = "FAILED" if c.problems else ("skipped" if c.skipped else "ok")
        table.add_row(
            c.kind, c.subject, signature, c.signer or c.key or "-", result,
            style="red" if c.problems else ("dim" if c.skipped else None),
        )
    return table


def verify_problems(report: "VerifyReport") -> list[str]:
    """'<object>: <problem>' per problem, and why skipped objects were skipped."""
    lines = [f"{c.subject}: {p}" for c in report.checks for p in c.problems]
    lines += [f"{c.subject}: skipped ({c.skipped})" for c in report.checks if c.skipped]
    return lines


def settled_lines(settled: list, remote: str, taken_in: bool) -> list[str]:
    """One line per earlier push of unknown outcome that pull/push asked the remote about (sync.Settled)."""
    out = []
    here = "now here too" if taken_in else "'gitreg pull' or the next write takes it in"
    for s in settled:
        r = s.record
        what = f"{r.kind} of {', '.join(sorted(r.models))} ({r.created_at})"
        out.append(clean(f"  earlier  {what}: " + (f"had reached {remote}, {here}" if s.published
                                                    else f"had not reached {remote}; write it again"),
                         one_line=True))
    return out
