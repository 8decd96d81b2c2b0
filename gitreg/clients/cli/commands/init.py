from __future__ import annotations

from gitreg.clients.cli import context
from gitreg.clients.cli.framework import Context


def run(ctx: Context) -> None:
    """Create the registry (a bare git repository) if missing."""
    reg = context.registry(ctx)
    context.created(reg)
    existed = reg.path.exists() and any(reg.path.iterdir()) if reg.path.is_dir() else reg.path.exists()
    path = reg.init()
    context.say(f"{'Registry exists' if existed else 'Initialized empty gitreg registry'} at {path}")
