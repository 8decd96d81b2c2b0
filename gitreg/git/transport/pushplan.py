"""Holding a wildcard push to its plan: a pre-push hook that refuses any ref not in it.

A push of many refs names namespaces (`refs/tags/*:refs/tags/*`) rather than each ref, because
git matches every explicit refspec against every local ref (O(specs x refs): git/transport/remote.py).
Git then sends the refs as they are when it reads them, so a version registered here after the
plan was made would go too, before its stored files were uploaded for it (DESIGN.md: no ref is
published whose objects are not on the remote). git runs the pre-push hook with the exact list
of refs it is about to send, before it sends anything; this hook compares that list with the
plan and refuses the whole push (atomic: nothing goes) when a ref is not in it. The caller
then plans again, with the new ref, and uploads its objects first.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import pygit2

from gitreg.git import tempdirs

MARKER = "gitreg: a ref changed while pushing"

# stdin of pre-push: "<local ref> <local id> <remote ref> <remote id>" per ref about to go;
# the plan is "<remote ref> <id>" (for an explicit `id:ref` spec the local ref is the id itself).
_HOOK = f"""#!/bin/sh
# Written by gitreg for one push (gitreg/git/transport/pushplan.py); removed after it.
exec awk -v marker='{MARKER}' '
    NR == FNR {{ planned[$0]; next }}
    !(($3 " " $2) in planned) {{ print marker ": " $3 > "/dev/stderr"; refused = 1 }}
    END {{ exit refused }}' "$GITREG_PUSH_PLAN" -
"""


@contextmanager
def held_to(updates: Sequence[tuple[pygit2.Oid, str]]) -> Iterator[tuple[list[str], dict[str, str]]]:
    """(git options, environment) under which `git push` refuses refs outside `updates`."""
    with tempdirs.make("gitreg-push-") as tmp:
        plan = Path(tmp) / "plan"
        plan.write_text("".join(f"{ref} {oid}\n" for oid, ref in updates), encoding="utf-8")
        hooks = Path(tmp) / "hooks"
        hooks.mkdir()
        hook = hooks / "pre-push"
        hook.write_text(_HOOK, encoding="utf-8")
        os.chmod(hook, 0o755)
        yield ["-c", f"core.hooksPath={hooks}"], {"GITREG_PUSH_PLAN": str(plan)}


def refused(stderr: str) -> list[str]:
    """The refs the hook refused, from git's stderr."""
    return [line.split(": ", 2)[-1].strip() for line in stderr.splitlines() if line.startswith(MARKER)]
