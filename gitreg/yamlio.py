"""YAML in and out, with libyaml's C loader/dumper when present (8x faster)."""
from __future__ import annotations

import re
from typing import Any

import yaml

from .errors import CorruptRegistryError, InvalidValueError

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


# -- YAML 1.2 numbers for files users write (params, metrics, .gitreg.yaml) -----------------
# PyYAML resolves scalars as YAML 1.1: `2e-5` (no dot) is a string, `010` is 8 and `1:30`
# is 90. Python, JSON and every training script print `2e-05`, so files users write are
# read with YAML 1.2's core-schema numbers instead. Registry objects keep YAML 1.1: that is
# what the dumper above quotes against (it writes the string '2e-5' unquoted).
_INT12 = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT12 = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


def _int12(loader: Any, node: Any) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _float12(loader: Any, node: Any) -> float:
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    return float("nan") if text == ".nan" else float(text)


def with_yaml12_numbers(base: type) -> type:
    """A subclass of loader `base` whose plain-scalar ints and floats are YAML 1.2's."""
    loader = type(f"{base.__name__}Yaml12Numbers", (base,), {})
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(_INT_TAG, re.compile(rf"^(?:{_INT12.pattern})$"), list("-+0123456789"))
    loader.add_implicit_resolver(_FLOAT_TAG, re.compile(rf"^(?:{_FLOAT12.pattern})$"), list("-+.0123456789"))
    loader.add_constructor(_INT_TAG, _int12)
    loader.add_constructor(_FLOAT_TAG, _float12)
    return loader


_UserLoader = with_yaml12_numbers(_Loader)


def load_user(data: bytes, where: str) -> Any:
    """Parse YAML a user wrote (numbers as YAML 1.2); errors name `where` as GitregError."""
    try:
        return yaml.load(data, Loader=_UserLoader)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidValueError(f"{where} is not valid YAML ({first})") from None
