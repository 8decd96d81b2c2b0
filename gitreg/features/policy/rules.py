"""One promotion judged against a policy: deployers, approvals (count, from), `requires`
(the version was deployed there first) and the metric `gate` (gitreg's query language).

The same judgement serves `deploy` (client side), the server's pre-receive and
`verify --policy`; the callers hand it what they know (approvals, deployment histories)
as of the moment judged. Each problem is one line naming the rule.
"""
from __future__ import annotations

import time
from typing import Callable, Iterable, Optional

import pygit2

from gitreg.core import yamlio
from gitreg.core.errors import DeploymentError, GitregError, SigningError
from gitreg.features.policy import approvals as approvals_mod
from gitreg.features.policy import chain
from gitreg.features.policy.approvals import Approval
from gitreg.features.policy.schema import Policy, allows
from gitreg.git.refs import layout
from gitreg.git.repository import Store
from gitreg.model.snapshot import ModelSnapshot

MAX_WALK = 1_000_000
PROMOTIONS = ("deploy", "rollback")  # they make a version live: approvals, requires, gate apply


def judge(policy: Policy, model: str, version: Optional[str], environment: str, action: str,
          actor: Optional[str], *, approvals: Iterable[Approval],
          passed: Callable[[str], set[str]], view: Callable[[], dict],
          pusher: Optional[str] = None) -> list[str]:
    """The rules this promotion breaks (empty: allowed). `actor` is who made it (email),
    `pusher` the server user who pushed it (None: not known)."""
    rule = policy.rule(environment)
    key = f"policy environments.{environment}"
    out = []
    if not allows(rule.deployers, actor):
        out.append(f"{actor or 'an unknown identity'} may not {action} in {environment} ({key}.deployers)")
    if pusher is not None and not allows(rule.deployers, policy.principal(pusher)):
        out.append(f"pushed by {pusher}, who may not {action} in {environment} ({key}.deployers)")
    if action not in PROMOTIONS or version is None:
        return out
    if rule.approvals:
        who = {a.approver.lower() for a in approvals
               if (a.version, a.environment) == (version, environment) and allows(rule.approvers, a.approver)}
        if len(who) < rule.approvals:
            source = "" if "*" in rule.approvers else f" from {', '.join(rule.approvers)}"
            out.append(f"{model} {version} needs {rule.approvals} approvals{source} for {environment}, "
                       f"has {len(who)} ({key}.approvals)")
    for earlier in rule.requires:
        if version not in passed(earlier):
            out.append(f"{model} {version} has not been deployed to {earlier} first ({key}.requires)")
    if rule.gate:
        from gitreg.features.query import compile_query
        from gitreg.features.query import parse as parse_query
        try:
            ok = compile_query(parse_query(rule.gate))(view())
        except GitregError as exc:
            ok, why = False, f": {exc}"
        else:
            why = ""
        if not ok:
            out.append(f"{model} {version} does not pass the gate {rule.gate!r}{why} ({key}.gate)")
    return out


def deployed_versions(store: Store, model: str, environment: str, tip: Optional[pygit2.Oid] = None,
                      before: Optional[int] = None) -> set[str]:
    """Versions ever made live in an environment (deploy or rollback) along its chain from
    `tip` (default: the ref), counting only commits not later than `before` when given."""
    if tip is None:
        tip = store.ref_target(layout.deploy_ref(environment, model))
    found: set[str] = set()
    commit = store.commit(tip) if tip is not None else None
    for _ in range(MAX_WALK):
        if commit is None:
            break
        if before is None or commit.committer.time <= before:
            try:
                data = store.read_file(commit, layout.DEPLOYMENT_FILE, yamlio.DEPLOYMENT_LIMIT)
                d = yamlio.load_mapping(data or b"", "deployment", yamlio.DEPLOYMENT_LIMIT)
                if d.get("action") in PROMOTIONS and isinstance(d.get("version"), str):
                    found.add(d["version"])
            except GitregError:
                pass  # a bad deployment commit passes nothing
        commit = commit.parents[0] if commit.parents else None
    return found


def version_view(store: Store, model: str, version: str) -> dict:
    """The query view of one version as stored now (what a gate is evaluated on)."""
    from gitreg.features.query import view_of
    return view_of(ModelSnapshot.load(store, model).version(version))


def check_promotion(store: Optional[Store], model: str, version: Optional[str], environment: str,
                    action: str, sign: Optional[bool] = None) -> None:
    """Refuse (DeploymentError, one line naming the rule) a deploy, rollback or undeploy the
    policy in force does not allow to the configured identity; nothing without a policy."""
    policy = chain.in_force(store)
    if policy is None or store is None:
        return
    me = store.signature("committer", time.time()).email
    problems = judge(policy, model, version, environment, action, me,
                     approvals=approvals_mod.read(store, model),
                     passed=lambda env: deployed_versions(store, model, env),
                     view=lambda: version_view(store, model, version or ""))
    if problems:
        raise DeploymentError("refused by the policy: " + "; ".join(problems))
    if policy.signed and store.signer("commit", sign) is None:
        raise SigningError("refused by the policy: it has signers, so a deployment must be signed "
                           "(git config gitreg.sign true)")


def pushed_view(store: Store, model: str, version: str, tag: Optional[pygit2.Oid],
                notes_tip: Optional[pygit2.Oid]) -> dict:
    """The query view of a version as a push would leave it (its tag and notes tips given:
    a version registered, or scored, in the same push as its deployment is judged as pushed)."""
    from gitreg.features.query import view_of
    from gitreg.git.objects import notes as git_notes
    from gitreg.model import manifest as mf

    obj = store.repo.get(tag) if tag is not None else None
    if not isinstance(obj, pygit2.Tag):
        raise GitregError(f"{model} {version} is not registered")
    commit = store.commit(obj.target)
    where = f"{model}/{version}:{layout.MANIFEST_FILE}"
    manifest = yamlio.load_mapping(store.read_file(commit, layout.MANIFEST_FILE, yamlio.MANIFEST_LIMIT, where)
                                   or b"", where)
    note: dict = {}
    if notes_tip is not None:
        blob = git_notes.read_all(store.repo, store.commit(notes_tip).tree).get(str(commit.id))
        if blob is not None:
            note = yamlio.load_mapping(store.read_blob(blob, where=f"note on {model}/{version}"), "note")
    tagger = f"{obj.tagger.name} <{obj.tagger.email}>" if obj.tagger is not None else None
    return view_of(mf.read_version(manifest, note, model=model, version=version, where=where,
                                   commit=str(commit.id), registered_by=tagger))


def check_registrant(store: Store, model: str) -> None:
    """Refuse a registration the policy in force does not allow to the configured identity."""
    policy = chain.in_force(store)
    if policy is None:
        return
    me = store.signature("committer", time.time()).email
    if not policy.may_register(model, me):
        raise DeploymentError(f"refused by the policy: {me} may not register {model} (policy models)")
