from __future__ import annotations

from typing import Annotated

import typer

from .. import context


def run(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="Model name.")],
    version: Annotated[str, typer.Argument(help="Version.")],
    state: Annotated[
        str, typer.Argument(help="draft, training, completed, deprecated or archived.")
    ],
) -> None:
    """Set a version's status.

    'deployed' is not set by hand: it follows deploy, rollback and undeploy.
    """
    v = context.registry(ctx).set_status(model, version, state)
    context.say(f"{model} {version} is now {v.status.value}")
