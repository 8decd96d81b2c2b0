"""`gitreg list`'s line, version by version, as it was rendered before listings
(render.listed_lines renders a whole model's lines at once): the reference the tests hold
listed_lines, and the index-answered listing, to."""
from __future__ import annotations

from typing import Any, Optional, Sequence

from gitreg.clients.cli.columns import present
from gitreg.clients.cli.render import fmt
from gitreg.clients.cli.terminal import clean
from gitreg.core.rows import line_metrics


def for_lines(versions: Sequence[Any], wanted: Optional[list[str]],
              flats: Optional[list[dict[str, Any]]] = None) -> list[str]:
    """The metrics a model's list lines show: accuracy alone when the model has it."""
    return line_metrics([] if wanted is not None else present(versions, flats)[0], wanted)


def list_line(v: Any, metrics: list[str], flat: Optional[dict[str, Any]] = None) -> str:
    """`● v1       (deployed  ) acc=0.850 [production]` of one record or row."""
    flat = v.evaluation_scores.flat() if flat is None else flat
    shown = ""
    for name in metrics:
        value = flat.get(name)
        if value is not None:
            shown += f" acc={value:.3f}" if name == "accuracy" else f" {name}={fmt(value)}"
    envs = f" [{', '.join(v.environments)}]" if v.environments else ""
    return clean(f"{'●' if v.deployed else '○'} {v.version:<8} ({v.status.value:<10}){shown}{envs}", one_line=True)


def line_style(v: Any) -> str:
    return "green" if v.deployed else ("dim" if v.status.value in ("deprecated", "archived") else "")
