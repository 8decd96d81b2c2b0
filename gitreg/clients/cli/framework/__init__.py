"""gitreg's own small command-line layer: declarations as typer's, parsing as click's, no import cost.

Issue 28: typer (and click under it) cost ~50 ms of every command's start-up and the building of
the whole command tree; this layer imports nothing beyond the standard library's core, and the
command modules declare their parameters as before (`Annotated[type, Option(...)]`).
"""
from gitreg.clients.cli.framework.decl import (
    Abort,
    Argument,
    BadParameter,
    Context,
    Exit,
    Group,
    Option,
    UsageError,
    confirm,
)

__all__ = ["Abort", "Argument", "BadParameter", "Context", "Exit", "Group", "Option", "UsageError", "confirm"]
