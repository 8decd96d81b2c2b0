"""YAML in and out, with libyaml's C loader/dumper when present (8x faster).

What gitreg reads is untrusted (DESIGN.md): every load is bounded before it is
parsed. Objects over a size cap are refused without being parsed, and YAML
anchors, aliases and explicit tags are refused (an alias bomb of 485 bytes
expands to gigabytes; tags construct types gitreg never writes).
"""
from __future__ import annotations

from typing import Any

import yaml

from .errors import CorruptRegistryError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

MANIFEST_LIMIT = 1 << 20  # manifest.yaml, model.yaml, notes (DESIGN.md 'What gitreg reads is untrusted')
DEPLOYMENT_LIMIT = 64 << 10  # deployment.yaml
MAX_DEPTH = 64  # nesting gitreg never writes deeper than a few levels
# Bytes that must occur for an anchor (&), alias (*), tag (!) or deep flow nesting to exist:
# a document without them skips the event scan (the common case costs one C-speed find each).
_SUSPECT = (b"&", b"*", b"!")
_FLOW_OPENERS = 64


def dump(data: Any) -> bytes:
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    ).encode("utf-8")


def _first_line(exc: Exception) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _check_structure(data: bytes, where: str) -> None:
    """Refuse anchors, aliases, explicit tags and nesting deeper than MAX_DEPTH (events only:
    nothing is constructed, so a bomb costs the size of its text)."""
    depth = 0
    for event in yaml.parse(data, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise CorruptRegistryError(f"{where} uses a YAML anchor or alias (refused)")
        if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)) and event.tag is not None:
            raise CorruptRegistryError(f"{where} uses a YAML tag {str(event.tag)[:40]!r} (refused)")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise CorruptRegistryError(f"{where} nests deeper than {MAX_DEPTH} levels (refused)")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _suspect(data: bytes) -> bool:
    return any(s in data for s in _SUSPECT) or data.count(b"[") + data.count(b"{") > _FLOW_OPENERS


def load(data: bytes, where: str, limit: int = MANIFEST_LIMIT) -> Any:
    """Parse YAML; `where` names the object in the error (e.g. 'majora/v2:manifest.yaml').

    Over `limit` bytes, or with anchors, aliases or tags: CorruptRegistryError, unparsed.
    """
    if len(data) > limit:
        raise CorruptRegistryError(f"{where} is {len(data)} bytes, over the {limit}-byte limit (refused)")
    try:
        if _suspect(data):
            _check_structure(data, where)
        return yaml.load(data, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise CorruptRegistryError(f"{where} is not valid YAML ({_first_line(exc)})") from None
    except (RecursionError, MemoryError):
        raise CorruptRegistryError(f"{where} is too deeply nested or too large to parse (refused)") from None


def load_mapping(data: bytes, where: str, limit: int = MANIFEST_LIMIT) -> dict[str, Any]:
    value = load(data, where, limit)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CorruptRegistryError(f"{where} must be a YAML mapping, found {type(value).__name__}")
    return value
