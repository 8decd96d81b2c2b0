"""URLs as git reads them: telling one from a local path (scheme://... or scp-like host:path),
and showing one without its password."""
from __future__ import annotations

import functools
import re

_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCP_RE = re.compile(r"^[^/:]{2,}:")  # git's ssh shorthand: host:path, user@host:path


def has_scheme(location: str) -> bool:
    """`scheme://...`: a URI recorded as given (s3://, hf://, https://), never a local path."""
    return bool(_URL_RE.match(location))


def is_url(location: str) -> bool:
    return has_scheme(location) or bool(_SCP_RE.match(location))


@functools.cache
def _userinfo() -> re.Pattern[str]:
    """redact's pattern, compiled when first used: a registry's path is checked with is_url
    in every fresh process (MLflow's store), which redacts nothing."""
    return re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^/@\s:]*)(?::[^/@\s]*)?@")


def redact(text: str) -> str:
    """`https://alice:secret@host/x` -> `https://alice:***@host/x` (and inside longer text)."""
    def mask(m: re.Match[str]) -> str:
        has_password = m.group(0)[len(m.group("scheme")) + len(m.group("user")):].startswith(":")
        return f"{m.group('scheme')}{m.group('user')}{':***' if has_password else ''}@"

    return _userinfo().sub(mask, text)
