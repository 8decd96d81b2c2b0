"""Recognising a retried write whose earlier attempt did reach the remote.

When a push's outcome was unknown (the connection died, and so did the look
afterwards), the user runs the same command again. Its sync settles the earlier
push first (gitreg.features.sync.sync.settle); if that push was published, this module decides
whether the write now asked for is the same work:
- a registration whose version commit would hold the same files as the published
  one, apart from the creation time (`created_at` differs between two runs of one
  command), is that version: nothing is registered again;
- a deploy, rollback or undeploy of the same model in the same environment, with the
  same action (and the same version, when one is named), is that deployment: nothing
  is appended.
Anything else proceeds normally. Only records of this kind of write count: work a
`push` or a sync published is not "an earlier attempt" of anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import pygit2

from gitreg.core import yamlio
from gitreg.core.audit_records import Deployment
from gitreg.core.errors import GitregError
from gitreg.features.deploy import deployments
from gitreg.features.registration.registration import Registration, version_files
from gitreg.git.refs import layout
from gitreg.git.repository import Store
from gitreg.git.transport.pending import PendingRecord
from gitreg.model.snapshot import READ_ERRORS

_TREE_ENTRIES = 10_000  # a version's tree: a manifest, a card and pointer files


@dataclass(frozen=True)
class EarlierAttempt:
    """A write found already done by an earlier attempt of it that reached `remote`."""

    kind: str  # register | deploy | rollback | undeploy
    model: str
    version: Optional[str]  # what it registered, or what the environment runs after it
    remote: str
    environment: Optional[str] = None
    deployment: Optional[Deployment] = None  # the deployment commit it appended

    @property
    def message(self) -> str:
        why = f"(an earlier attempt reached {self.remote})"
        if self.kind == "register":
            return f"already registered as {self.model}:{self.version} {why}"
        if self.kind == "undeploy":
            return f"{self.model} was already undeployed from {self.environment} {why}"
        if self.kind == "rollback":
            return f"{self.model} in {self.environment} was already rolled back to {self.version} {why}"
        return f"{self.model} {self.version} was already deployed in {self.environment} {why}"


def _flat(store: Store, tree: pygit2.Tree, base: str = "", budget: Optional[list[int]] = None) -> dict[str, bytes]:
    budget = [_TREE_ENTRIES] if budget is None else budget
    out: dict[str, bytes] = {}
    for entry in tree:
        budget[0] -= 1
        if budget[0] < 0:
            raise GitregError("tree too large to compare")
        name = base + entry.name
        if entry.type_str == "tree":
            out.update(_flat(store, store.repo[entry.id], name + "/", budget))
        else:  # a file: bounded and type-checked from its header (CorruptRegistryError otherwise)
            out[name] = store.read_blob(entry.id, yamlio.MANIFEST_LIMIT, name)
    return out


def _without_created_at(data: bytes, where: str) -> dict:
    manifest = yamlio.load_mapping(data, where)
    manifest.pop("created_at", None)
    return manifest


def _same_files(store: Store, reg: Registration, version: str, commit: pygit2.Commit) -> bool:
    where = f"{reg.model}/{version}:{layout.MANIFEST_FILE}"
    published = _flat(store, commit.tree)
    wanted = version_files(reg, version, "")
    manifest_of = layout.MANIFEST_FILE
    if set(published) != set(wanted) or manifest_of not in published:
        return False
    if _without_created_at(published[manifest_of], where) != _without_created_at(wanted[manifest_of], where):
        return False
    return all(published[name] == data for name, data in wanted.items() if name != manifest_of)


def earlier_registration(store: Store, reg: Registration,
                         published: Iterable[PendingRecord]) -> Optional[EarlierAttempt]:
    """The version a published earlier attempt of this registration made, if any."""
    prefix = layout.tag_prefix(reg.model)
    for record in published:
        if record.kind != "register":
            continue
        for pushed in record.refs:
            version = pushed.ref[len(prefix):] if pushed.ref.startswith(prefix) else None
            if version is None or reg.version not in (None, version):
                continue
            try:
                if _same_files(store, reg, version, store.commit(pygit2.Oid(hex=pushed.new))):
                    return EarlierAttempt("register", reg.model, version, record.remote)
            except (GitregError, *READ_ERRORS):
                continue  # unreadable: not recognised, so it registers normally
    return None


def earlier_deployment(store: Store, model: str, environment: str, action: str, version: Optional[str],
                       published: Iterable[PendingRecord]) -> Optional[EarlierAttempt]:
    """The deployment a published earlier attempt of this deploy/rollback/undeploy appended, if any."""
    ref = layout.deploy_ref(environment, model)
    for record in published:
        new = record.new_of(ref)
        if record.kind != "deploy" or new is None:
            continue
        try:
            done = deployments.read(store, store.commit(pygit2.Oid(hex=new)), environment, model)
        except (GitregError, *READ_ERRORS):
            continue
        if done.action == action and (version is None or action == "undeploy" or done.version == version):
            return EarlierAttempt(action, model, done.version, record.remote, environment, done)
    return None
