"""How users name a version (DESIGN.md 'References'): no git here, only the grammar.

`MODEL:VERSION` (majora:v3), `MODEL@ENV` (what ENV runs now: majora@production),
`MODEL@latest` and `MODEL` alone (the latest version). `@` and `:` never occur in
model names, so a reference is unambiguous.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from gitreg.core.errors import InvalidNameError
from gitreg.core.names import check_environment_name, check_model_name, check_version_name
from gitreg.core.recordbase import FrozenRecord

LATEST = "latest"


@dataclass(frozen=True, eq=False, repr=False)
class Reference(FrozenRecord):
    """A parsed reference: exactly one of version/environment is set, or neither (latest)."""

    model: str
    version: Optional[str] = None
    environment: Optional[str] = None

    @property
    def latest(self) -> bool:
        return self.version is None and self.environment is None

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.model}:{self.version}"
        return f"{self.model}@{self.environment or LATEST}"


def is_reference(text: object) -> bool:
    """Whether `text` is written as a reference (has ':' or '@'), not a bare name."""
    return isinstance(text, str) and (":" in text or "@" in text)


def parse(text: object) -> Reference:
    """`MODEL:VERSION`, `MODEL@ENV`, `MODEL@latest` or `MODEL`; raises InvalidNameError saying which part is wrong."""
    if not isinstance(text, str) or not text:
        raise InvalidNameError(
            f"a reference must be MODEL, MODEL:VERSION or MODEL@ENV (e.g. majora@production), got {text!r}"
        )
    if ":" in text and "@" in text:
        raise InvalidNameError(f"reference {text!r} has both ':' and '@': use MODEL:VERSION or MODEL@ENV")
    if ":" in text:
        model, _, version = text.partition(":")
        return Reference(check_model_name(model), version=check_version_name(version))
    if "@" in text:
        model, _, env = text.partition("@")
        model = check_model_name(model)
        if env == LATEST:
            return Reference(model)
        return Reference(model, environment=check_environment_name(env))
    return Reference(check_model_name(text))


def reference(model: str, version: Optional[str] = None) -> Reference:
    """What an API call's (model, version) arguments name.

    `model` may itself be a reference; then `version` must be None. A `version` may be
    a version name, `latest`, or `@ENV` (the version deployed there).
    """
    if is_reference(model):
        if version is not None:
            raise InvalidNameError(
                f"{model!r} already names a version; do not also give version {version!r}"
            )
        return parse(model)
    if version is None or version == LATEST or version == f"@{LATEST}":
        return Reference(check_model_name(model))
    if isinstance(version, str) and version.startswith("@"):
        return Reference(check_model_name(model), environment=check_environment_name(version[1:]))
    return Reference(check_model_name(model), version=check_version_name(version))
