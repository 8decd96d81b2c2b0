"""`gitreg clone URL [PATH]` starts git before the CLI is imported (issue 28).

main calls `start` first: the CLI framework, the census and the standard library they load
(dataclasses and its inspect, json: ~25 ms) then import while git transfers, instead of before
it (a clone at 1,000 versions is ~110 ms). The clone command takes that clone over once
parsed (`take`); anything else (a usage error, an interrupt) stops it and removes what it
made (`drop`). This module loads nothing until the line is a plain clone.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from gitreg.api.clonestart import Started

# The clone `start` started for this command line: (url, path as typed or None, clone).
_started: list[tuple[str, Optional[str], "Started"]] = []


def start(args: list[str]) -> None:
    """Start git now when `args` is exactly `clone URL [PATH]` (no option anywhere, so the parse
    that follows can only call the clone command with that url and path); a start refused or
    failed is left to the command, which meets the same refusal and reports it as always."""
    if len(args) not in (2, 3) or args[0] != "clone" or any(a.startswith("-") for a in args[1:]):
        return
    from gitreg.clients.cli.complete import COMPLETE_VAR

    if os.environ.get(COMPLETE_VAR):  # a TAB: nothing runs
        return
    from gitreg.api import clonestart

    url, path = args[1], (args[2] if len(args) == 3 else None)
    try:
        _started.append((url, path, clonestart.start(url, path)))
    except Exception:  # refused (GitregError), git missing (OSError), a path git cannot take...
        return  # ...: the command meets it again, after parsing, and reports it as always


def take(url: str, path: Optional[str]) -> Optional["Started"]:
    """The clone `start` started for exactly this url and path, if any (any other is dropped)."""
    found = None
    while _started:
        was_url, was_path, started = _started.pop()
        if found is None and (was_url, was_path) == (url, path):
            found = started
        else:
            started.abandon()
    return found


def drop() -> None:
    """Stop a clone `start` started that no command took over, leaving nothing behind."""
    while _started:
        _started.pop()[2].abandon()
