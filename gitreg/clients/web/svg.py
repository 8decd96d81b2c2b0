"""Inline SVG made by gitreg: a metric across versions and a lineage graph. No scripts, no fetches.

Every label is escaped (and cleaned of control characters); every point and edge
carries a <title> (a tooltip and what a screen reader says) and data- attributes
naming its versions, which is what the browser tests count.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from markupsafe import Markup, escape

from gitreg.clients.web.text import clean, number, plural

CHART_W, CHART_H, PAD = 720, 220, 44


def _e(text: str) -> str:
    """Escaped text for SVG built with f-strings (Markup.format is ten times slower per point)."""
    return str(escape(clean(text, 200)))


def metric_chart(metric: str, points: Sequence[tuple[str, float, str]]) -> Markup:
    """One point per (version, value, href) in order, joined by a line; axes show the value range."""
    if not points:
        return Markup("")
    values = [v for _, v, _ in points]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    step = (CHART_W - 2 * PAD) / max(len(points) - 1, 1)
    flat, single = lo == hi, len(points) == 1  # one value: one label, drawn mid-height (mid-width for one point)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = CHART_W / 2 if single else PAD + i * step
        return x, CHART_H / 2 if flat else CHART_H - PAD - (v - lo) / span * (CHART_H - 2 * PAD)

    coords = [xy(i, v) for i, (_, v, _) in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    out = [(
        '<svg class="chart" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'xmlns="http://www.w3.org/2000/svg" aria-labelledby="t-{id}"><title id="t-{id}">{m} across '
        '{n}</title>'
        '<line class="axis" x1="{p}" y1="{b}" x2="{r}" y2="{b}"/><line class="axis" x1="{p}" y1="{p2}" '
        'x2="{p}" y2="{b}"/>{values}{versions}'
        '<polyline class="series" points="{line}"/>'
    ).format(w=CHART_W, h=CHART_H - 8, id=_e(metric), m=_e(metric), n=plural(len(points), "version"), p=PAD,
             p2=PAD - 10, b=CHART_H - PAD, r=CHART_W - PAD, line=line,
             values=(f'<text x="4" y="{CHART_H / 2:.0f}">{number(lo)}</text>' if flat else
                     f'<text x="4" y="{PAD - 10}">{number(hi)}</text>'
                     f'<text x="4" y="{CHART_H - PAD}">{number(lo)}</text>'),
             versions=(f'<text x="{CHART_W / 2:.0f}" y="{CHART_H - 8}" text-anchor="middle">{_e(points[0][0])}</text>'
                       if single else
                       f'<text x="{PAD}" y="{CHART_H - 8}">{_e(points[0][0])}</text>'
                       f'<text x="{CHART_W - PAD}" y="{CHART_H - 8}" text-anchor="end">{_e(points[-1][0])}</text>'))]
    for (version, value, href), (x, y) in zip(points, coords):
        v = _e(version)
        out.append(f'<a href="{_e(href)}"><circle class="point" data-version="{v}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                   f'<title>{v}: {number(value)}</title></circle></a>')
    out.append("</svg>")
    return Markup("".join(out))


MAX_CURVE_POINTS = 400  # per series drawn: a long history is thinned evenly (first and last kept)


def _thin(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(points) <= MAX_CURVE_POINTS:
        return list(points)
    step = (len(points) - 1) / (MAX_CURVE_POINTS - 1)
    return [points[round(i * step)] for i in range(MAX_CURVE_POINTS)]


def curve_chart(name: str, series: Sequence[tuple[str, Sequence[tuple[float, float]]]]) -> Markup:
    """A training curve: step on x, value on y, one polyline per (label, points) laid over each
    other on shared axes (a version's curve, or two versions' in the diff view)."""
    drawn = [(label, _thin(points)) for label, points in series if points]
    if not drawn:
        return Markup("")
    xs = [x for _, pts in drawn for x, _ in pts]
    ys = [y for _, pts in drawn for _, y in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    xspan, yspan = (x1 - x0) or 1.0, (y1 - y0) or 1.0

    def xy(x: float, y: float) -> str:
        return (f"{PAD + (x - x0) / xspan * (CHART_W - 2 * PAD):.1f},"
                f"{CHART_H - PAD - (y - y0) / yspan * (CHART_H - 2 * PAD):.1f}")

    labels = " vs ".join(_e(label) for label, _ in drawn)
    out = [(
        f'<svg class="chart curve" role="img" viewBox="0 0 {CHART_W} {CHART_H - 8}" width="{CHART_W}" '
        f'height="{CHART_H - 8}" xmlns="http://www.w3.org/2000/svg" data-curve="{_e(name)}">'
        f'<title>{_e(name)} by step: {labels}</title>'
        f'<line class="axis" x1="{PAD}" y1="{CHART_H - PAD}" x2="{CHART_W - PAD}" y2="{CHART_H - PAD}"/>'
        f'<line class="axis" x1="{PAD}" y1="{PAD - 10}" x2="{PAD}" y2="{CHART_H - PAD}"/>'
        f'<text x="4" y="{PAD - 10}">{number(y1)}</text><text x="4" y="{CHART_H - PAD}">{number(y0)}</text>'
        f'<text x="{PAD}" y="{CHART_H - 8}">step {number(x0)}</text>'
        f'<text x="{CHART_W - PAD}" y="{CHART_H - 8}" text-anchor="end">{number(x1)}</text>'
    )]
    for i, (label, pts) in enumerate(drawn):
        line = " ".join(xy(x, y) for x, y in pts)
        out.append(f'<polyline class="series s{i}" data-version="{_e(label)}" points="{line}">'
                   f'<title>{_e(label)}: {len(pts)} points</title></polyline>')
        lx, ly = xy(*pts[-1]).split(",")
        out.append(f'<text class="legend s{i}" x="{lx}" y="{ly}">{_e(label)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


@dataclass
class Node:
    key: str  # 'v3' for this model's versions, 'other:v2' for another model's
    label: str
    href: Optional[str]
    external: bool = False


ROW, LANE, MAX_LANES, LEFT = 24, 18, 8, 16


def lineage_graph(nodes: Sequence[Node], edges: Sequence[tuple[str, str]]) -> Markup:
    """Nodes top to bottom in the given order; an edge (parent, child) is a path parent -> child.

    A child takes its parent's lane when it is the parent's first child, else the next
    lane (a branch), so a straight chain is a straight line; at most MAX_LANES lanes.
    """
    row = {n.key: i for i, n in enumerate(nodes)}
    lane: dict[str, int] = {}
    used_children: set[str] = set()
    parent_of = {child: parent for parent, child in edges}
    for n in nodes:
        parent = parent_of.get(n.key)
        if parent is None or parent not in lane:
            lane[n.key] = 0
        elif parent not in used_children:
            lane[n.key] = lane[parent]
            used_children.add(parent)
        else:
            lane[n.key] = min(lane[parent] + 1, MAX_LANES - 1)
    height = ROW * len(nodes) + ROW
    width = LEFT + LANE * MAX_LANES + 260

    def at(key: str) -> tuple[int, int]:
        return LEFT + lane[key] * LANE, ROW * row[key] + ROW // 2 + 4

    out = [(
        '<svg class="lineage" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'xmlns="http://www.w3.org/2000/svg" aria-label="lineage graph: {n}, {e}">'
    ).format(w=width, h=height, n=plural(len(nodes), "version"), e=plural(len(edges), "edge"))]
    for parent, child in edges:
        if parent not in row or child not in row:
            continue
        (x1, y1), (x2, y2) = at(parent), at(child)
        p, c = _e(parent), _e(child)
        out.append(f'<path class="edge" data-parent="{p}" data-child="{c}" '
                   f'd="M{x1},{y1} C{x1},{(y1 + y2) // 2} {x2},{(y1 + y2) // 2} {x2},{y2}">'
                   f'<title>{c} trained from {p}</title></path>')
    text_x = LEFT + LANE * MAX_LANES
    for n in nodes:
        x, y = at(n.key)
        label = _e(n.label)
        node = (f'<circle class="node{" external" if n.external else ""}" data-key="{_e(n.key)}" cx="{x}" cy="{y}" '
                f'r="5"><title>{label}</title></circle><text x="{text_x}" y="{y + 4}">{label}</text>')
        out.append(f'<a href="{_e(n.href)}">{node}</a>' if n.href else node)
    out.append("</svg>")
    return Markup("".join(out))
