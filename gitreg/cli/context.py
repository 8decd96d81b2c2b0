"""What every command needs: the registry from the global option, consoles, JSON out."""
from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from gitreg.lineage import LineageTracker
    from gitreg.registry import ModelRegistry


def registry(ctx: typer.Context) -> "ModelRegistry":
    from gitreg.registry import ModelRegistry

    obj = ctx.obj or {}
    return ModelRegistry(obj.get("registry"), offline=bool(obj.get("offline")))


def tracker(ctx: typer.Context) -> "LineageTracker":
    from gitreg.lineage import LineageTracker

    return LineageTracker(ctx.obj.get("registry") if ctx.obj else None)


def plain_stdout() -> bool:
    """Whether stdout gets plain text: not a terminal, or NO_COLOR / TERM=dumb."""
    from .terminal import plain

    return plain(sys.stdout)


def out() -> "Console":
    """stdout: registry text escaped, never markup; no colour codes off a terminal or under NO_COLOR."""
    from .terminal import console

    return console(sys.stdout)


def err() -> "Console":
    from .terminal import console

    return console(sys.stderr)


def emit_json(data: Any) -> None:
    """One JSON document on stdout: the stable machine-readable form of a read command."""
    from .terminal import json_safe

    sys.stdout.write(json_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n")


def say(message: str) -> None:
    """A confirmation of a write, on stdout: plain text, never wrapped (paths and URLs stay whole)."""
    from .terminal import write

    write(message)
