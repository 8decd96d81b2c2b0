"""What git's failed transport commands said: the cause line, and the error that carries it.

Apart from gitreg/git/transport/remote.py (which needs pygit2) so that a clone reports its
failure without importing pygit2 (gitreg/git/transport/cloning.py).
"""
from __future__ import annotations

import re

from gitreg.core.errors import RemoteError
from gitreg.core.urls import redact


class TransportError(RemoteError):
    """The conversation with the remote broke off (network, server, auth): not a refusal."""

    def __init__(self, message: str, cause: str) -> None:
        super().__init__(message)
        self.cause = cause


_HOST_KEY = re.compile(r"^(Host key for .* has changed|No .* host key is known|Host key verification failed)")
_BOILERPLATE = ("Please make sure you have the correct access rights", "and the repository exists.")


def why(stderr: str, returncode: int = 1) -> str:
    """The line that says why git failed: the transport's own cause (ssh's
    `Permission denied (publickey).`, `Host key verification failed.`, curl's
    `Could not resolve host`) before git's generic `fatal:` line; credentials masked."""
    lines = [line.strip() for line in stderr.splitlines()
             if line.strip() and not any(b in line for b in _BOILERPLATE) and not line.strip().startswith("@")]
    git_says = ("fatal:", "error:", "warning:", "Warning:", "hint:", "remote:", "To ", "From ")
    causes = [line for line in lines if not line.startswith(git_says)]
    if any("Host key verification failed" in line for line in causes):  # ssh's verdict, after its warning
        causes = [line for line in causes if _HOST_KEY.search(line)]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    generic = ("Could not read from remote repository", "hung up", "protocol error")
    if causes and (not fatal or any(g in fatal[0] for g in generic)):
        line = " ".join(causes[:3])  # ssh: "No ... host key is known ..." + "Host key verification failed."
    elif causes and fatal[0].endswith(":"):  # git:// "unable to connect to HOST:" + "...errno=Connection refused"
        line = f"{fatal[0]} {causes[0]}"
    else:
        line = (fatal or lines or [f"git exited {returncode}"])[0]
    return redact(line)
