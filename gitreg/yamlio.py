"""YAML in and out, with libyaml's C loader/dumper when present (8x faster)."""
from __future__ import annotations

from typing import Any

import yaml

from .errors import CorruptRegistryError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(data: Any) -> bytes:
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    ).encode("utf-8")


def load(data: bytes, where: str) -> Any:
    """Parse YAML; `where` names the object in the error (e.g. 'majora/v2:manifest.yaml')."""
    try:
        return yaml.load(data, Loader=_Loader)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CorruptRegistryError(f"{where} is not valid YAML ({first})") from None


def load_mapping(data: bytes, where: str) -> dict[str, Any]:
    value = load(data, where)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CorruptRegistryError(f"{where} must be a YAML mapping, found {type(value).__name__}")
    return value
