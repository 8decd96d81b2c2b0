"""The server's judgement of a push, as a whole, before git accepts any of it (pre-receive).

Every pushed ref is judged by the rules of docs/policy.md ('What the server enforces'):
append-only namespaces, well-formed objects, no case twins, signatures verified by git
against the policy's signers, and the policy's per-environment rules for the identity that
signed (or, without signers, the author) and the authenticated pusher. The policy in force is
the server's before this push. Each refusal is one line naming the ref and the rule. The
cost is O(refs pushed) (and, for a deployment, the model's approvals and deployments),
never O(registry): nothing is listed but the model names when a model is created and the
environments when an environment is.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Optional

import pygit2

from gitreg.core import yamlio
from gitreg.core.errors import GitregError
from gitreg.core.names import check_environment_name, check_model_name, check_version_name
from gitreg.core.records import VersionStatus
from gitreg.features.deploy.deployments import ACTIONS
from gitreg.features.policy import approvals as approvals_mod
from gitreg.features.policy import chain, rules
from gitreg.features.policy.schema import Policy
from gitreg.git.refs import layout
from gitreg.git.refs.changes import ZERO
from gitreg.git.repository import Store
from gitreg.git.signing.allowed import AllowedSigners, add_objects

MAX_NEW = 100_000  # commits one pushed ref may add (a first push of a big model fits)
STATUSES = {s.value for s in VersionStatus}


class _Refused(Exception):
    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule, self.detail = rule, detail


def judge(path: Path, updates: Iterable[tuple[str, str, str]], pusher: Optional[str] = None,
          environ: Mapping[str, str] = {}) -> list[str]:
    """The reasons to refuse the push (empty: accept), one line each: `<ref>: <why> [<rule>]`."""
    store = Store.open(Path(path))
    if store is None:
        return ["the repository is not a git repository [server]"]
    add_objects(store.repo, environ)
    return _Push(store, list(updates), pusher, environ).run()


class _Push:
    def __init__(self, store: Store, updates: list[tuple[str, str, str]], pusher: Optional[str],
                 environ: Mapping[str, str]) -> None:
        self.store, self.repo = store, store.repo
        self.updates = updates
        self.after = {ref: new for _old, new, ref in updates}
        self.pusher, self.environ = pusher, dict(environ)
        self.policy: Optional[Policy] = None
        self.signers: Optional[AllowedSigners] = None
        self._added: dict[str, set[pygit2.Oid]] = {}  # model -> commits this push adds to its branch

    # -- the push as a whole ---------------------------------------------------------------
    def run(self) -> list[str]:
        try:
            self.policy = chain.in_force(self.store)
        except GitregError as exc:
            return [f"{layout.POLICY}: {exc} [policy]"]
        if self.policy is not None and self.policy.signed:
            self.signers = AllowedSigners(self.policy.signers)
        reasons = []
        try:
            reasons += self._twins()
            for old, new, ref in self.updates:
                try:
                    self._one(old, new, ref)
                except _Refused as r:
                    reasons.append(f"{ref}: {r.detail} [{r.rule}]")
                except (GitregError, KeyError, ValueError, pygit2.GitError) as exc:
                    reasons.append(f"{ref}: unreadable: {' '.join(str(exc).split())[:200]} [well-formed]")
        finally:
            if self.signers is not None:
                self.signers.close()
        return reasons

    def tip(self, ref: str) -> Optional[pygit2.Oid]:
        """A ref's value once this push is accepted."""
        if ref in self.after:
            new = self.after[ref]
            return None if new == ZERO else pygit2.Oid(hex=new)
        return self.store.ref_target(ref)

    def _twins(self) -> list[str]:
        """No two models, no two environments, whose names differ only in case."""
        out = []
        created = [ref for old, new, ref in self.updates if old == ZERO and new != ZERO]
        heads = [r[len(layout.HEADS):] for r in created if r.startswith(layout.HEADS)]
        envs = [r[len(layout.DEPLOYED):].split("/", 1)[0] for r in created if r.startswith(layout.DEPLOYED)]
        for kind, names, existing in (("model", heads, layout.HEADS), ("environment", envs, layout.DEPLOYED)):
            if not names:
                continue
            known: dict[str, str] = {}
            for name in self.store.ref_names_under(existing):
                name = name.split("/", 1)[0] if kind == "environment" else name
                known.setdefault(name.lower(), name)
            for name in names:
                twin = known.setdefault(name.lower(), name)
                if twin != name:
                    ref = next(r for r in created if (r == layout.HEADS + name if kind == "model"
                                                       else r.startswith(f"{layout.DEPLOYED}{name}/")))
                    out.append(f"{ref}: {kind} {name!r} differs from {twin!r} only in case [case twin]")
        return out

    # -- one ref ---------------------------------------------------------------------------
    def _one(self, old: str, new: str, ref: str) -> None:
        kind, model, part = _classify(ref)
        if new == ZERO:
            raise _Refused("append-only", "deleting a registry ref is not allowed (history only appends)")
        if kind == "tag":
            if old != ZERO:
                raise _Refused("tags never move", "a version tag, once pushed, never changes")
            return self._tag(model, part, new)
        new_id = pygit2.Oid(hex=new)
        commit = self.repo.get(new_id)
        if not isinstance(commit, pygit2.Commit):
            raise _Refused("well-formed", "does not point at a commit")
        if old != ZERO and old != new and not self.repo.descendant_of(new_id, pygit2.Oid(hex=old)):
            raise _Refused("fast-forward", "must fast-forward (no force-push, no rewind)")
        if kind != "policy" and self.tip(layout.branch_ref(model)) is None:
            raise _Refused("well-formed", f"model {model!r} does not exist (no {layout.branch_ref(model)})")
        fresh = self._new_commits(commit, None if old == ZERO else pygit2.Oid(hex=old), last=kind == "head")
        getattr(self, "_" + kind)(model, part, fresh, old == ZERO)

    def _new_commits(self, tip: pygit2.Commit, old: Optional[pygit2.Oid], last: bool = False) -> list[pygit2.Commit]:
        """The commits this update adds, oldest first, along first (or, for a branch, last) parents."""
        out = []
        commit: Optional[pygit2.Commit] = tip
        while commit is not None and commit.id != old:
            out.append(commit)
            if len(out) > MAX_NEW:
                raise _Refused("well-formed", f"adds more than {MAX_NEW} commits")
            commit = (commit.parents[-1] if last else commit.parents[0]) if commit.parents else None
        return out[::-1]

    def _on_branch(self, model: str, commit: pygit2.Oid) -> bool:
        """Whether a commit is on the model's branch as pushed: among the commits this push adds
        to it (walked once per model, so a first push of N versions costs O(N)), or an
        ancestor of the branch the server already has."""
        if model not in self._added:
            tip, before = self.tip(layout.branch_ref(model)), self.store.ref_target(layout.branch_ref(model))
            added: set[pygit2.Oid] = set()
            if tip is not None and tip != before:
                added = {c.id for c in self._new_commits(self.repo[tip], before, last=True)}
            self._added[model] = added
        if commit in self._added[model]:
            return True
        before = self.store.ref_target(layout.branch_ref(model))
        return before is not None and (before == commit or self.repo.descendant_of(before, commit))

    def _who(self, obj: pygit2.Object, kind: str, fallback: str) -> Optional[str]:
        """Who made a commit or tag: the principal git verifies against the policy's signers,
        or (a policy without signers, or none) the author's / tagger's email."""
        if self.signers is None:
            return fallback
        signed = (self.store.tag_signature(obj.id) if kind == "tag"
                  else obj.gpg_signature[0])  # type: ignore[attr-defined]
        if not signed:
            raise _Refused("signature", f"{kind} {str(obj.id)[:12]} is unsigned; the policy requires signatures")
        check = self.signers.check(self.store.path, str(obj.id), kind, self.environ)
        if not check.valid or not check.signer:
            raise _Refused("signature", f"{kind} {str(obj.id)[:12]}: signature not by a signer of the policy "
                                        f"({check.detail or 'unknown key'})")
        return check.signer

    def _manifest(self, commit: pygit2.Commit, file: str = layout.MANIFEST_FILE) -> dict:
        data = self.store.read_file(commit, file, yamlio.MANIFEST_LIMIT, f"{str(commit.id)[:12]}:{file}")
        if data is None:
            raise _Refused("well-formed", f"commit {str(commit.id)[:12]} has no {file}")
        return yamlio.load_mapping(data, f"{str(commit.id)[:12]}:{file}")

    # -- per namespace ---------------------------------------------------------------------
    def _tag(self, model: str, version: str, new: str) -> None:
        tag = self.repo.get(pygit2.Oid(hex=new))
        if not isinstance(tag, pygit2.Tag):
            raise _Refused("well-formed", "a version tag must be an annotated tag")
        target = self.repo.get(tag.target)
        if not isinstance(target, pygit2.Commit):
            raise _Refused("well-formed", "the tag does not point at a commit")
        if tag.name != f"{model}/{version}":
            raise _Refused("well-formed", f"the tag object is named {tag.name[:60]!r}, not {model}/{version}")
        manifest = self._manifest(target)
        if manifest.get("model_name") != model or str(manifest.get("version")) != version:
            raise _Refused("well-formed", f"the tagged commit's manifest does not name {model} {version}")
        if not self._on_branch(model, target.id):
            raise _Refused("well-formed", f"the tagged commit is not on {layout.branch_ref(model)}")
        tagger = tag.tagger.email if tag.tagger is not None else ""
        who = self._who(tag, "tag", tagger)
        if self.policy is not None and not self.policy.may_register(model, who):
            raise _Refused("registrants", f"{who} may not register {model} (policy models)")

    def _head(self, model: str, _part: str, fresh: list[pygit2.Commit], created: bool) -> None:
        for commit in fresh:
            if not commit.parents:
                if not created or commit is not fresh[0]:
                    raise _Refused("model root", "a root commit in the middle of a model branch")
                try:
                    named = self._manifest(commit, layout.MODEL_FILE).get("model_name")
                except _Refused:
                    named = None
                if named != model:
                    raise _Refused("model root", f"the branch's root is not {model}'s model root (model.yaml)")
            else:
                if created and commit is fresh[0]:
                    raise _Refused("model root", "the branch does not start with a model root commit")
                if self._manifest(commit).get("model_name") != model:
                    raise _Refused("well-formed", f"commit {str(commit.id)[:12]} is not a version of {model}")
            who = self._who(commit, "commit", commit.author.email)
            if self.policy is not None and not self.policy.may_register(model, who):
                raise _Refused("registrants", f"{who} may not register {model} (policy models)")

    def _deployed(self, model: str, env: str, fresh: list[pygit2.Commit], _created: bool) -> None:
        for commit in fresh:
            d = self._manifest(commit, layout.DEPLOYMENT_FILE)
            action, version = d.get("action"), d.get("version")
            if d.get("model_name") != model or d.get("environment") != env or action not in ACTIONS:
                raise _Refused("well-formed",
                               f"deployment {str(commit.id)[:12]} is not a deployment of {model} in {env}")
            if (version is None) != (action == "undeploy"):
                raise _Refused("well-formed", f"deployment {str(commit.id)[:12]}: {action} with version {version!r}")
            if version is not None and self.tip(layout.tag_ref(model, str(version))) is None:
                raise _Refused("well-formed", f"deployment {str(commit.id)[:12]} names {model} {version}, "
                                              "which is not registered")
            before = None
            if commit.parents:
                before = self._manifest(commit.parents[0], layout.DEPLOYMENT_FILE).get("version")
            if d.get("previous_version") != before:
                raise _Refused("well-formed", f"deployment {str(commit.id)[:12]}: previous_version "
                                              f"{d.get('previous_version')!r} is not the parent's {before!r}")
            who = self._who(commit, "commit", commit.author.email)
            if self.policy is None:
                continue
            problems = rules.judge(
                self.policy, model, None if version is None else str(version), env, str(action), who,
                approvals=approvals_mod.read(self.store, model, self.tip(layout.approvals_ref(model))),
                passed=lambda e: rules.deployed_versions(self.store, model, e, self.tip(layout.deploy_ref(e, model))),
                view=lambda: rules.pushed_view(self.store, model, str(version),
                                               self.tip(layout.tag_ref(model, str(version))),
                                               self.tip(layout.notes_ref(model))),
                pusher=self.pusher)
            if problems:
                raise _Refused("policy", "; ".join(problems))

    def _notes(self, model: str, _part: str, fresh: list[pygit2.Commit], _created: bool) -> None:
        for commit in fresh:
            self._who(commit, "commit", commit.author.email)
        old_tree = fresh[0].parents[0].tree if fresh and fresh[0].parents else None
        new_tree = fresh[-1].tree if fresh else None
        if new_tree is None:
            return
        diff = self.repo.diff(old_tree, new_tree) if old_tree is not None else new_tree.diff_to_tree(swap=True)
        for delta in diff.deltas:
            if delta.status == pygit2.enums.DeltaStatus.DELETED:
                continue
            path = delta.new_file.path
            target = self.repo.get(path.replace("/", "")) if len(path.replace("/", "")) == 40 else None
            if not isinstance(target, pygit2.Commit):
                raise _Refused("well-formed", f"note {path[:60]!r} does not annotate a commit")
            data = self.store.read_blob(delta.new_file.id, yamlio.MANIFEST_LIMIT, f"note {path[:45]}")
            note = yamlio.load_mapping(data, f"note on {path.replace('/', '')[:12]}")
            if not self._annotatable(model, target):
                raise _Refused("well-formed", f"note on {str(target.id)[:12]}, which is not {model}'s root "
                                              "or one of its version commits")
            status = note.get("status")
            if status is not None and status not in STATUSES:
                raise _Refused("well-formed",
                               f"note on {str(target.id)[:12]} has an unknown status {str(status)[:30]!r}")

    def _annotatable(self, model: str, target: pygit2.Commit) -> bool:
        """A note belongs on the model's root commit or on a commit a version tag names."""
        if not target.parents:
            return self._manifest(target, layout.MODEL_FILE).get("model_name") == model
        manifest = self._manifest(target)
        tag = self.tip(layout.tag_ref(model, str(manifest.get("version"))))
        obj = self.repo.get(tag) if tag is not None and manifest.get("model_name") == model else None
        return isinstance(obj, pygit2.Tag) and obj.target == target.id

    def _approvals(self, model: str, _part: str, fresh: list[pygit2.Commit], _created: bool) -> None:
        for commit in fresh:
            try:
                a = approvals_mod.parse(self.store, commit, model)
            except GitregError as exc:
                raise _Refused("well-formed", str(exc)) from None
            if self.tip(layout.tag_ref(model, a.version)) is None:
                raise _Refused("well-formed", f"approval of {model} {a.version}, which is not registered")
            who = self._who(commit, "commit", commit.author.email)
            if who is None or who.lower() != a.approver.lower():
                raise _Refused("signature", f"approval by {a.approver} signed by {who}")
            if self.policy is not None and not rules.allows(self.policy.rule(a.environment).approvers, who):
                raise _Refused("approvers", f"{who} may not approve for {a.environment} "
                                            f"(policy environments.{a.environment}.approvals.from)")

    def _policy(self, _model: str, _part: str, fresh: list[pygit2.Commit], _created: bool) -> None:
        previous = self.policy
        signers = self.signers
        for commit in fresh:
            version = chain.read_commit(self.store, commit)
            if version.policy is None:
                raise _Refused("well-formed", f"policy {str(commit.id)[:12]}: {version.problem}")
            if previous is not None:
                who = self._who(commit, "commit", commit.author.email)
                if not previous.is_admin(who):
                    raise _Refused("policy admins", f"{who} is not an admin of the policy in force")
                if self.pusher is not None and not previous.is_admin(previous.principal(self.pusher)):
                    raise _Refused("policy admins",
                                   f"pushed by {self.pusher}, who is not an admin of the policy in force")
            previous = version.policy
            if previous.signed:  # the next change is judged by this one's signers
                if self.signers is not None and self.signers is not signers:
                    self.signers.close()
                self.signers = AllowedSigners(previous.signers)
        if signers is not None and self.signers is not signers:
            signers.close()


def _classify(ref: str) -> tuple[str, str, str]:
    """(kind, model, environment or version) of a shared gitreg ref; refused when it is none."""
    def name(check: object, value: str) -> str:
        try:
            return check(value)  # type: ignore[operator]
        except GitregError as exc:
            raise _Refused("names", str(exc)) from None

    if ref == layout.POLICY:
        return "policy", "", ""
    for prefix, kind in ((layout.HEADS, "head"), (layout.NOTES, "notes"), (layout.APPROVALS, "approvals")):
        if ref.startswith(prefix):
            return kind, name(check_model_name, ref[len(prefix):]), ""
    if ref.startswith(layout.TAGS) and ref.count("/") == 3:
        model, version = ref[len(layout.TAGS):].split("/")
        return "tag", name(check_model_name, model), name(check_version_name, version)
    if ref.startswith(layout.DEPLOYED) and ref.count("/") == 3:
        env, model = ref[len(layout.DEPLOYED):].split("/")
        return "deployed", name(check_model_name, model), name(check_environment_name, env)
    raise _Refused("namespace", "not a shared gitreg ref (heads, tags, deployed, notes/gitreg, gitreg/policy, "
                                "gitreg/approvals)")
