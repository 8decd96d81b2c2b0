"""Verifying signatures against a given list of allowed signers (a policy's), by git itself.

`git verify-tag` / `git verify-commit` with `gpg.ssh.allowedSignersFile` pointing at a file made
from the lines given: git's verdict is the verdict, and the principal it names is the signer.
Inside a pre-receive hook the pushed objects are still in git's quarantine: `environ` passes
GIT_OBJECT_DIRECTORY / GIT_ALTERNATE_OBJECT_DIRECTORIES on to git.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Mapping, Optional, Sequence

from gitreg.core.errors import GitregError
from gitreg.git import gitcli
from gitreg.git.signing.sigcheck import SignatureCheck, parse

QUARANTINE = ("GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH")


def quarantine(environ: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """The variables through which git shows a hook the objects of the push being judged."""
    env = os.environ if environ is None else environ
    return {k: env[k] for k in QUARANTINE if env.get(k)}


class AllowedSigners:
    """One allowed_signers file for many checks (a push's objects); remove with close()."""

    def __init__(self, lines: Sequence[str]) -> None:
        fd, name = tempfile.mkstemp(prefix="gitreg-allowed-signers-")
        with os.fdopen(fd, "w") as fh:
            fh.write("".join(line + "\n" for line in lines))
        self.path = name

    def check(self, registry: Path, oid: str, kind: str, environ: Mapping[str, str] = {}) -> SignatureCheck:
        """git's judgement of the signature on tag or commit `oid` against these signers only."""
        try:
            proc = gitcli.run(registry, "-c", f"gpg.ssh.allowedSignersFile={self.path}",
                              f"verify-{kind}", "--raw", oid, env=dict(environ))
        except gitcli.GitMissing as exc:
            raise GitregError(f"cannot run git to verify signatures: {exc.strerror}") from None
        return parse(proc.returncode == 0, proc.stderr + proc.stdout)

    def close(self) -> None:
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def __enter__(self) -> "AllowedSigners":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def add_objects(repo: "object", environ: Mapping[str, str]) -> None:
    """Let an opened pygit2 repository see a hook's quarantined objects."""
    directory = environ.get("GIT_OBJECT_DIRECTORY")
    if directory and os.path.isdir(directory):
        repo.odb.add_disk_alternate(directory)  # type: ignore[attr-defined]
