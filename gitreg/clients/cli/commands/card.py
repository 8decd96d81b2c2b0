from __future__ import annotations

import sys
from typing import Annotated, Optional

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Argument, Context, Option
from gitreg.clients.cli.terminal import clean, write

# Registry text is shown as text: no terminal control sequences (tabs and newlines stay).


def run(
    ctx: Context,
    model: Annotated[str, Argument(
        metavar="REF", help="MODEL, MODEL:VERSION, MODEL@ENV or MODEL@latest (or MODEL VERSION).")],
    version: Annotated[Optional[str], Argument(help="Version (default: as REF says, else the latest).")] = None,
    metadata: Annotated[
        bool, Option("--metadata", help="Print only the card's front matter (base_model, datasets, ...).")
    ] = False,
    json_out: options.Json = False,
) -> None:
    """Print the model card (README.md) of a version."""
    card = context.registry(ctx).get_card(model, version)
    if json_out:
        context.emit_json(card.to_dict())
        return
    if card.problem:
        write(f"gitreg: warning: {clean(card.problem, one_line=True)}", sys.stderr)
    if metadata:
        for key, value in {**card.metadata, **{f"result {k}": v for k, v in card.results.items()}}.items():
            shown = ", ".join(value) if isinstance(value, list) else value
            write(f"{key}: {shown}")
        return
    text = clean(card.text)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
