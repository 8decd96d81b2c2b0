"""YAML in and out, with libyaml's C loader/dumper when present (8x faster).

What gitreg reads is untrusted (DESIGN.md): every load is bounded before it is
parsed. Objects over a size cap are refused without being parsed, and YAML
anchors, aliases and explicit tags are refused (an alias bomb of 485 bytes
expands to gigabytes; tags construct types gitreg never writes).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from gitreg.core.errors import CorruptRegistryError, InvalidValueError, too_large
from gitreg.core.recordbase import FrozenRecord
from gitreg.core.yamlbounds import DEPLOYMENT_LIMIT, MANIFEST_LIMIT, MAX_DEPTH  # noqa: F401 (read here too)
from gitreg.core.yamlbounds import suspect as _suspect


@dataclass(frozen=True, eq=False, repr=False)
class _PyYAML(FrozenRecord):
    module: Any
    loader: Any  # libyaml's C classes when present
    dumper: Any
    user_loader: Any  # YAML 1.2 numbers (load_user)


@functools.cache
def _pyyaml() -> _PyYAML:
    """PyYAML, imported by the first load or dump: it costs ~15 ms of start-up, and a warm
    read is answered from the derived cache without parsing YAML."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return _PyYAML(yaml, loader, getattr(yaml, "CSafeDumper", yaml.SafeDumper), with_yaml12_numbers(loader))


@functools.cache
def _yamlemit() -> Any:
    """The emitter, imported by the first dump (a write path: PyYAML's resolvers come with it),
    then found by one cached call (an import statement here cost a registration ~4k instructions)."""
    from gitreg.core import yamlemit

    return yamlemit


def dump(data: Any) -> bytes:
    """Block-style YAML; the shapes gitreg writes come from yamlemit (same bytes, no Python
    representer), anything else from PyYAML."""
    y = _pyyaml()
    text = _yamlemit().emit(data) if y.dumper is not y.module.SafeDumper else None  # libyaml's bytes
    if text is not None:
        return text.encode("utf-8")
    return y.module.dump(
        data, Dumper=y.dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    ).encode("utf-8")


def dump_within(data: Any, what: str, limit: int = MANIFEST_LIMIT) -> bytes:
    """`dump`, refused when the read path would refuse the result (over `limit`): a write
    never makes an object that every later read skips as a problem."""
    out = dump(data)
    if len(out) > limit:
        raise InvalidValueError(f"{what} would be {len(out)} bytes, over the {limit}-byte limit every read "
                                "enforces: refused, nothing written (keep long text in a file)")
    return out


def _first_line(exc: Exception) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _check_structure(data: bytes, where: str) -> None:
    """Refuse anchors, aliases, explicit tags and nesting deeper than MAX_DEPTH (events only:
    nothing is constructed, so a bomb costs the size of its text)."""
    depth, yaml = 0, _pyyaml().module
    for event in yaml.parse(data, Loader=_pyyaml().loader):
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


def load(data: bytes, where: str, limit: int = MANIFEST_LIMIT) -> Any:
    """Parse YAML; `where` names the object in the error (e.g. 'majora/v2:manifest.yaml').

    Over `limit` bytes, or with anchors, aliases or tags: CorruptRegistryError, unparsed.
    """
    if len(data) > limit:
        raise too_large(where, len(data), limit)
    y = _pyyaml()
    try:
        if _suspect(data):
            _check_structure(data, where)
        return y.module.load(data, Loader=y.loader)
    except y.module.YAMLError as exc:
        raise CorruptRegistryError(f"{where} is not valid YAML ({_first_line(exc)})") from None
    except (RecursionError, MemoryError):
        raise CorruptRegistryError(f"{where} is too deeply nested or too large to parse (refused)") from None


def check(data: bytes, where: str, limit: int = MANIFEST_LIMIT) -> None:
    """What `load` refuses before parsing (size, anchors, aliases, tags, depth), without
    constructing anything: the cheap check of a document read only to be counted."""
    if len(data) > limit:
        raise too_large(where, len(data), limit)
    if _suspect(data):
        try:
            _check_structure(data, where)
        except _pyyaml().module.YAMLError as exc:
            raise CorruptRegistryError(f"{where} is not valid YAML ({_first_line(exc)})") from None


def load_mapping(data: bytes, where: str, limit: int = MANIFEST_LIMIT) -> dict[str, Any]:
    value = load(data, where, limit)
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


def load_user(data: bytes, where: str) -> Any:
    """Parse YAML a user wrote (numbers as YAML 1.2); errors name `where` as GitregError."""
    y = _pyyaml()
    try:
        return y.module.load(data, Loader=y.user_loader)
    except y.module.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidValueError(f"{where} is not valid YAML ({first})") from None
