"""The one place where text meets the terminal.

Everything gitreg prints may come from a registry that anyone with push access
wrote: model names, tags, notes, paths, error messages naming them. Such text is
never parsed as rich markup or emoji codes, and its control characters are shown
visibly (ESC as `\\x1b`) instead of being sent to the terminal, where they could
recolour, retitle or clear it. gitreg's own styling is the only escape code it
writes, and none at all under NO_COLOR or TERM=dumb.
"""
from __future__ import annotations

import functools
import os
import re
import sys
from typing import IO, TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from rich.console import Console

# C0 controls but tab and newline, DEL, C1 controls, bidirectional overrides and isolates
# (they reorder what is shown: "Trojan Source"), lone surrogates.
_UNSAFE_CHARS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"


@functools.lru_cache(maxsize=None)
def _unsafe(one_line: bool) -> "re.Pattern[str]":
    """The characters clean() escapes (and, one_line, tab and newline too). Compiled when first
    needed: ~1 ms a process each, and printable ASCII, what gitreg mostly prints, needs neither."""
    return re.compile("[" + _UNSAFE_CHARS + ("\t\n" if one_line else "") + "]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

# Our own SGR codes that end a line after padding spaces: the spaces go, the codes stay.
_TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)(?=\n)")


def _escape(match: "re.Match[str]") -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: Any, *, one_line: bool = False) -> str:
    """`text` as str with every control character made visible (`\\x1b`, `\\u202e`)."""
    s = text if isinstance(text, str) else str(text)
    if s.isascii() and s.isprintable():  # space to "~" only: nothing to escape
        return s
    pattern = _unsafe(one_line)
    return pattern.sub(_escape, s) if pattern.search(s) else s


def clean_all(texts: list[Any], *, one_line: bool = False) -> list[str]:
    """[clean(t) for t in texts], with one scan of them all when none needs escaping (the
    cells of a column of 20,000 rows; a space, which joins them, is never escaped)."""
    strings = [t if isinstance(t, str) else str(t) for t in texts]
    joined = " ".join(strings)
    pattern = None if joined.isascii() and joined.isprintable() else _unsafe(one_line)
    if pattern is None or pattern.search(joined) is None:
        return strings
    return [pattern.sub(_escape, s) if pattern.search(s) else s for s in strings]


def json_safe(doc: str) -> str:
    """A JSON document with the characters JSON leaves raw written as \\uXXXX (still the same JSON)."""
    return _unsafe(False).sub(lambda m: f"\\u{ord(m.group()):04x}", doc)


def colour_allowed() -> bool:
    """NO_COLOR (any non-empty value, no-color.org) and TERM=dumb turn every escape code off."""
    return not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def plain(stream: IO[str]) -> bool:
    """Whether `stream` gets text without any escape code: not a terminal, or colour is off."""
    return not is_terminal(stream) or not colour_allowed()


def is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Trimmed:
    """A file that drops the padding spaces rich leaves at the end of table lines."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, data: str) -> int:
        return self._stream.write(_TRAILING.sub(r"\1", data))

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return is_terminal(self._stream)

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> Optional[str]:
        return getattr(self._stream, "encoding", None)


def console(stream: IO[str]) -> "Console":
    """A rich Console on `stream` that renders every str as plain escaped text.

    Width: the terminal's. Through a pipe or into a file, no width: a table row is one line,
    never wrapped (not even at $COLUMNS, which a shell may export), and lines are not padded.
    """
    tty = is_terminal(stream)
    width = None if tty else PIPE_WIDTH
    return _safe_console_class()(
        file=_Trimmed(stream), width=width, highlight=False, soft_wrap=False, markup=False, emoji=False,
        color_system="auto" if tty and colour_allowed() else None,
        force_terminal=tty, no_color=not colour_allowed(),
    )


@functools.lru_cache(maxsize=1)
def _safe_console_class() -> type:
    """rich's Console, with every str it renders (printed or in a table cell) made safe first."""
    from rich.console import Console

    class SafeConsole(Console):
        def render_str(self, text: str, **kwargs: Any) -> Any:
            kwargs.update(markup=False, emoji=False, highlight=False)
            return super().render_str(clean(text), **kwargs)

    return SafeConsole


PIPE_WIDTH = 10_000  # "no width" for rich, which needs one: wider than any row gitreg prints


def size(n: Optional[int]) -> str:
    """Bytes in git's units: 512 B, 1.5 KiB, 3.2 GiB."""
    from gitreg.core.units import human_size

    return "-" if n is None else human_size(n)


def plural(n: int, noun: str, nouns: Optional[str] = None) -> str:
    """`1 ref`, `2 refs`."""
    return f"{n} {noun if n == 1 else (nouns or noun + 's')}"


def write(line: str, stream: Optional[IO[str]] = None) -> None:
    """One line of untrusted plain text (newlines inside are kept, controls escaped)."""
    (stream or sys.stdout).write(clean(line) + "\n")
