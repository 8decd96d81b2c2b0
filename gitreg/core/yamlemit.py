"""A block-style YAML emitter for the shapes gitreg writes (manifests, model.yaml), byte-identical
to `yaml.dump(..., sort_keys=False, allow_unicode=True, default_flow_style=False)` with libyaml's
emitter, or None when the data is outside what it knows (the caller then asks PyYAML).

Why: PyYAML's representer and resolver are Python even with the C emitter, and were a fifth of
a registration. Retries compare a version's bytes with an earlier attempt's, so the output must
never differ from PyYAML's: every scalar style is chosen by libyaml's own rules
(emitter.c yaml_emitter_analyze_scalar / select_scalar_style), restricted to the cases that
cannot fold or escape; anything else (line breaks, control or astral characters, long lines
with spaces, long keys, shared objects, other types) is refused. tests/core/test_yamlemit.py
compares the two over generated manifests.
"""
from __future__ import annotations

import re
from typing import Any, Optional

import yaml

_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
_STR = "tag:yaml.org,2002:str"
_FLOAT = "tag:yaml.org,2002:float"
_WIDTH = 80  # libyaml's best_width: a scalar with a space past this column is folded
_KEY_MAX = 100  # libyaml writes a key over 128 characters as a complex key ('? ')
# Printable in libyaml with allow_unicode, minus line breaks (\x85, \u2028, \u2029 are breaks)
# and the BOM; astral characters are not printable there (they are escaped).
_PLAIN_CHARS = re.compile("[\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*")
# First characters that are indicators wherever they stand (libyaml's first-character rule).
_FIRST = frozenset("#,[]{}&*!|>'\"%@`")
_cache: dict[str, Optional[str]] = {}


class _Refused(Exception):
    """The data is outside the emitter's known shape."""


def _implicit(value: str) -> Optional[str]:
    """The tag PyYAML's resolver gives `value` as a plain scalar (None: plain str)."""
    for tag, regexp in _RESOLVERS.get(value[0] if value else "", []) + _RESOLVERS.get(None, []):
        if regexp.match(value):
            return tag
    return None


def _string(value: str) -> Optional[str]:
    """`value` as libyaml writes it (plain or single-quoted), or None when it would be
    double-quoted or written over several lines."""
    if not value:
        return "''"  # resolves to null: quoted
    if not _PLAIN_CHARS.fullmatch(value):
        return None  # unprintable in libyaml, or a line break
    plain = _implicit(value) is None
    if plain:
        first, nxt = value[0], value[1:2]
        if (first in _FIRST or (first in "?:-" and nxt in ("", " "))
                or value.startswith(("---", "...")) or value[0] == " " or value[-1] == " "
                or ": " in value or value.endswith(":") or " #" in value):
            plain = False
    return value if plain else "'" + value.replace("'", "''") + "'"


def _scalar(value: Any, col: int) -> str:
    kind = type(value)
    if kind is str:
        text = _cache.get(value, "-")
        if text == "-":
            text = _string(value)
            if len(_cache) < 4096:
                _cache[value] = text
        if text is None or (" " in value and col + len(text) > _WIDTH):
            raise _Refused
        return text
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        shown = repr(value)
        text = _floats.get(shown)
        if text is None:
            text = _float(value, shown)
            if len(_floats) < 4096:
                _floats[shown] = text
        return text
    raise _Refused


_floats: dict[str, str] = {}  # repr -> text: the same repr is always written the same way


def _float(value: float, shown: str) -> str:
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = shown.lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    if _implicit(text) != _FLOAT:
        raise _Refused
    return text


_keys: dict[str, str] = {}  # a key's text (a simple key is never folded: it depends on the key alone)


def _key(key: Any) -> str:
    text = _keys.get(key) if type(key) is str else None
    if text is None:
        if type(key) is not str or len(key) > _KEY_MAX:
            raise _Refused
        text = _scalar(key, 0)  # no width rule for a key
        if len(_keys) < 4096:
            _keys[key] = text
    return text


class _Emitter:
    """One line per scalar entry, appended whole (a manifest is ~40 lines: the appends and calls
    per line were most of the emitter's time)."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.seen: set[int] = set()  # a list or mapping met twice is an alias in PyYAML's output

    def mapping(self, data: dict, indent: int, inline: bool) -> None:
        seen = self.seen  # (each node is checked here, not in a call: a manifest has a dozen)
        if id(data) in seen:
            raise _Refused
        seen.add(id(data))
        out, pad = self.out, " " * indent
        lead = "" if inline else pad  # the first key of a mapping in a sequence follows its "- "
        keys, strings = _keys, _cache
        for k, v in data.items():
            # a key or str value met before is looked up here, without _key's or _scalar's call
            # (the same answers: those functions' own fast paths, checked as they check them)
            text = keys.get(k) if type(k) is str else None
            if text is None:
                text = _key(k)
            kind = type(v)
            if kind is str:
                value = strings.get(v)
                if value is None or (" " in v and indent + len(text) + 2 + len(value) > _WIDTH):
                    value = _scalar(v, indent + len(text) + 2)
                out.append(f"{lead}{text}: {value}\n")
            elif v is None:  # (half a manifest's scalars: written here, without _scalar's call)
                out.append(f"{lead}{text}: null\n")
            elif kind is dict:
                if v:
                    out.append(f"{lead}{text}:\n")
                    self.mapping(v, indent + 2, False)
                else:
                    out.append(f"{lead}{text}: {{}}\n")
            elif kind is list:
                if v:
                    out.append(f"{lead}{text}:\n")
                    self.sequence(v, indent, False)  # libyaml does not indent a mapping's sequence
                else:
                    out.append(f"{lead}{text}: []\n")
            else:
                out.append(f"{lead}{text}: {_scalar(v, indent + len(text) + 2)}\n")
            lead = pad

    def sequence(self, data: list, indent: int, inline: bool) -> None:
        seen = self.seen
        if id(data) in seen:
            raise _Refused
        seen.add(id(data))
        out, pad = self.out, " " * indent
        lead = "" if inline else pad
        strings = _cache
        for item in data:
            kind = type(item)
            if kind is str:  # a str item met before: looked up here, as mapping() does
                value = strings.get(item)
                if value is None or (" " in item and indent + 2 + len(value) > _WIDTH):
                    value = _scalar(item, indent + 2)
                out.append(f"{lead}- {value}\n")
            elif kind is dict:
                if item:
                    out.append(f"{lead}- ")
                    self.mapping(item, indent + 2, True)
                else:
                    out.append(f"{lead}- {{}}\n")
            elif kind is list:
                if item:
                    out.append(f"{lead}- ")
                    self.sequence(item, indent + 2, True)
                else:
                    out.append(f"{lead}- []\n")
            else:
                out.append(f"{lead}- {_scalar(item, indent + 2)}\n")
            lead = pad


def emit(data: Any) -> Optional[str]:
    """`data` (a non-empty mapping) as PyYAML's block-style dump writes it; None when outside
    the known shape."""
    if type(data) is not dict or not data:
        return None
    emitter = _Emitter()
    try:
        emitter.mapping(data, 0, False)
    except (_Refused, RecursionError):
        return None
    return "".join(emitter.out)
