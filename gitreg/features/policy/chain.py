"""The policy in force (refs/gitreg/policy: a fast-forward-only chain of commits, each tree
holding policy.yaml) and `policy set`: a new commit allowed only to an admin of the one in force."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import pygit2

from gitreg.core.errors import CorruptRegistryError, GitregError, SigningError
from gitreg.features.policy.schema import POLICY_LIMIT, Policy, PolicyError, parse
from gitreg.git.refs import layout
from gitreg.git.refs.transaction import RefUpdate, retrying
from gitreg.git.repository import Store

MAX_CHAIN = 10_000  # policy changes followed back; far more than a registry's lifetime of them


@dataclass(frozen=True)
class PolicyVersion:
    """One commit of the policy chain, with the policy it holds (None: unreadable, `problem`)."""
    commit: str
    time: int  # committer time: which events it judges (docs/policy.md)
    author: str  # email
    policy: Optional[Policy]
    text: str
    problem: Optional[str] = None


def read_commit(store: Store, commit: pygit2.Commit) -> PolicyVersion:
    """The policy one commit of the chain holds (a bad one is described, never raised)."""
    where = f"{layout.POLICY}@{str(commit.id)[:12]}:{layout.POLICY_FILE}"
    try:
        data = store.read_file(commit, layout.POLICY_FILE, POLICY_LIMIT, where)
        if data is None:
            raise CorruptRegistryError(f"{where} is missing")
        policy, problem = parse(data, where), None
        text = data.decode("utf-8", "replace")
    except (GitregError, UnicodeError) as exc:
        policy, problem, text = None, str(exc), ""
    return PolicyVersion(str(commit.id), commit.committer.time, commit.author.email, policy, text, problem)


def current(store: Optional[Store]) -> Optional[PolicyVersion]:
    """The policy in force (its tip); None when the registry has none (open, as before policies)."""
    tip = store.ref_target(layout.POLICY) if store is not None else None
    if tip is None:
        return None
    try:
        return read_commit(store, store.commit(tip))
    except (KeyError, ValueError, CorruptRegistryError) as exc:
        return PolicyVersion(str(tip), 0, "", None, "", f"{layout.POLICY} is not a commit: {exc}")


def in_force(store: Optional[Store]) -> Optional[Policy]:
    """The policy that judges a write now; an unreadable one refuses (a policy is never skipped)."""
    found = current(store)
    if found is None:
        return None
    if found.policy is None:
        raise CorruptRegistryError(f"the policy in force cannot be read: {found.problem}")
    return found.policy


def history(store: Store) -> list[PolicyVersion]:
    """Every policy commit, oldest first (first parents)."""
    tip = store.ref_target(layout.POLICY)
    out: list[PolicyVersion] = []
    commit = store.commit(tip) if tip is not None else None
    while commit is not None and len(out) < MAX_CHAIN:
        out.append(read_commit(store, commit))
        commit = commit.parents[0] if commit.parents else None
    return out[::-1]


def at(versions: list[PolicyVersion], when: int) -> Optional[PolicyVersion]:
    """The policy in force at time `when`: the newest whose commit is not later (None: open)."""
    found = None
    for v in versions:
        if v.time <= when:
            found = v
    return found


def set_policy(store: Store, data: bytes, sign: Optional[bool] = None) -> PolicyVersion:
    """Install `data` as the policy: validated, allowed only to an admin of the policy in force
    (the first one is free), committed (signed when signing is in force) on refs/gitreg/policy."""
    policy = parse(data, "policy file")
    signer = store.signer("commit", sign)

    def attempt() -> PolicyVersion:
        before = current(store)
        old = before.policy if before is not None else None
        if before is not None and old is None:
            raise CorruptRegistryError(f"the policy in force cannot be read: {before.problem}")
        at_ = time.time()
        me = store.signature("committer", at_)
        if old is not None and not old.is_admin(me.email):
            raise PolicyError(f"refused: {me.email} is not an admin of the policy in force "
                              f"(admins: {', '.join(old.admins) or 'none'})")
        if signer is None and ((old is not None and old.signed) or policy.signed):
            raise SigningError("refused: a policy with signers is changed only by a signed commit "
                               "(git config gitreg.sign true, gpg.format ssh, user.signingkey)")
        tree = store.write_tree({layout.POLICY_FILE: data})
        parents = [pygit2.Oid(hex=before.commit)] if before is not None else []
        subject = "policy: set" if before is None else "policy: change"
        commit = store.write_commit(tree, parents, f"{subject}\n", at_, signer)
        store.update_refs([RefUpdate(layout.POLICY, parents[0] if parents else None, commit)],
                          f"gitreg: {subject}")
        return read_commit(store, store.commit(commit))

    return retrying(attempt, "set the policy")
