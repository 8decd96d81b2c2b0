from __future__ import annotations

import re
import sys
from typing import Annotated, Optional

import typer

from .. import context, options

# Registry text is shown as text: no terminal control sequences (tabs and newlines stay).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def run(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model name.")],
    version: Annotated[Optional[str], typer.Argument(help="Version (default: the latest).")] = None,
    metadata: Annotated[
        bool, typer.Option("--metadata", help="Print only the card's front matter (base_model, datasets, ...).")
    ] = False,
    json_out: options.Json = False,
) -> None:
    """Print the model card (README.md) of a version."""
    card = context.registry(ctx).get_card(model, version)
    if json_out:
        context.emit_json(card.to_dict())
        return
    if card.problem:
        sys.stderr.write(f"gitreg: warning: {_CONTROL.sub('?', card.problem)}\n")
    if metadata:
        for key, value in {**card.metadata, **{f"result {k}": v for k, v in card.results.items()}}.items():
            shown = ", ".join(value) if isinstance(value, list) else value
            sys.stdout.write(_CONTROL.sub("?", f"{key}: {shown}") + "\n")
        return
    text = _CONTROL.sub("?", card.text)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
