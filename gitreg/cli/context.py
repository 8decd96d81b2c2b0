"""What every command needs: the registry from the global option, consoles, JSON out."""
from __future__ import annotations

import json
import os
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


def _console(stderr: bool) -> "Console":
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else int(os.environ.get("COLUMNS", "120"))
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def plain_stdout() -> bool:
    """Whether stdout gets plain text: not a terminal, or NO_COLOR set (as rich decides)."""
    return not sys.stdout.isatty() or bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"


def out() -> "Console":
    """stdout; plain text without colour codes when not a terminal (rich also honours NO_COLOR)."""
    return _console(stderr=False)


def err() -> "Console":
    return _console(stderr=True)


def emit_json(data: Any) -> None:
    """One JSON document on stdout: the stable machine-readable form of a read command."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def say(message: str) -> None:
    """A confirmation of a write, on stdout: plain text, never wrapped (paths and URLs stay whole)."""
    sys.stdout.write(message + "\n")
