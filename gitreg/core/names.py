"""Name grammar of DESIGN.md, natural version ordering and auto-increment."""
from __future__ import annotations

import functools
import re
from typing import Iterable

from gitreg.core.errors import InvalidNameError

MAX_NAME_LENGTH = 100
DEFAULT_ENVIRONMENT = "production"

# Patterns are compiled on first use (_regex): a read that checks no name of a kind compiles
# none of its patterns at start-up (issue 28: a fresh process's first MLflow call).
_MODEL_RE = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_VERSION_RE = r"v[0-9][A-Za-z0-9._-]*"
_TOKEN_RE = r"\d+|\D+"
_LEADING_INTS_RE = r"^v(\d+)"


@functools.cache
def _regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern of this module, compiled once, when first used."""
    return re.compile(pattern, flags)


def _check_common(kind: str, name: object, pattern: str, grammar: str) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidNameError(f"{kind} name must be a non-empty string, got {name!r}")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidNameError(
            f"{kind} name {name[:20]!r}... is {len(name)} characters; at most {MAX_NAME_LENGTH} allowed"
        )
    if not _regex(pattern).fullmatch(name):
        raise InvalidNameError(f"invalid {kind} name {name!r}: must match {grammar}")
    if ".." in name:
        raise InvalidNameError(f"invalid {kind} name {name!r}: must not contain '..'")
    if name.endswith(".lock"):
        raise InvalidNameError(f"invalid {kind} name {name!r}: must not end in '.lock'")
    if name.endswith("."):
        raise InvalidNameError(f"invalid {kind} name {name!r}: must not end in '.'")
    return name


# DESIGN.md 'Names': refused as model and environment names. `HEAD` is what git refuses as
# a branch; `master`/`main` are ordinary branch names to git and stay allowed.
RESERVED = ("HEAD", "latest")


def _not_reserved(kind: str, name: str) -> str:
    if name in RESERVED:
        raise InvalidNameError(f"invalid {kind} name {name!r}: reserved ({', '.join(RESERVED)})")
    return name


_MODELS_OK: set[str] = set()  # names accepted (a function of the text alone: a write checks its model's twice)


def check_model_name(name: object) -> str:
    if type(name) is str and name in _MODELS_OK:
        return name
    checked = _not_reserved("model", _check_common("model", name, _MODEL_RE, "[A-Za-z0-9][A-Za-z0-9._-]*"))
    if len(_MODELS_OK) < 4096:
        _MODELS_OK.add(checked)
    return checked


def check_version_name(name: object) -> str:
    return _check_common("version", name, _VERSION_RE, "v<digit>[A-Za-z0-9._-]* (e.g. v1, v2.1, v3-rc1)")


# The whole of check_version_name's grammar as one regex, for filtering many names fast.
_VERSION_OK = r"(?!.*\.\.)(?!.*\.lock\Z)v[0-9][A-Za-z0-9._-]{0,%d}(?<!\.)\Z" % (MAX_NAME_LENGTH - 2)


def is_version_name(name: str) -> bool:
    """True exactly when check_version_name(name) would accept it (tested against it)."""
    return _regex(_VERSION_OK).match(name) is not None


# The same grammar for one name per line of a text (`$` stops at the line's end, as \Z at the name's)
_VERSION_LINES = "^" + _VERSION_OK.replace(r"\Z", "$")


def valid_versions(names: Iterable[str]) -> set[str]:
    """The names is_version_name accepts, in one C-speed pass for the many tags of a model."""
    names = list(names)
    text = "\n".join(names)
    if text.count("\n") != max(len(names) - 1, 0):  # a name holding a newline: one by one
        return {n for n in names if is_version_name(n)}
    return set(_regex(_VERSION_LINES, re.MULTILINE).findall(text))


def check_environment_name(name: object) -> str:
    return _not_reserved("environment", _check_common("environment", name, _MODEL_RE, "[A-Za-z0-9][A-Za-z0-9._-]*"))


_ROLE_RE = r"[a-z0-9][a-z0-9._-]*"


def check_role(name: object) -> str:
    """A file role (lora, gguf, tokenizer, ...): the model-name grammar in lower case."""
    return _check_common("file role", name, _ROLE_RE, "[a-z0-9][a-z0-9._-]* (lower case)")


def check_remote_name(name: object) -> str:
    """Remote names follow the model-name grammar: they become config keys and ref paths."""
    return _check_common("remote", name, _MODEL_RE, "[A-Za-z0-9][A-Za-z0-9._-]*")


def version_key(version: str) -> tuple:
    """Natural order: v2 < v2.1 < v2b < v3 < v10.

    Versions alternate text and digit runs from the same start ("v", digits), so
    tokens at the same position always have the same type; the raw string breaks
    ties such as v01 / v1.
    """
    tokens = tuple(int(t) if t.isdigit() else t for t in _regex(_TOKEN_RE).findall(version))
    return (tokens, version)


_PLAIN_NAMES = r"(?:v[0-9]+\n)*v[0-9]+"
_UNPADDED = r"(?:v(?:0|[1-9][0-9]*)\n)*v(?:0|[1-9][0-9]*)"  # no leading zero: one name per N


def sort_versions(versions: Iterable[str]) -> list[str]:
    names = list(versions)
    try:
        text = "\n".join(names)
    except TypeError:
        text = None
    if text is not None and text.count("\n") == len(names) - 1 and _regex(_UNPADDED).fullmatch(text):
        # all `v<N>` with no leading zero: N's order is (length, text), two sorts at C speed, no key
        # function per name (a page of a 100,000-version model sorts them all)
        names.sort()
        names.sort(key=len)
        return names
    if text is not None and text.count("\n") == len(names) - 1 and _regex(_PLAIN_NAMES).fullmatch(text):
        # the common case, checked in one C-speed pass: all `v<N>`, where version_key is ((v, N), name)
        return sorted(names, key=lambda v: (int(v[1:]), v))
    return sorted(names, key=version_key)


def next_version(existing: Iterable[str]) -> str:
    """v{N+1} where N is the highest leading integer in use; v1 for none."""
    return f"v{highest_number(existing) + 1}"


_last_highest: tuple = (None, 0)  # the last frozenset asked about, and its answer (replaced whole)


def highest_number(existing: Iterable[str]) -> int:
    """The highest leading integer of the names (0 for none). A frozenset's answer is kept
    while it is the last one asked about: a writer asks again about the same packed names."""
    global _last_highest
    last = _last_highest
    if isinstance(existing, frozenset) and existing is last[0]:
        return last[1]
    # one C-speed pass over all names (a model may hold many thousands)
    names = existing if isinstance(existing, (set, frozenset, list, tuple)) else list(existing)
    try:
        text = "\n".join(names)
    except TypeError:
        text = None
    if text is None or text.count("\n") != max(len(names) - 1, 0):  # a non-str or a name with a newline
        text = "\n".join(v for v in names if isinstance(v, str) and "\n" not in v)
    found = max(map(int, _regex(_LEADING_INTS_RE, re.MULTILINE).findall(text)), default=0)
    if isinstance(existing, frozenset):
        _last_highest = (existing, found)
    return found


def split_qualified(ref: str, default_model: str) -> tuple[str, str]:
    """'v1' -> (default_model, 'v1'); 'other:v3' -> ('other', 'v3'), both validated."""
    if not isinstance(ref, str):
        raise InvalidNameError(f"parent version must be a string like 'v1' or 'model:v1', got {ref!r}")
    if ":" in ref:
        model, _, version = ref.partition(":")
        return check_model_name(model), check_version_name(version)
    return check_model_name(default_model), check_version_name(ref)


def qualify(model: str, version: str, relative_to: str | None = None) -> str:
    """The short form for the same model, 'model:version' otherwise."""
    return version if model == relative_to else f"{model}:{version}"


def relative(parent: object, model: str) -> object:
    """'majora:v1' seen from majora is 'v1'; anything else is returned as it is."""
    if isinstance(parent, str) and parent.startswith(f"{model}:"):
        return parent[len(model) + 1:]
    return parent
