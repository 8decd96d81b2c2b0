"""`gitreg verify`: are the version tags and deployment commits what gitreg wrote?

Per version tag: an annotated tag object named `<model>/<version>`, pointing at a
commit on the model's branch whose manifest.yaml names the same model and version;
its signature, when there is one, is judged by git itself (`git verify-tag`). A
signed version is a pair (registration.py): the version commit is signed with the
tag's key and sits on the fast-forward-only branch, so a tag later replaced with
plain git by an unsigned one, or by one signed with another key, no longer matches
its commit and is reported by name. Per deployment commit: its signature
(`git verify-commit`), deployment.yaml naming this model and environment, and its
manifest.yaml being the deployed version's. With files=True every local artifact
is re-hashed and compared with the sha256/size recorded at registration.

When signing is in force (gitreg.sign / tag.gpgSign for tags, gitreg.sign /
commit.gpgSign for commits, gitreg.requireSigned for both, or a shared policy that
lists signers), an unsigned version tag or deployment commit is a failure. What can be
said about unsigned deployment and notes commits forged with plain git is in forgery.py.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import pygit2

from gitreg.core import yamlio
from gitreg.core.errors import CorruptRegistryError, InvalidValueError
from gitreg.core.names import check_version_name, split_qualified
from gitreg.features.trust import forgery
from gitreg.git.cache.cache import DIR_NAME
from gitreg.git.cache.cache import disabled as cache_disabled
from gitreg.git.refs import layout
from gitreg.git.repository import Store
from gitreg.git.signing import sigcheck, signing
from gitreg.model import manifest as mf
from gitreg.model.files import HashProgress
from gitreg.model.snapshot import ModelSnapshot, deployment_envs, model_names

_TAGGER_RE = re.compile(rb"^tagger [^<>\n]* <[^<>\n]*> \d+ [+-]\d{4}$", re.M)


@dataclass
class Check:
    """One thing checked: a version tag, a deployment commit or an artifact file."""
    kind: str  # "version" | "deployment" | "notes" | "ref" | "file" | "data" (training data, base model)
    model: str
    version: Optional[str]
    subject: str  # tag ref, `refs/deployed/<env>/<model>@<commit>`, or file path
    signed: Optional[bool] = None  # None: not a signed kind of object (files)
    signer: Optional[str] = None
    key: Optional[str] = None
    skipped: str = ""  # why nothing could be checked (a URI, no hash recorded)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


@dataclass
class VerifyReport:
    registry: str
    tags_must_be_signed: bool
    commits_must_be_signed: bool
    checks: list[Check] = field(default_factory=list)
    signed_since: Optional[str] = None  # unsigned objects dated before this are accepted (--since)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def to_dict(self) -> dict[str, Any]:
        return {
            "registry": self.registry,
            "ok": self.ok,
            "signing_required": {"tags": self.tags_must_be_signed, "commits": self.commits_must_be_signed},
            "signed_since": self.signed_since,
            "checked": len(self.checks),
            "failed": len(self.failures),
            "checks": [c.to_dict() for c in self.checks],
        }


def _checked_subject(entry: Any, where: str) -> str:
    """What `verify --files` checked: a stored file's LFS object in the registry (its pointer
    path and object id), not the path it was registered from; else the recorded path."""
    if entry.stored != "lfs":
        return entry.path
    from gitreg.core.errors import GitregError
    from gitreg.features.artifacts import tree

    try:
        items = tree.layout(entry, where)
    except GitregError:
        return entry.path
    if len(items) == 1:
        parts, oid, _size = items[0]
        return f"{tree.ROOT}/{'/'.join(parts)} (LFS object {oid[:12]})"
    first = items[0][0] if items else (entry.role,)
    return f"{tree.ROOT}/{'/'.join(first[:2])}/ ({len(items)} LFS objects)"


class _Verifier:
    def __init__(self, store: Store, report: VerifyReport,
                 files: bool, progress: Optional[HashProgress], since: Optional[float] = None) -> None:
        self.store = store
        self.report = report
        self.files = files
        self.progress = progress
        self.since = since

    def _unsigned(self, check: Check, when: Optional[int]) -> None:
        """An unsigned object where signing is in force: a failure, unless it is dated before
        the --since cutoff (made before the registry adopted signing)."""
        if self.since is not None and when is not None and when < self.since:
            return
        check.problems.append("unsigned, but signing is in force for this registry")

    def _signature(self, oid: pygit2.Oid, kind: str) -> sigcheck.SignatureCheck:
        return sigcheck.check(self.store.path, str(oid), kind)

    # -- versions --------------------------------------------------------------
    def version(self, snap: ModelSnapshot, version: str, on_branch: set[pygit2.Oid]) -> None:
        ref = layout.tag_ref(snap.model, version)
        check = Check("version", snap.model, version, ref, signed=False)
        self.report.checks.append(check)
        target = snap.tag_target(version)
        tag = self.store.tag(target)
        if tag is None:
            check.problems.append("not an annotated tag object (lightweight tag)")
        else:
            if tag.name != f"{snap.model}/{version}":
                check.problems.append(f"tag object is named {tag.name!r}, not {snap.model}/{version}")
            if not _TAGGER_RE.search(self.store.raw_object(target).split(b"\n\n", 1)[0]):
                check.problems.append("tag object has no well-formed tagger line (who registered it is unknown)")
            _, signature = signing.split_signed(self.store.raw_object(target))
            if signature is not None:
                check.signed = True
                self._judge(check, self._signature(target, "tag"), "tag")
            elif self.report.tags_must_be_signed:
                self._unsigned(check, tag.tagger.time if tag.tagger is not None else None)
        try:
            commit = self.store.commit(target)
        except CorruptRegistryError as exc:
            check.problems.append(str(exc))
            return
        if commit.id not in on_branch:
            check.problems.append(
                f"tag target {str(commit.id)[:12]} is not on {layout.branch_ref(snap.model)}"
            )
        try:
            manifest = snap.manifest(version, commit)
        except CorruptRegistryError as exc:
            check.problems.append(str(exc))
            return
        named = (str(manifest.get("model_name")), str(manifest.get("version")))
        if named != (snap.model, version):
            check.problems.append(
                f"manifest.yaml names {named[0]}:{named[1]}, not {snap.model}:{version}"
            )
        self._pair(check, commit)
        self._cache(check, snap, version, target, commit, manifest)
        if self.files:
            self._files(snap.model, version, manifest, commit)

    def _cache(self, check: Check, snap: ModelSnapshot, version: str, target: pygit2.Oid,
               commit: pygit2.Commit, manifest: dict[str, Any]) -> None:
        """The derived cache reads would use for this version (sealed, so taken as this user's
        gitreg computed it) against the objects just read: a wrong entry would change answers."""
        if cache_disabled():
            return
        cache = self.store.cache(snap.model)
        blob = self.store.file_id(commit, layout.MANIFEST_FILE)
        facts = cache.version_facts(str(target))
        wrong = []
        if facts is not None and facts != (str(commit.id), str(blob), snap.registered_by(version, commit)):
            wrong.append("the version's commit, manifest or tagger")
        cached = cache.manifest(str(blob)) if blob is not None else None
        if cached is not None and cached != manifest:
            wrong.append("its manifest")
        if wrong:
            check.problems.append(f"the derived cache ({DIR_NAME}/{snap.model}.manifests.json) holds other "
                                  f"values than the objects for {' and '.join(wrong)}: remove {DIR_NAME}/ "
                                  "(it is rebuilt) and find out who wrote it")

    def _commit_signature(self, check: Check, commit: pygit2.Commit) -> None:
        """A commit's signature judged by git; unsigned is a failure when signing is in force."""
        signature, _ = commit.gpg_signature
        if signature is not None:
            check.signed = True
            self._judge(check, self._signature(commit.id, "commit"), "commit")
        elif self.report.commits_must_be_signed:
            self._unsigned(check, commit.commit_time)

    def _judge(self, check: Check, result: sigcheck.SignatureCheck, what: str) -> None:
        check.signer, check.key = result.signer, result.key
        if not result.valid:
            check.problems.append(f"{what} signature not valid: {result.detail}")

    def _pair(self, check: Check, commit: pygit2.Commit) -> None:
        """A signed version commit vouches for its tag: same signing key, or it was replaced."""
        commit_signature, _ = commit.gpg_signature
        if commit_signature is None:
            return
        result = self._signature(commit.id, "commit")
        if not result.valid:
            check.problems.append(f"version commit signature not valid: {result.detail}")
            return
        if not check.signed:
            check.problems.append(
                f"tag is unsigned but its version commit is signed ({result.key}): "
                "the tag was replaced after registration"
            )
        elif result.key and check.key and result.key != check.key:
            check.problems.append(
                f"tag signed with key {check.key}, its version commit with {result.key}: "
                "the tag was replaced after registration"
            )

    # -- files -------------------------------------------------------------------
    def _files(self, model: str, version: str, manifest: dict[str, Any], commit: pygit2.Commit) -> None:
        from gitreg.features.artifacts.check import check_entry

        for entry in mf.files_of(manifest):
            if not entry.path:
                continue
            check = Check("file", model, version, _checked_subject(entry, f"{model}/{version}"))
            self.report.checks.append(check)
            check.skipped, check.problems = check_entry(
                self.store, commit, entry, f"{model}/{version}:{layout.MANIFEST_FILE}", self.progress)
        self._sources(model, version, manifest)

    def _sources(self, model: str, version: str, manifest: dict[str, Any]) -> None:
        """Training data and base model recorded with a sha256 and a local path: hashed again."""
        from gitreg.features.ingest.provenance import check_source

        raw = [*mf._list(manifest.get("training_data_sources")), manifest.get("base_model")]
        for source in filter(None, map(mf.stored_source, raw)):
            if source.sha256:
                check = Check("data", model, version, source.uri or source.name)
                self.report.checks.append(check)
                check.skipped, check.problems = check_source(source, self.progress)

    # -- the branch as a whole, notes, mirrors ------------------------------------------
    def branch(self, snap: ModelSnapshot) -> None:
        """Each version once on its branch, and each register commit tagged (doctor.scan_branch)."""
        from gitreg.features.trust.doctor import scan_branch

        scan = scan_branch(self.store, snap)
        for version, ids in scan.twice:
            check = Check("version", snap.model, version, layout.tag_ref(snap.model, version))
            check.problems.append(f"registered {len(ids)} times on {layout.branch_ref(snap.model)}: "
                                  + ", ".join(str(i)[:12] for i in ids))
            self.report.checks.append(check)
        for version, commit in scan.untagged:
            check = Check("version", snap.model, version, f"{layout.branch_ref(snap.model)}@{str(commit)[:12]}")
            check.problems.append(f"register commit of {version} has no tag (run gitreg doctor)")
            self.report.checks.append(check)

    def notes(self, snap: ModelSnapshot) -> None:
        """Every notes commit: its signature, and signed when signing is in force."""
        if snap.notes_tip is None:
            return
        ref = layout.notes_ref(snap.model)
        signed_before: Optional[str] = None
        for commit in self.store.walk(snap.notes_tip):  # oldest first
            check = Check("notes", snap.model, None, f"{ref}@{str(commit.id)[:12]}", signed=False)
            self.report.checks.append(check)
            self._commit_signature(check, commit)
            check.problems += forgery.notes(commit) + forgery.unsigned_after_signed(bool(check.signed), signed_before)
            signed_before = str(commit.id)[:12] if check.signed else signed_before

    def mirrors(self) -> None:
        """A local ref behind what its remote had when last fetched was rewound (or never taken in)."""
        for full, mirror in sorted(self.store.refs_under(layout.MIRROR).items()):
            remote, _, rest = full[len(layout.MIRROR):].partition("/")
            local_name = f"refs/{rest}"
            local = self.store.ref_target(local_name)
            if local is None or self.store.relation(local, mirror) != "behind":
                continue
            check = Check("ref", local_name.rpartition("/")[2], None, local_name)
            check.problems.append(f"behind {remote}'s {local_name} as last fetched ({str(mirror)[:12]}): "
                                  "rewound, or not yet taken in (gitreg pull)")
            self.report.checks.append(check)

    # -- deployments --------------------------------------------------------------
    def deployments(self, snap: ModelSnapshot) -> None:
        for env, tip in sorted(deployment_envs(self.store, snap.model).items()):
            chain = [self.store.commit(tip)]
            while chain[-1].parents:
                chain.append(chain[-1].parents[0])
            before: Optional[dict[str, Any]] = None
            signed_before: Optional[str] = None
            for commit in reversed(chain):  # oldest first, as `history` shows them
                before = self.deployment(snap, env, commit, before)
                check = self.report.checks[-1]
                check.problems += forgery.unsigned_after_signed(bool(check.signed), signed_before)
                signed_before = str(commit.id)[:12] if check.signed else signed_before

    def deployment(self, snap: ModelSnapshot, env: str, commit: pygit2.Commit,
                   before: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        """Check one deployment commit; `before` is its parent's record (the chain is checked:
        each previous_version is what the parent deployed). Returns this commit's record."""
        subject = f"{layout.deploy_ref(env, snap.model)}@{str(commit.id)[:12]}"
        where = f"{subject}:{layout.DEPLOYMENT_FILE}"
        record: dict[str, Any] = {}
        try:
            data = self.store.read_file(commit, layout.DEPLOYMENT_FILE, yamlio.DEPLOYMENT_LIMIT, where)
            if data is not None:
                record = yamlio.load_mapping(data, where, yamlio.DEPLOYMENT_LIMIT)
        except CorruptRegistryError:
            data = None
        version = record.get("version")
        check = Check("deployment", snap.model, None if version is None else str(version), subject,
                      signed=False)
        self.report.checks.append(check)
        self._commit_signature(check, commit)
        if data is None or not record:
            check.problems.append(f"{layout.DEPLOYMENT_FILE} is missing or unreadable")
            return record
        check.problems += forgery.deployment(commit, record)
        if before is not None and record.get("previous_version") != before.get("version"):
            check.problems.append(
                f"previous_version is {record.get('previous_version')!r}, but the parent deployment "
                f"commit deployed {before.get('version')!r} (the chain was rewritten)"
            )
        if (record.get("model_name"), record.get("environment")) != (snap.model, env):
            check.problems.append(
                f"{layout.DEPLOYMENT_FILE} names {record.get('model_name')} in "
                f"{record.get('environment')}, not {snap.model} in {env}"
            )
        if version is None:
            return record
        if str(version) not in snap.versions:
            check.problems.append(f"deploys {version}, which has no version tag")
            return record
        deployed = commit.tree[layout.MANIFEST_FILE].id if layout.MANIFEST_FILE in commit.tree else None
        registered = snap.commit_of(str(version)).tree
        expected = registered[layout.MANIFEST_FILE].id if layout.MANIFEST_FILE in registered else None
        if deployed != expected:
            check.problems.append(f"{layout.MANIFEST_FILE} is not {snap.model} {version}'s")
        return record


def signing_cutoff(store: Optional[Store], since: str) -> tuple[float, str]:
    """(epoch seconds, ISO time) of `verify --since`: an ISO date or time (UTC without an
    offset), or a revision (`refs/tags/m/v7`, a commit id) whose own date is taken."""
    text = since.strip() if isinstance(since, str) else ""
    try:
        when = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        return when.timestamp(), when.isoformat()
    except ValueError:
        pass
    made = store.object_time(text) if store is not None else None
    if made is None:
        raise InvalidValueError(f"--since {since!r} is neither a date (2026-12-01, 2026-12-01T10:00:00+00:00) "
                                "nor a ref or object of the registry")
    return float(made), dt.datetime.fromtimestamp(made, dt.timezone.utc).isoformat()


def verify(
    store: Optional[Store], path: Path, model: Optional[str] = None, version: Optional[str] = None,
    *, files: bool = False, progress: Optional[HashProgress] = None, since: Optional[str] = None,
) -> VerifyReport:
    """Check one version (model and version), one model, or (model None) every model.

    `model` may be given as 'model:version'. A registry that does not exist has
    nothing to check (an empty, passing report), unless a model was named. With `since`
    (signing_cutoff), objects dated before it may be unsigned: a registry adopts signing
    without rewriting history (every signature present is still judged).
    """
    cutoff = signing_cutoff(store, since) if since is not None else None
    if model is not None and version is None and ":" in model:
        model, version = split_qualified(model, model)
    if version is not None:
        check_version_name(version)
    config = store.config() if store is not None else None  # as git reads it (GIT_CONFIG_*)
    required = config is not None and (signing.required(config) or forgery.policy_lists_signers(store))
    report = VerifyReport(
        registry=str(path),
        tags_must_be_signed=required or (config is not None and signing.configured(config, signing.TAG)),
        commits_must_be_signed=required or (
            config is not None and signing.configured(config, signing.COMMIT)
        ),
    )
    report.signed_since = cutoff[1] if cutoff is not None else None
    if model is None and store is None:
        return report
    verifier = _Verifier(store, report, files, progress, cutoff[0] if cutoff else None)  # type: ignore[arg-type]
    for name in [model] if model is not None else model_names(store):
        ModelSnapshot.load(store, name)  # raises for a model that does not exist
        snap = ModelSnapshot(store, name, use_cache=False)  # verify never reads the derived cache
        on_branch = store.reachable(snap.tip)
        for v in [snap.require(version)] if version is not None else snap.versions_sorted():
            verifier.version(snap, v, on_branch)
        if version is None:
            verifier.branch(snap)
            verifier.notes(snap)
            verifier.deployments(snap)
    if model is None:
        verifier.mirrors()
        from gitreg.features.trust.doctor import orphaned_tags

        for name, versions in orphaned_tags(store).items():
            check = Check("ref", name, None, layout.branch_ref(name))
            check.problems.append(f"missing, while {len(versions)} version tag(s) of {name} remain "
                                  f"({', '.join(versions[:5])}{', ...' if len(versions) > 5 else ''}): "
                                  "deleted with plain git? 'gitreg doctor --repair' restores it")
            report.checks.append(check)
    return report
