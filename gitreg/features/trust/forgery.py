"""What `verify` can say about deployment and notes commits forged with plain git (issue 22).

Without signatures, a collaborator can append a fast-forward deployment or notes commit
under anyone's name. Nothing proves who wrote it, but a forgery made with plain git
usually shows:
- a deployment commit whose committer is not the `deployed_by` its deployment.yaml records
  (gitreg writes both from the same identity);
- a notes commit without the trailers gitreg writes (Gitreg-Action, Gitreg-Time), other
  than pull's notes merges;
- an unsigned commit after signed ones in the same history (signing was in use there);
- an unsigned commit where the registry's shared policy (`refs/gitreg/policy`, its
  `policy.yaml`) lists signers: signing is in force for everyone who clones it, whatever
  the local git configuration says.
Each is a failure of that commit's check; a forger who copies the name, the trailers and
the signing state leaves nothing to see: only signatures (and a server hook) prove it.
"""
from __future__ import annotations

from typing import Any, Optional

import pygit2

from gitreg.core import yamlio
from gitreg.core.errors import CorruptRegistryError
from gitreg.git.repository import Store

POLICY_REF = "refs/gitreg/policy"
POLICY_FILE = "policy.yaml"
_NOTES_MERGE = "gitreg: merge notes of "


def _who(sig: pygit2.Signature) -> str:
    return f"{sig.name} <{sig.email}>"


def policy_lists_signers(store: Store) -> bool:
    """Whether the shared policy in force names signers (an unreadable policy: no)."""
    tip = store.ref_target(POLICY_REF)
    if tip is None:
        return False
    try:
        data = store.read_file(store.commit(tip), POLICY_FILE, yamlio.MANIFEST_LIMIT, f"{POLICY_REF}:{POLICY_FILE}")
        policy = yamlio.load_mapping(data, f"{POLICY_REF}:{POLICY_FILE}") if data is not None else {}
    except (CorruptRegistryError, pygit2.GitError, ValueError):
        return False
    signers = policy.get("signers")
    return isinstance(signers, list) and bool(signers)


def deployment(commit: pygit2.Commit, record: dict[str, Any]) -> list[str]:
    """A deployment commit whose committer is not the actor its deployment.yaml records."""
    recorded = record.get("deployed_by")
    if recorded is None or str(recorded) == _who(commit.committer):
        return []
    return [f"{'deployment.yaml'} records deployed_by {str(recorded)[:120]!r}, but the commit was made by "
            f"{_who(commit.committer)[:120]!r}: not written by gitreg as that person (forged?)"]


def notes(commit: pygit2.Commit) -> list[str]:
    """A notes commit gitreg did not write: no Gitreg-Action / Gitreg-Time trailers."""
    message = commit.raw_message[:4096].decode("utf-8", "replace")
    if message.startswith(_NOTES_MERGE) and len(commit.parents) == 2:
        return []
    if "\nGitreg-Action: " in message and "\nGitreg-Time: " in message:
        return []
    return [f"no Gitreg-Action/Gitreg-Time trailers: written with plain git (by {_who(commit.committer)[:120]!r}), "
            "not by gitreg"]


def unsigned_after_signed(signed: bool, signed_before: Optional[str]) -> list[str]:
    """An unsigned commit after a signed one (`signed_before`, its short id) in one history."""
    if signed or signed_before is None:
        return []
    return [f"unsigned, after signed commit {signed_before} in this history: signing was in use here "
            "(forged with plain git?)"]
