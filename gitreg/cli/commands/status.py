from __future__ import annotations

from typing import Annotated

import typer

from .. import complete, context, options


def run(
    ctx: typer.Context,
    model: options.Model,
    version: Annotated[str, typer.Argument(autocompletion=complete.versions, help="Version.")],
    state: Annotated[
        str, typer.Argument(help="draft, training, completed, deprecated or archived.")
    ],
) -> None:
    """Set a version's status.

    'deployed' is not set by hand: it follows deploy, rollback and undeploy.
    """
    v = context.registry(ctx).set_status(model, version, state)
    context.say(f"{model} {version} is now {v.status.value}")
