"""`gitreg doctor`: what a crash or a plain-git mistake left, reported, and repaired on request.

Writers already recover on their own (stale locks of dead gitreg processes are broken or
their write completed; old temporary objects are swept hourly). The doctor looks at all of
it at once, including what no writer touches: locks that name no owner (left by git or a
gitreg on another host), tags not reachable from their branch, register commits without
their tag, and versions registered twice. Repairs only append (a branch fast-forwards to an
orphaned version, a missing tag is created); nothing another clone may have is rewritten.
A version registered twice is reported only: both are history now.
"""
from __future__ import annotations

import re
import stat
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import pygit2

from gitreg.core.errors import InvalidNameError
from gitreg.core.names import check_model_name, is_version_name, version_key
from gitreg.git import lfs
from gitreg.git.cache.cache import DIR_NAME as CACHE_DIR
from gitreg.git.refs import layout, leftovers, lockowner
from gitreg.git.refs.transaction import STALE_LOCK_SECONDS, RefConflict, RefUpdate, finish_interrupted
from gitreg.git.repository import Store
from gitreg.model import hostile
from gitreg.model.snapshot import READ_ERRORS, ModelSnapshot, model_names

_REGISTER = re.compile(r"^register (\S+) (\S+)$")
DOCTOR_TEMP_AGE = 600.0  # temporary objects older than this are leftovers


@dataclass
class Finding:
    kind: str  # stale-lock | live-lock | unowned-lock | remote-lock | temp-object | lfs-temp | owner-record |
    #            cache-file | unreachable-tag | untagged-version | orphaned-tags | registered-twice |
    #            pending-push | bad-pending | hostile-ref
    subject: str
    detail: str
    repair: str = ""  # what --repair does; "" when it does nothing
    repaired: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DoctorReport:
    registry: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing left to repair or look at."""
        return all(f.repaired for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"registry": self.registry, "ok": self.ok, "findings": [f.to_dict() for f in self.findings]}


@dataclass
class BranchScan:
    """A model's branch against its tags: what is not one whole version."""
    untagged: list[tuple[str, pygit2.Oid]]  # (version, register commit) with no tag
    twice: list[tuple[str, list[pygit2.Oid]]]  # version with more than one register commit
    unreachable: list[tuple[str, pygit2.Oid]]  # (version, tagged commit) not on the branch


def scan_branch(store: Store, snap: ModelSnapshot) -> BranchScan:
    """One walk of the branch plus each tag's target (O(model); for doctor and verify)."""
    commits: dict[str, list[pygit2.Oid]] = {}
    on_branch: set[pygit2.Oid] = set()
    if snap.tip is not None:
        for commit in store.walk(snap.tip):
            on_branch.add(commit.id)
            m = _REGISTER.match(commit.message.split("\n", 1)[0].strip())
            if m and m.group(1) == snap.model and is_version_name(m.group(2)):
                commits.setdefault(m.group(2), []).append(commit.id)
    tagged: dict[str, pygit2.Oid] = {}
    for version in snap.versions_sorted():
        try:
            tagged[version] = store.commit(snap.tag_target(version)).id
        except READ_ERRORS:
            continue  # reported by the reads and verify
    untagged = [(v, ids[-1]) for v, ids in commits.items() if v not in snap.versions]
    twice = [(v, ids) for v, ids in commits.items() if len(ids) > 1]
    unreachable = [(v, c) for v, c in tagged.items() if c not in on_branch]
    return BranchScan(untagged, twice, unreachable)


def _model_name(name: str) -> bool:
    try:
        return bool(check_model_name(name))
    except InvalidNameError:
        return False


def orphaned_tags(store: Store) -> dict[str, list[str]]:
    """{model: its versions} of version tags whose model branch is gone (deleted with plain git):
    such a model is invisible to every read that starts from the branches."""
    branches = set(model_names(store))
    out: dict[str, list[str]] = {}
    for name in sorted(store.ref_names_under(layout.TAGS)):
        model, _, version = name.partition("/")
        if model not in branches and is_version_name(version) and _model_name(model):
            out.setdefault(model, []).append(version)
    return {model: sorted(versions, key=version_key) for model, versions in out.items()}


class _Doctor:
    def __init__(self, store: Store, repair: bool) -> None:
        self.store, self.repair = store, repair
        self.gitdir = Path(store.repo.path)
        self.report = DoctorReport(str(store.path))

    def add(self, finding: Finding, fix=None) -> None:
        self.report.findings.append(finding)
        if self.repair and fix is not None and finding.repair:
            try:
                finding.repaired = bool(fix())
            except (OSError, RefConflict, pygit2.GitError) as exc:
                finding.detail += f" (repair failed: {exc})"

    # -- refs a collaborator pushed that no gitreg write makes --------------------------------
    def hostile(self) -> None:
        """Named, never repaired: deleting them would rewrite what other clones have."""
        for h in hostile.local(self.store, deep=True, tags=True):
            self.add(Finding("hostile-ref", h.ref, h.why))

    # -- locks ---------------------------------------------------------------------
    def locks(self) -> None:
        found = sorted((self.gitdir / "refs").rglob("*.lock"))
        if (self.gitdir / "packed-refs.lock").exists():
            found.append(self.gitdir / "packed-refs.lock")
        for lock in found:
            rel = lock.relative_to(self.gitdir).as_posix()
            try:
                age = time.time() - lock.stat().st_mtime
            except OSError:
                continue
            holders = lockowner.holders(self.gitdir, lock)
            live = [h for h in holders if h.alive]
            if live:
                self.add(Finding("live-lock", rel, f"held by running process {live[0].pid} on {live[0].host}"))
            elif holders:
                self.add(Finding("stale-lock", rel,
                                 f"left by gitreg process {holders[0].pid} on {holders[0].host}, which is gone",
                                 "complete or discard its write, as the next writer would"),
                         lambda lock=lock: lockowner.break_if_stale(
                             self.gitdir, lock, lambda rec, ref: finish_interrupted(self.store.repo, rec, ref)))
            else:
                young = age < STALE_LOCK_SECONDS
                self.add(Finding("unowned-lock", rel,
                                 f"no gitreg owner (git's, or a crash of an older gitreg); {age:.0f} s old",
                                 "" if young else "remove it (make sure no git process is running)"),
                         lambda lock=lock: leftovers.remove([lock]))
        lockowner.sweep(self.gitdir)  # dead writers' records with no lock left: routine, as writers do
        for record in lockowner.dead_records(self.gitdir):
            self.add(Finding("owner-record", record.relative_to(self.gitdir).as_posix(),
                             "lock-owner record of a gitreg process that is gone", "remove it"),
                     lambda record=record: record in lockowner.sweep(self.gitdir) or not record.exists())

    def remote_locks(self) -> None:
        """Locks a killed receive-pack left in a remote on this machine (transport/remotelocks.py):
        every later push of that ref is refused until someone removes it."""
        from gitreg.git.transport import remote as transport
        from gitreg.git.transport import remotelocks

        for name, url in transport.remotes(self.store.repo).items():
            gitdir = remotelocks.local_gitdir(url)
            for lock in remotelocks.stale_locks(gitdir) if gitdir is not None else []:
                fix = ("complete it (the rest of a version that reached it in part)"
                       if remotelocks.completes_a_version(lock) else "remove it (make sure no git is running there)")
                self.add(Finding("remote-lock", f"{name}:{lock.ref}.lock",
                                 f"lock file on {name} left by a killed git, {lock.age:.0f} s old: "
                                 f"every push of {lock.ref} is refused", fix),
                         lambda lock=lock: bool(remotelocks.resolve(lock)))

    # -- files ---------------------------------------------------------------------
    def files(self) -> None:
        for tmp in leftovers.temp_objects(self.gitdir, DOCTOR_TEMP_AGE):
            self.add(Finding("temp-object", tmp.relative_to(self.gitdir).as_posix(),
                             "temporary object file left by a killed writer", "remove it"),
                     lambda tmp=tmp: leftovers.remove([tmp]))
        for copy in lfs.leftover_copies(self.gitdir):
            self.add(Finding("lfs-temp", copy.relative_to(self.gitdir).as_posix(),
                             "partial copy of a stored file left by a killed writer "
                             "(the next 'add --store' removes it too)", "remove it"),
                     lambda copy=copy: bool(leftovers.remove([copy])))
        for entry in _cache_entries(self.gitdir / CACHE_DIR):
            if not stat.S_ISREG(entry.lstat().st_mode):
                self.add(Finding("cache-file", entry.relative_to(self.gitdir).as_posix(),
                                 "not a regular file (ignored by reads)", "remove it"),
                         lambda entry=entry: _remove_any(entry))

    # -- versions ------------------------------------------------------------------
    def versions(self) -> None:
        for model in model_names(self.store):
            snap = ModelSnapshot(self.store, model, use_cache=False)
            try:
                scan = scan_branch(self.store, snap)
            except READ_ERRORS as exc:
                self.add(Finding("unreadable-branch", layout.branch_ref(model), str(exc)))
                continue
            for version, commit in scan.unreachable:
                self.add(Finding("unreachable-tag", layout.tag_ref(model, version),
                                 f"its commit {str(commit)[:12]} is not on {layout.branch_ref(model)}",
                                 "fast-forward the branch to it" if self._descends(commit, snap.tip) else ""),
                         lambda c=commit, s=snap: self._forward(s, c))
            for version, commit in scan.untagged:
                self.add(Finding("untagged-version", f"{layout.branch_ref(model)}@{str(commit)[:12]}",
                                 f"register commit of {version} has no tag {layout.tag_ref(model, version)}",
                                 "create the tag"),
                         lambda v=version, c=commit, m=model: self._tag(m, v, c))
            for version, ids in scan.twice:
                self.add(Finding("registered-twice", layout.tag_ref(model, version),
                                 f"{len(ids)} register commits on {layout.branch_ref(model)}: "
                                 + ", ".join(str(i)[:12] for i in ids)))

    def orphans(self) -> None:
        """Version tags whose branch was deleted with plain git: the branch is created again
        at the version that holds all the others (append-only: a ref comes back, none moves)."""
        for model, versions in orphaned_tags(self.store).items():
            tip = self._orphan_tip(model, versions)
            self.add(Finding("orphaned-tags", layout.branch_ref(model),
                             f"missing, while {len(versions)} version tag(s) of {model} remain "
                             f"(newest {versions[-1]}): {model} is invisible to list, show and verify",
                             "" if tip is None else f"restore it at {str(tip)[:12]}"),
                     lambda m=model, t=tip: self._restore(m, t))

    def _orphan_tip(self, model: str, versions: list[str]) -> Optional[pygit2.Oid]:
        """The tagged commit every other tagged commit of `model` is reachable from, if any."""
        commits = []
        for version in versions:
            try:
                commits.append(self.store.commit(self.store.ref_target(layout.tag_ref(model, version))).id)
            except READ_ERRORS:
                continue
        repo = self.store.repo
        for tip in reversed(commits):  # the newest version's commit, as a rule
            if all(c == tip or repo.descendant_of(tip, c) for c in commits):
                return tip
        return None

    def _restore(self, model: str, tip: Optional[pygit2.Oid]) -> bool:
        if tip is None:
            return False
        self.store.update_refs([RefUpdate(layout.branch_ref(model), None, tip)],
                               f"gitreg doctor: restore {model}", publish=False)
        return True

    # -- pushes of unknown outcome (git/transport/pending.py) ---------------------------------
    def pending(self) -> None:
        from gitreg.git.transport import pending

        good, bad = pending.records(self.store)
        for record in good:
            refs = ", ".join(r.ref for r in record.refs)
            if pending.in_flight(self.store, record):
                self.add(Finding("pending-push", record.name, f"{record.kind} being pushed to {record.remote} "
                                 f"by process {record.writer.get('pid')} since {record.created_at}: {refs}"))
                continue
            cause = record.cause or "gitreg stopped before it learnt the outcome"
            self.add(Finding("pending-push", record.name,
                             f"{record.kind} pushed to {record.remote} at {record.created_at}, outcome unknown "
                             f"({cause}): {refs}",
                             f"ask {record.remote} and settle it (the next synced write to it does too)"),
                     lambda record=record: self._settle(record))
        for b in bad:
            self.add(Finding("bad-pending", b.name, f"unreadable pending-push record: {b.problem}", "remove it"),
                     lambda b=b: pending.drop(self.store, b.name, b.blob))

    def _settle(self, record) -> bool:
        from gitreg.core.errors import GitregError
        from gitreg.features.sync import sync

        try:
            settled = sync.settle_now(self.store, record)
        except GitregError as exc:
            self.report.findings[-1].detail += f" (not settled: {exc})"
            return False
        self.report.findings[-1].detail += (" (it had reached the remote: taken in)" if settled.published
                                            else " (it had not reached the remote: write it again)")
        return True

    def _descends(self, commit: pygit2.Oid, tip: Optional[pygit2.Oid]) -> bool:
        return tip is not None and self.store.repo.descendant_of(commit, tip)

    def _forward(self, snap: ModelSnapshot, commit: pygit2.Oid) -> bool:
        if not self._descends(commit, snap.tip):
            return False
        self.store.update_refs([RefUpdate(layout.branch_ref(snap.model), snap.tip, commit)],
                               f"gitreg doctor: complete {snap.model}", publish=False)
        snap.tip = commit
        return True

    def _tag(self, model: str, version: str, commit: pygit2.Oid) -> bool:
        manifest = ModelSnapshot(self.store, model, use_cache=False)
        data = self.store.read_file(self.store.commit(commit), layout.MANIFEST_FILE)
        from gitreg.core import yamlio
        named = yamlio.load_mapping(data or b"", f"{model}@{str(commit)[:12]}:{layout.MANIFEST_FILE}")
        if (named.get("model_name"), str(named.get("version"))) != (model, version) or version in manifest.versions:
            return False
        if self._tag_from_remote(model, version):
            self.report.findings[-1].detail += " (its tag taken from the remote)"
            return True
        tag = self.store.write_tag(f"{model}/{version}", commit, f"{model} {version}\n", time.time(),
                                   self.store.signer("tag"))
        self.store.update_refs([RefUpdate(layout.tag_ref(model, version), None, tag)],
                               f"gitreg doctor: tag {model} {version}", publish=False)
        return True

    def _tag_from_remote(self, model: str, version: str) -> bool:
        """A version published in part has its own tag on the sync remote once that is whole:
        take it (as a pull would) rather than make a second tag object for the same version."""
        from gitreg.core.errors import GitregError
        from gitreg.features.sync import sync
        from gitreg.git.transport import remote as transport

        name = transport.sync_remote(self.store.config())
        if name is None:
            return False
        try:
            sync.pull(self.store, name, scope=transport.Scope.of([model]))
        except GitregError:
            return False
        return self.store.ref_target(layout.tag_ref(model, version)) is not None


_CACHE_DIRS = (lfs.CHECKED_DIR,)  # gitreg's own directories in gitreg-cache/: their entries are files


def _cache_entries(cache: Path) -> list[Path]:
    """The cache's entries, and those of its own directories (which are not entries themselves)."""
    try:
        top = sorted(cache.iterdir())
    except OSError:
        return []
    out = []
    for entry in top:
        if entry.name in _CACHE_DIRS and entry.is_dir() and not entry.is_symlink():
            out += sorted(entry.iterdir())
        else:
            out.append(entry)
    return out


def _remove_any(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()
        return True
    except OSError:
        return False


def examine(store: Optional[Store], path: Path, repair: bool = False) -> DoctorReport:
    """Report (and with repair=True, repair) what crashes and plain-git mistakes left."""
    if store is None:
        return DoctorReport(str(path))
    doctor = _Doctor(store, repair)
    doctor.locks()
    doctor.remote_locks()
    doctor.files()
    doctor.versions()
    doctor.orphans()
    doctor.pending()
    doctor.hostile()
    return doctor.report
