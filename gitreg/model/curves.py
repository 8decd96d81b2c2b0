"""Training curves: a version's step -> metrics history, stored as `curves/history.csv` in the
version's tree (DESIGN.md 'Additions of this round'; docs/storage.md 'Training curves').

The file is plain CSV that git shows and diffs: a header `step,<name>,<name>...` (names of
the metric grammar, sorted), one row per logged step in step order, an empty cell where
that step logged no value. Reading it is bounded and checked: it comes from the registry.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from gitreg.core import values
from gitreg.core.errors import CorruptRegistryError, InvalidValueError
from gitreg.core.recordbase import Record

FILE = "curves/history.csv"
MAX_ROWS = 100_000
MAX_COLUMNS = 64
MAX_BYTES = 16 * 1024 * 1024


@dataclass(eq=False, repr=False)
class Curves(Record):
    """Columns (metric names) and rows (step, one value or None per column)."""
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[float, list[Optional[float]]]] = field(default_factory=list)

    def series(self, name: str) -> list[tuple[float, float]]:
        """(step, value) of one column, where the step logged it."""
        i = self.columns.index(name)
        return [(step, vals[i]) for step, vals in self.rows if vals[i] is not None]

    def summary(self) -> list[tuple[str, str]]:
        """(column, 'N points, step a-b: first -> last (min m at s, max M at t)') per column."""
        out = []
        for name in self.columns:
            points = self.series(name)
            if not points:
                continue
            lo = min(points, key=lambda p: p[1])
            hi = max(points, key=lambda p: p[1])
            out.append((name, f"{len(points)} points, step {_n(points[0][0])}-{_n(points[-1][0])}: "
                              f"{_n(points[0][1])} -> {_n(points[-1][1])} "
                              f"(min {_n(lo[1])} at {_n(lo[0])}, max {_n(hi[1])} at {_n(hi[0])})"))
        return out


def _n(value: float) -> str:
    return f"{value:.6g}"


def _number(text: str) -> Optional[float]:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def make(entries: Iterable[Mapping[str, Any]]) -> Curves:
    """Curves from step entries ({"step": 10, "loss": 2.1, ...}), checked: a step and finite
    numbers under metric names; one step logged twice is merged (later values win)."""
    by_step: dict[float, dict[str, float]] = {}
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise InvalidValueError(f"a curve entry must be a mapping with a step, got {str(entry)[:60]!r}")
        if "step" not in entry:
            raise InvalidValueError(f"a curve entry has no step: {str(dict(entry))[:80]}")
        step = values.check_number("curve step", entry["step"])
        row = by_step.setdefault(float(step), {})
        for name, value in entry.items():
            if name != "step" and value is not None:
                row[values.check_metric_name(str(name))] = float(values.check_number(f"curve {name}", value))
        if len(by_step) > MAX_ROWS:
            raise InvalidValueError(f"curves hold more than {MAX_ROWS} steps")
    columns = sorted({name for row in by_step.values() for name in row})
    if len(columns) > MAX_COLUMNS:
        raise InvalidValueError(f"curves hold {len(columns)} series; at most {MAX_COLUMNS}")
    return Curves(columns, [(step, [by_step[step].get(c) for c in columns]) for step in sorted(by_step)])


def encode(curves: Curves) -> bytes:
    lines = [",".join(["step", *(_quoted(c) for c in curves.columns)])]
    for step, vals in curves.rows:
        lines.append(",".join([_n17(step), *("" if v is None else _n17(v) for v in vals)]))
    return ("\n".join(lines) + "\n").encode()


def _n17(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(float(value))


def _quoted(name: str) -> str:
    """Metric names may hold ',' (lm-eval's `acc,none`): quoted as CSV does."""
    return f'"{name}"' if "," in name else name


def _split(line: str) -> list[str]:
    out, cell, quoted = [], "", False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append(cell)
            cell = ""
        else:
            cell += ch
    out.append(cell)
    return out


def decode(data: bytes, where: str) -> Curves:
    """The stored file, checked; a structural fault is CorruptRegistryError naming `where`,
    a cell that is not a finite number reads as no value."""
    if len(data) > MAX_BYTES:
        raise CorruptRegistryError(f"{where}: {len(data)} bytes; curves are at most {MAX_BYTES}")
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise CorruptRegistryError(f"{where}: not UTF-8 text") from None
    if not lines or _split(lines[0])[0] != "step":
        raise CorruptRegistryError(f"{where}: the first line must be the header 'step,<name>,...'")
    columns = _split(lines[0])[1:]
    if len(columns) > MAX_COLUMNS or len(lines) - 1 > MAX_ROWS:
        raise CorruptRegistryError(f"{where}: more than {MAX_COLUMNS} series or {MAX_ROWS} steps")
    try:
        for name in columns:
            values.check_metric_name(name)
    except InvalidValueError as exc:
        raise CorruptRegistryError(f"{where}: {exc}") from None
    rows: list[tuple[float, list[Optional[float]]]] = []
    for line in lines[1:]:
        cells = _split(line)
        step = _number(cells[0])
        if step is None or len(cells) != len(columns) + 1:
            continue  # one bad row is left out, not the curves
        rows.append((step, [_number(c) if c else None for c in cells[1:]]))
    return Curves(columns, rows)
