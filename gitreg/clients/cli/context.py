"""What every command needs: the registry from the global option, consoles, JSON out."""
from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from gitreg.clients.cli.framework import Context
from gitreg.clients.cli.terminal import clean, write

if TYPE_CHECKING:
    from rich.console import Console

    from gitreg.api.cloning import Cloned
    from gitreg.api.lineage import LineageTracker
    from gitreg.api.registry import ModelRegistry


# Registries this command opened: their read problems are reported when it ends (see main).
_opened: list["ModelRegistry"] = []
PROBLEMS_EXIT = 1  # the output is shown, but some objects could not be read (docs/integrity.md)


# Registries this command named that did not exist yet: a write that creates one says so.
_absent: list["ModelRegistry"] = []


def track(reg: "ModelRegistry | Cloned") -> Any:
    """Report this registry's read problems when the command ends (a Cloned carries its own)."""
    _opened.append(reg)
    if not reg.path.exists():
        _absent.append(reg)
    return reg


def created(reg: "ModelRegistry") -> None:
    """This command reports the registry it made itself (init, clone): no second notice."""
    if reg in _absent:
        _absent.remove(reg)


def report_created() -> None:
    """'created a new registry at PATH' on stderr when this command's write made one:
    a mistyped -R or $GITREG_REGISTRY is seen at once, not after weeks of writes."""
    for reg in dict.fromkeys(_absent):
        if reg.path.exists():
            write(f"gitreg: created a new registry at {reg.path.resolve()}", sys.stderr)
    _absent.clear()


def registry(ctx: Context) -> "ModelRegistry":
    from gitreg.api.registry import ModelRegistry

    obj = ctx.obj or {}
    return track(ModelRegistry(obj.get("registry"), offline=bool(obj.get("offline"))))


def report_problems() -> int:
    """Each read problem once on stderr, as text; PROBLEMS_EXIT when there was one, else 0.
    A command that wrote exits 0 all the same: its write is done, and a script that retried
    on the exit status would write it twice."""
    seen: set[tuple[str, str]] = set()
    wrote = any(reg.wrote for reg in _opened)
    for reg in _opened:
        for p in reg.problems:
            if (p.ref, p.problem) not in seen:
                seen.add((p.ref, p.problem))
                write(f"gitreg: problem: {clean(str(p), one_line=True)}", sys.stderr)
    _opened.clear()
    return PROBLEMS_EXIT if seen and not wrote else 0


def printable(text: str) -> str:
    """No control characters reach the terminal (registry text is untrusted)."""
    return clean(text, one_line=True)


def tracker(ctx: Context) -> "LineageTracker":
    from gitreg.api.lineage import LineageTracker

    tracker = LineageTracker(ctx.obj.get("registry") if ctx.obj else None)
    track(tracker.registry)
    return tracker


def plain_stdout() -> bool:
    """Whether stdout gets plain text: not a terminal, or NO_COLOR / TERM=dumb."""
    from gitreg.clients.cli.terminal import plain

    return plain(sys.stdout)


def out() -> "Console":
    """stdout: registry text escaped, never markup; no colour codes off a terminal or under NO_COLOR."""
    from gitreg.clients.cli.terminal import console

    return console(sys.stdout)


def err() -> "Console":
    from gitreg.clients.cli.terminal import console

    return console(sys.stderr)


def emit_json(data: Any) -> None:
    """One JSON document on stdout: the stable machine-readable form of a read command."""
    from gitreg.clients.cli.terminal import json_safe

    sys.stdout.write(json_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n")


def show_preview(preview: Any, json_out: bool = False) -> None:
    """A write's --dry-run: what it would record (core.preview.Preview), and that nothing was written."""
    if json_out:
        emit_json(preview.to_dict())
        return
    from gitreg.clients.cli.terminal import size

    lines = [f"Would {preview.action} (dry run: nothing written)"]
    if preview.refs:
        width = max(len(ref) for ref, _ in preview.refs)
        lines += ["refs:"] + [f"  {ref.ljust(width)}  {change}" for ref, change in preview.refs]
    for path, content in preview.files.items():
        lines += [f"{path}:"] + [f"  {line}" for line in content.rstrip("\n").split("\n")]
    if preview.stored:
        lines.append("files to store (Git LFS):")
        lines += [f"  {f.role} {f.path} ({size(f.size_bytes)}, sha256 {f.sha256})" for f in preview.stored]
    lines += [f"then: {effect}" for effect in preview.effects]
    for line in lines:
        write(line)


def say(message: str) -> None:
    """A confirmation of a write, on stdout: plain text, never wrapped (paths and URLs stay whole)."""
    from gitreg.clients.cli.terminal import write

    write(message)
