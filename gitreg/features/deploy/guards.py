"""Deployment guard rails: mistakes that would otherwise stay in the history forever.

- an environment whose name differs only in case from a used one is refused;
- an environment no model has used needs new_environment=True (typos like `prodution`),
  except the default `production`;
- a draft or training version is not deployed without force=True;
- a rollback names a version that was deployed in that environment before;
- a deploy over a deployment that names a version the registry does not have (pushed by
  hand) is refused without force=True, so nothing is written and then reported as failed.
"""
from __future__ import annotations

from typing import Optional

from gitreg.core.errors import DeploymentError, InvalidNameError
from gitreg.core.names import DEFAULT_ENVIRONMENT, check_environment_name
from gitreg.core.records import VersionStatus
from gitreg.core.suggest import did_you_mean
from gitreg.features.deploy import deployments
from gitreg.git.refs import layout
from gitreg.git.repository import Store
from gitreg.model.snapshot import ModelSnapshot

UNFINISHED = (VersionStatus.DRAFT, VersionStatus.TRAINING)


def environments(store: Optional[Store]) -> list[str]:
    """Every environment any model of the registry has a deployment ref in."""
    if store is None:
        return []
    return sorted({rest.partition("/")[0] for rest in store.ref_names_under(layout.DEPLOYED)})


def check_environment(store: Optional[Store], env: str, new_environment: bool) -> None:
    check_environment_name(env)
    known = environments(store)
    for other in known:  # an environment in use is used, even beside a pushed twin of it
        if env not in known and other.lower() == env.lower():
            raise InvalidNameError(
                f"environment {env!r} differs only in case from existing {other!r} "
                "(refused: refs would collide on case-insensitive file systems)"
            )
    if env in known or env == DEFAULT_ENVIRONMENT or new_environment:
        return
    used = ", ".join(known) or "none yet"
    raise DeploymentError(
        f"environment {env!r} is new: no model has been deployed there"
        f"{did_you_mean(env, known + [DEFAULT_ENVIRONMENT])}; environments in use: {used}. "
        "To create it, pass --new-env (API: new_environment=True)"
    )


def check_deploy(snap: ModelSnapshot, version: str, env: str, force: bool) -> None:
    snap.require(version)
    if force:
        return
    status = snap.stored_status(version)
    if status in UNFINISHED:
        raise DeploymentError(
            f"{snap.model} {version} is {status.value}, not completed: set it first "
            f"(gitreg status {snap.model} {version} completed) or deploy with --force"
        )
    state = snap.deployments.get(env)
    current = state.version if state else None
    if current is not None and current not in snap.versions:
        raise DeploymentError(
            f"{layout.deploy_ref(env, snap.model)} names {snap.model} {current}, which is not a "
            f"version in this registry (see gitreg verify): undeploy it first "
            f"(gitreg undeploy {snap.model} --env {env}) or deploy with --force"
        )


def check_rollback(store: Store, snap: ModelSnapshot, version: Optional[str], env: str) -> None:
    if version is None:
        return
    snap.require(version)
    earlier = {d.version for d in deployments.history(store, snap.model, env)}
    if version not in earlier:
        raise DeploymentError(
            f"{snap.model} {version} was never deployed in {env}: rollback returns to an earlier "
            f"deployment; to deploy it, gitreg deploy {snap.model} {version} --env {env}"
        )
