"""Who pushed, as the server names them (the pushed updates themselves: gitreg/git/refs/changes.py)."""
from __future__ import annotations

import os
from typing import Mapping, Optional


def pusher(environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The authenticated user the server names, where it names one: Apache's REMOTE_USER
    (git-http-backend), gitolite's GL_USER; None over plain ssh or a local path."""
    env = os.environ if environ is None else environ
    for key in ("GL_USER", "REMOTE_USER"):
        if env.get(key):
            return env[key]
    return None
