"""Telling a URL from a local path, as git does (scheme://... or scp-like host:path)."""
from __future__ import annotations

import re

_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCP_RE = re.compile(r"^[^/:]{2,}:")  # git's ssh shorthand: host:path, user@host:path


def is_url(location: str) -> bool:
    return bool(_URL_RE.match(location) or _SCP_RE.match(location))
