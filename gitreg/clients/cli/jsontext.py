"""`--json` text: json.dumps(data, indent=2, ensure_ascii=False, default=str), byte for byte, faster.

With `indent`, CPython's json encodes in Python, one generator per container (`versions --json`
of 20,000 versions: 1.8 s). This builds the same text by joining strings, each string value
escaped by the C escaper json uses. It takes only the exact types records' to_dict makes (dict
with str keys, list, str, int, float, bool, None); anything else (a subclass, a tuple, a key
json would convert, an object for `default`, a cycle) is left to json.dumps for the whole
document, so every document comes out exactly as json.dumps writes it.
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

_INFINITY = float("inf")


class _Other(Exception):
    """A value json.dumps must encode itself."""


def dumps(data: Any) -> str:
    """json.dumps(data, indent=2, ensure_ascii=False, default=str)."""
    try:
        return _value(data, "\n")
    except (_Other, RecursionError):
        return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


_KEYS: dict[str, str] = {}  # a key as written with its separator: records repeat their keys
_KEYS_MAX = 10_000


def _key(key: str) -> str:
    written = _KEYS.get(key)
    if written is None:
        written = encode_basestring(key) + ": "
        if len(_KEYS) < _KEYS_MAX:
            _KEYS[key] = written
    return written


def _value(value: Any, newline: str) -> str:
    """`value` as json.dumps writes it at the depth whose line breaks are `newline`."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + "  "
        parts = []
        add = parts.append
        for key, item in value.items():  # the common values inline: no call each
            if type(key) is not str:
                raise _Other
            written = _KEYS.get(key) or _key(key)
            kind = type(item)
            if kind is str:
                add(written + encode_basestring(item))
            elif item is None:
                add(written + "null")
            else:
                add(written + _value(item, inner))
        return "{" + inner + ("," + inner).join(parts) + newline + "}"
    if kind is list:
        if not value:
            return "[]"
        inner = newline + "  "
        if all(type(item) is str for item in value):
            return "[" + inner + ("," + inner).join(map(encode_basestring, value)) + newline + "]"
        return "[" + inner + ("," + inner).join([_value(item, inner) for item in value]) + newline + "]"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return _float(value)
    raise _Other
