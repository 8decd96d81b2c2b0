"""Approvals as records: refs/gitreg/approvals/<model>, a fast-forward-only chain of commits,
one per approval, each tree holding approval.yaml (docs/storage.md). The commit's author is
the approver; it is signed when signing is in force (and must be under a policy with signers)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import pygit2

from gitreg.core import yamlio
from gitreg.core.audit_records import Event
from gitreg.core.errors import CorruptRegistryError, DeploymentError, GitregError, SigningError
from gitreg.core.names import check_environment_name, check_version_name
from gitreg.features.policy import chain
from gitreg.features.policy.schema import allows
from gitreg.git.refs import layout
from gitreg.git.refs.transaction import RefUpdate, retrying
from gitreg.git.repository import Store
from gitreg.model import manifest as mf
from gitreg.model.snapshot import ModelSnapshot

APPROVAL_LIMIT = 16 << 10
MAX_REASON = 4096
MAX_CHAIN = 1_000_000


@dataclass(frozen=True)
class Approval:
    """Who approved which version of a model for which environment, when and why."""
    model: str
    version: str
    environment: str
    approver: str  # email (the commit's author)
    reason: Optional[str]
    time: str  # ISO 8601 UTC
    commit: str
    committed: int  # the commit's committer time (epoch): what `verify --policy` orders by


def parse(store: Store, commit: pygit2.Commit, model: str) -> Approval:
    """One approval commit as a record; CorruptRegistryError for a bad one."""
    where = f"{layout.approvals_ref(model)}@{str(commit.id)[:12]}:{layout.APPROVAL_FILE}"
    data = store.read_file(commit, layout.APPROVAL_FILE, APPROVAL_LIMIT, where)
    if data is None:
        raise CorruptRegistryError(f"{where} is missing")
    d = yamlio.load_mapping(data, where, APPROVAL_LIMIT)
    if d.get("schema") != "gitreg/1" or d.get("model") != model:
        raise CorruptRegistryError(f"{where} is not an approval of {model} (schema gitreg/1)")
    try:
        version = check_version_name(d.get("version"))
        environment = check_environment_name(d.get("environment"))
    except GitregError as exc:
        raise CorruptRegistryError(f"{where}: {exc}") from None
    approver, reason, when = d.get("approver"), d.get("reason"), d.get("time")
    if not isinstance(approver, str) or approver.lower() != commit.author.email.lower():
        raise CorruptRegistryError(f"{where}: approver is not the commit's author ({commit.author.email})")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        raise CorruptRegistryError(f"{where}: reason must be text of at most {MAX_REASON} characters")
    return Approval(model, version, environment, approver, reason, str(when or ""), str(commit.id),
                    commit.committer.time)


def chain_of(store: Store, model: str, tip: Optional[pygit2.Oid] = None) -> list[pygit2.Commit]:
    """The approval commits of a model from `tip` (default: its ref), oldest first (first parents)."""
    tip = store.ref_target(layout.approvals_ref(model)) if tip is None else tip
    out = []
    commit = store.commit(tip) if tip is not None else None
    while commit is not None and len(out) < MAX_CHAIN:
        out.append(commit)
        commit = commit.parents[0] if commit.parents else None
    return out[::-1]


def read(store: Optional[Store], model: str, tip: Optional[pygit2.Oid] = None) -> list[Approval]:
    """Every approval of a model, oldest first; a bad one is a problem, the rest read."""
    if store is None:
        return []
    records = []
    for commit in chain_of(store, model, tip):
        try:
            records.append(parse(store, commit, model))
        except GitregError as exc:
            store.problems.add(layout.approvals_ref(model), exc)
    return records


def approve(store: Store, model: str, version: str, environment: str, reason: Optional[str] = None,
            sign: Optional[bool] = None) -> Approval:
    """Append one approval by the configured identity; refused when the policy in force does
    not let that identity approve for `environment`, or when it already did."""
    check_environment_name(environment)
    if reason is not None and len(reason) > MAX_REASON:
        raise DeploymentError(f"the reason is longer than {MAX_REASON} characters")
    signer = store.signer("commit", sign)
    ref = layout.approvals_ref(model)

    def attempt() -> Approval:
        ModelSnapshot.load(store, model).require(version)
        policy = chain.in_force(store)
        at = time.time()
        me = store.signature("author", at)
        if policy is not None:
            rule = policy.rule(environment)
            if not allows(rule.approvers, me.email):
                raise DeploymentError(
                    f"refused: {me.email} may not approve for {environment} "
                    f"(policy environments.{environment}.approvals.from)")
            if policy.signed and signer is None:
                raise SigningError("refused: the policy has signers, so an approval must be signed "
                                   "(git config gitreg.sign true)")
        done = [a for a in read(store, model) if (a.version, a.environment) == (version, environment)
                and a.approver.lower() == me.email.lower()]
        if done:
            raise DeploymentError(f"{me.email} already approved {model} {version} for {environment}")
        record = {"schema": "gitreg/1", "model": model, "version": version, "environment": environment,
                  "approver": me.email, "reason": reason, "time": mf.now_iso(at)}
        tip = store.ref_target(ref)
        tree = store.write_tree({layout.APPROVAL_FILE: yamlio.dump(record)})
        subject = f"approve {model} {version} for {environment}"
        body = f"\n\n{reason.strip()}\n" if reason and reason.strip() else "\n"
        commit = store.write_commit(tree, [tip] if tip is not None else [], subject + body, at, signer)
        store.update_refs([RefUpdate(ref, tip, commit)], f"gitreg: {subject}")
        return parse(store, store.commit(commit), model)

    return retrying(attempt, f"approve {model} {version}")


def in_history(events: list[Event], records: list[Approval]) -> list[Event]:
    """A model's history with its approvals as `approve` events, in time order."""
    import datetime as dt

    def key(e: Event) -> float:
        try:
            when = dt.datetime.fromisoformat(e.timestamp)
        except ValueError:
            return 0.0
        return (when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)).timestamp()

    approved = [Event(a.time, "approve", a.model, a.version, a.approver, {"reason": a.reason},
                      a.environment, a.commit) for a in records]
    return sorted(events + approved, key=key) if approved else events
