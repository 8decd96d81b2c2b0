"""`gitreg du`: bytes of stored files per model / version / role; shared bytes counted once."""
from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import complete, context, options
from gitreg.clients.cli.framework import Argument, Context


def run(
    ctx: Context,
    model: Annotated[Optional[str], Argument(help="Only this model.", autocompletion=complete.models)] = None,
    json_out: options.Json = False,
) -> None:
    """Stored bytes per model, version and role; totals count a file shared by versions or models once."""
    from gitreg.core.units import human_size

    usage = context.registry(ctx).du(model)
    if json_out:
        context.emit_json({"rows": [vars(r) for r in usage.rows],
                           "models": {m: {"bytes": b, "here": h} for m, (b, h) in usage.models.items()},
                           "total": usage.total, "here": usage.here})
        return
    for r in usage.rows:
        here = "" if r.here == r.bytes else f" ({human_size(r.here)} here)"
        context.say(f"{human_size(r.bytes):>10}  {r.model}:{r.version} {r.role} ({r.files} file(s)){here}")
    for name, (total, here) in usage.models.items():
        context.say(f"{human_size(total):>10}  {name} total, shared files once ({human_size(here)} here)")
    if model is None:
        context.say(f"{human_size(usage.total):>10}  all models, shared files once ({human_size(usage.here)} here)")
