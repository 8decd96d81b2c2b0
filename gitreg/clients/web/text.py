"""Registry text made safe to show: no raw control characters, bounded length, markdown as escaped HTML.

Jinja2's autoescaping keeps registry text from becoming markup; this module also
keeps terminal/bidi control characters off the page (DESIGN.md: shown as text,
never with raw control characters) and keeps one huge note from making a huge page.
"""
from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from gitreg.core.units import human_size

# C0 except tab and newline, DEL, C1, and the bidi embedding/override/isolate controls.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_TEXT = 20_000  # characters of one value on a page
MAX_CARD = 200_000  # characters of a model card


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str, limit: int = MAX_TEXT) -> str:
    """`text` with control characters written out as \\xNN and cut at `limit` characters."""
    if len(text) <= limit and text.isprintable():  # the common case: nothing to do
        return text
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text) - limit} more characters not shown)"
    return _CONTROL.sub(_visible, text)


def finalize(value: Any) -> Any:
    """Jinja2 `finalize`: every printed value passes here; markup made by gitreg passes untouched."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return clean(value)
    return value


def plural(n: int, noun: str) -> str:
    """`1 model`, `2 models` (a Jinja2 filter: `{{ n|plural("model") }}`)."""
    return f"{n} {noun if n == 1 else noun + 's'}"


def short(value: Any, limit: int = 120) -> str:
    """A table cell's text: one line, at most `limit` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number(value: Any) -> str:
    """A metric value as people read it (4 significant digits; ints as they are)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return str(value) if isinstance(value, int) else f"{value:.4g}"


def size(n: Any) -> str:
    """Bytes as a human size (1.5 GiB), exact count kept for the title attribute by the template."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        return ""
    return human_size(n)


_ISO = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?(.*)")


def when(value: Any) -> str:
    """An ISO 8601 time as people read it in a table: '2026-01-14 10:00:00+00:00' (no fraction)."""
    m = _ISO.fullmatch(str(value))
    return f"{m.group(1)} {m.group(2)}{m.group(3)}" if m else str(value)


_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_HEADING = re.compile(r"(#{1,6})\s+(.*)")
_BULLET = re.compile(r"\s*[-*+]\s+(.*)")


def _inline(text: str) -> Markup:
    """Escaped text with `code` spans: the only inline markdown the card renderer knows."""
    parts = _INLINE_CODE.split(clean(text))
    out = Markup("")
    for i, part in enumerate(parts):
        out += Markup("<code>%s</code>") % part if i % 2 else escape(part)
    return out


def markdown(text: str) -> Markup:
    """A model card as HTML: headings, lists, fenced code and paragraphs; everything else is text.

    Deliberately a small subset: the card is untrusted, so no raw HTML, links or images
    from it ever reach the page (a link would be a way out of a read-only local view).
    """
    text = clean(text, MAX_CARD)
    out: list[Markup] = []
    para: list[str] = []
    items: list[str] = []
    code: list[str] | None = None

    def flush() -> None:
        if para:
            out.append(Markup("<p>%s</p>") % _inline(" ".join(para)))
            para.clear()
        if items:
            out.append(Markup("<ul>%s</ul>") % Markup("").join(Markup("<li>%s</li>") % _inline(i) for i in items))
            items.clear()

    for line in text.splitlines():
        if code is not None:
            if line.strip().startswith("```"):
                out.append(Markup("<pre><code>%s</code></pre>") % "\n".join(code))
                code = None
            else:
                code.append(line)
            continue
        if line.strip().startswith("```"):
            flush()
            code = []
        elif (m := _HEADING.fullmatch(line.strip())):
            flush()
            level = min(len(m.group(1)) + 2, 6)  # the page owns h1/h2
            out.append(Markup(f"<h{level}>%s</h{level}>") % _inline(m.group(2)))
        elif (m := _BULLET.fullmatch(line)):
            if para:
                flush()
            items.append(m.group(1))
        elif not line.strip():
            flush()
        else:
            if items:
                flush()
            para.append(line.strip())
    if code is not None:
        out.append(Markup("<pre><code>%s</code></pre>") % "\n".join(code))
    flush()
    return Markup("\n").join(out)
