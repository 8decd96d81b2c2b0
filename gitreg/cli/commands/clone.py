from __future__ import annotations

from typing import Annotated, Optional

import typer

from .. import context


def run(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Git URL or path of the registry to clone.")],
    path: Annotated[
        Optional[str], typer.Argument(help="Where to put it (default: --registry, else the default registry).")
    ] = None,
) -> None:
    """Make a local registry from a remote one; the remote becomes the sync remote (origin)."""
    from gitreg.registry import ModelRegistry
    from gitreg.urls import redact

    target = path if path is not None else (ctx.obj or {}).get("registry")
    registry = context.track(ModelRegistry.clone(url, target))
    models = registry.list_models()  # every version read once: a bad one is reported, the rest counted
    versions = sum(len(registry.list_versions(m)) for m in models)
    context.say(f"Cloned {redact(url)} into {registry.path}: {len(models)} models, {versions} versions")
