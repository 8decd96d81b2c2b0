"""`verify --policy`: every deployment and approval in history re-judged by the policy in
force at its time (the newest policy commit not later than the event's commit), and every
policy change by the one before it. Catches after the fact what a server without gitreg's
hook (a hosted forge) let through. Gates are evaluated on the versions' values as stored now.
"""
from __future__ import annotations

from typing import Optional

import pygit2

from gitreg.core import yamlio
from gitreg.core.errors import GitregError
from gitreg.features.policy import approvals as approvals_mod
from gitreg.features.policy import chain, rules
from gitreg.features.policy.chain import PolicyVersion
from gitreg.features.policy.schema import allows
from gitreg.git.refs import layout
from gitreg.git.repository import Store
from gitreg.git.signing.allowed import AllowedSigners
from gitreg.model.snapshot import deployment_envs, model_names


class _Signers:
    """Who signed a commit, by the signers of the policy in force then (one file per policy)."""

    def __init__(self, store: Store) -> None:
        self.store, self.files = store, {}  # type: dict[str, AllowedSigners]

    def who(self, version: PolicyVersion, commit: pygit2.Commit) -> tuple[Optional[str], str]:
        """(identity, problem): the verified signer, or the author's email without signers."""
        assert version.policy is not None
        if not version.policy.signed:
            return commit.author.email, ""
        if commit.gpg_signature[0] is None:
            return None, "unsigned, but the policy then required signatures"
        files = self.files.setdefault(version.commit, AllowedSigners(version.policy.signers))
        check = files.check(self.store.path, str(commit.id), "commit")
        if not check.valid or not check.signer:
            return None, f"signature not by a signer of the policy then ({check.detail or 'unknown key'})"
        return check.signer, ""

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def replay(store: Optional[Store]) -> list[str]:
    """Every violation, one line each: `<ref>@<commit>: <event>: <rule broken>`."""
    if store is None:
        return []
    versions = chain.history(store)
    out: list[str] = []
    for v in versions:
        if v.policy is None:
            out.append(f"{layout.POLICY}@{v.commit[:12]}: {v.problem}")
    if not versions:
        return out
    signers = _Signers(store)
    try:
        for before, after in zip(versions, versions[1:]):
            if before.policy is None:
                continue
            who, problem = signers.who(before, store.commit(pygit2.Oid(hex=after.commit)))
            if problem or not before.policy.is_admin(who):
                out.append(f"{layout.POLICY}@{after.commit[:12]}: policy changed by {who or after.author}"
                           f"{': ' + problem if problem else ''}, not an admin of the policy before (policy admins)")
        for model in model_names(store):
            out += _model(store, model, versions, signers)
    finally:
        signers.close()
    return out


def _model(store: Store, model: str, versions: list[PolicyVersion], signers: _Signers) -> list[str]:
    out = []
    approvals = approvals_mod.read(store, model)
    for a in approvals:
        then = chain.at(versions, a.committed)
        if then is None or then.policy is None:
            continue
        where = f"{layout.approvals_ref(model)}@{a.commit[:12]}: approval of {model} {a.version} for {a.environment}"
        who, problem = signers.who(then, store.commit(pygit2.Oid(hex=a.commit)))
        if problem:
            out.append(f"{where}: {problem}")
        elif who is None or who.lower() != a.approver.lower():
            out.append(f"{where}: signed by {who}, not the approver {a.approver}")
        elif not allows(then.policy.rule(a.environment).approvers, who):
            out.append(f"{where}: {who} may not approve for {a.environment} "
                       f"(policy environments.{a.environment}.approvals.from)")
    for env, tip in sorted(deployment_envs(store, model).items()):
        chain_ = []
        commit: Optional[pygit2.Commit] = store.commit(tip)
        while commit is not None:
            chain_.append(commit)
            commit = commit.parents[0] if commit.parents else None
        for commit in reversed(chain_):
            then = chain.at(versions, commit.committer.time)
            if then is None or then.policy is None:
                continue
            ref = f"{layout.deploy_ref(env, model)}@{str(commit.id)[:12]}"
            try:
                data = store.read_file(commit, layout.DEPLOYMENT_FILE, yamlio.DEPLOYMENT_LIMIT)
                d = yamlio.load_mapping(data or b"", ref, yamlio.DEPLOYMENT_LIMIT)
            except GitregError as exc:
                out.append(f"{ref}: {exc}")
                continue
            action, version = str(d.get("action")), d.get("version")
            version = None if version is None else str(version)
            who, problem = signers.who(then, commit)
            if problem:
                out.append(f"{ref}: {action} {model} {version}: {problem}")
                continue
            t = commit.committer.time
            problems = rules.judge(
                then.policy, model, version, env, action, who,
                approvals=[a for a in approvals if a.committed <= t],
                passed=lambda e: rules.deployed_versions(store, model, e, before=t),
                view=lambda: rules.version_view(store, model, version or ""))
            out += [f"{ref}: {action} {model} {version}: {p}" for p in problems]
    return out
