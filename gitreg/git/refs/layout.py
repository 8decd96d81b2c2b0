"""Ref and file names of the storage contract (DESIGN.md, 'Refs' and 'Commits')."""
from __future__ import annotations

HEADS = "refs/heads/"
TAGS = "refs/tags/"
DEPLOYED = "refs/deployed/"
NOTES = "refs/notes/gitreg/"
MIRROR = "refs/gitreg/remotes/"  # private: remotes' refs as last fetched (git/transport/remote.py)
PENDING = "refs/gitreg/pending/"  # private: pushes of unknown outcome (git/transport/pending.py)
POLICY = "refs/gitreg/policy"  # shared: the policy's append-only chain (features/policy)
APPROVALS = "refs/gitreg/approvals/"  # shared: one append-only chain of approvals per model
ENV_GUARD = "refs/gitreg/guards/environments/"  # private, only ever locked: new environments' case rule

MODEL_FILE = "model.yaml"
MANIFEST_FILE = "manifest.yaml"
CARD_FILE = "README.md"
DEPLOYMENT_FILE = "deployment.yaml"
POLICY_FILE = "policy.yaml"
APPROVAL_FILE = "approval.yaml"


def branch_ref(model: str) -> str:
    return HEADS + model


def tag_prefix(model: str) -> str:
    return f"{TAGS}{model}/"


def tag_ref(model: str, version: str) -> str:
    return f"{TAGS}{model}/{version}"


def deploy_ref(environment: str, model: str) -> str:
    return f"{DEPLOYED}{environment}/{model}"


def environment_guard(environment: str) -> str:
    """The ref (never created) whose lock every writer of a new environment spelled like
    `environment` in any case takes: the second sees the first (DESIGN.md 'Names')."""
    return ENV_GUARD + environment.lower()


def notes_ref(model: str) -> str:
    return NOTES + model


def approvals_ref(model: str) -> str:
    return APPROVALS + model


def mirror_prefix(remote: str) -> str:
    """Where `remote`'s refs are mirrored, as last fetched (private to this registry)."""
    return f"{MIRROR}{remote}/"


def mirrored(remote: str, ref: str) -> str:
    """The mirror of `ref` (e.g. refs/tags/m/v1 -> refs/gitreg/remotes/origin/tags/m/v1)."""
    return mirror_prefix(remote) + ref[len("refs/"):]
