"""ModelRegistry: the seed registry's Python API, on git storage (DESIGN.md)."""
from __future__ import annotations

import os
from typing import Any, Iterable, Optional

from . import annotations, deployments, registration, report, values
from .artifacts import HashProgress
from .errors import DeploymentError, InvalidValueError, ModelNotFoundError
from .history import model_history
from .manifest import merge_scores
from .names import DEFAULT_ENVIRONMENT, check_environment_name
from .records import (
    RETIRED_STATUSES,
    SETTABLE_STATUSES,
    TRAINING_FIELDS,
    Deployment,
    Event,
    ModelMetadata,
    ModelVersion,
)
from .snapshot import ModelSnapshot, model_names
from .storage.repository import Store, resolve_path


class ModelRegistry:
    """A model registry in a bare git repository.

    `path` defaults to $GITREG_REGISTRY, else ~/.local/share/gitreg/registry.git.
    Reads of a registry that does not exist see an empty one and create nothing;
    the first write creates it.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = resolve_path(path)
        self._store: Optional[Store] = None

    def __repr__(self) -> str:
        return f"ModelRegistry({str(self.path)!r})"

    # -- plumbing --------------------------------------------------------------
    def _reader(self) -> Optional[Store]:
        if self._store is None:
            self._store = Store.open(self.path)
        return self._store

    def _writer(self) -> Store:
        if self._store is None:
            self._store = Store.create(self.path)
        return self._store

    def _snapshot(self, name: str) -> ModelSnapshot:
        return ModelSnapshot.load(self._reader(), name)

    def init(self) -> str:
        """Create the registry if it does not exist; returns its path."""
        return str(self._writer().path)

    # -- registration ------------------------------------------------------------
    def register_model(
        self,
        model_name: str,
        version: Optional[str] = None,
        *,
        base_model: Optional[str] = None,
        framework: Optional[str] = None,
        samples: Optional[int] = None,
        epochs: Optional[int] = None,
        batch_size: Optional[int] = None,
        learning_rate: Optional[float] = None,
        training_data: Optional[Iterable[str]] = None,
        lora_path: Optional[str] = None,
        gguf_path: Optional[str] = None,
        checkpoint_path: Optional[str] = None,
        config_path: Optional[str] = None,
        evaluation_scores: Optional[dict[str, Any]] = None,
        duration_hours: Optional[float] = None,
        cost_usd: Optional[float] = None,
        hardware: Optional[str] = None,
        notes: str = "",
        git_commit: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        parent_version: Optional[str] = None,
        status: str = "completed",
        model_card: Optional[str | os.PathLike[str]] = None,
        progress: Optional[HashProgress] = None,
    ) -> ModelVersion:
        """Register a version (auto-numbered when `version` is None); creates the model on first use.

        `parent_version` is 'v1' (same model) or 'other-model:v3'; it becomes the
        version commit's first parent, so lineage is plain commit parentage.
        """
        reg = registration.prepare(
            model_name, version, parent_version=parent_version, status=status,
            base_model=base_model,
            training={
                "framework": framework, "samples": samples, "epochs": epochs,
                "batch_size": batch_size, "learning_rate": learning_rate,
                "duration_hours": duration_hours, "cost_usd": cost_usd, "hardware": hardware,
            },
            evaluation_scores=evaluation_scores,
            paths={"lora": lora_path, "gguf": gguf_path, "checkpoint": checkpoint_path,
                   "config": config_path},
            training_data=training_data, git_commit=git_commit, tags=tags,
            notes=notes, model_card=model_card, progress=progress,
        )
        if reg.parent is not None:  # before the registry is created: nothing written on error
            ModelSnapshot.load(self._reader(), reg.parent[0]).require(reg.parent[1])
        store = self._writer()
        written = registration.write(store, reg)
        return ModelSnapshot(store, reg.model, use_cache=False).version(written)

    # -- reads ---------------------------------------------------------------------
    def list_models(self) -> list[str]:
        return model_names(self._reader())

    def has_model(self, name: str) -> bool:
        try:
            self._snapshot(name)
            return True
        except ModelNotFoundError:
            return False

    def get_version(self, name: str, version: str) -> ModelVersion:
        return self._snapshot(name).version(version)

    def list_versions(self, name: str) -> list[ModelVersion]:
        """All versions in natural order (v2 < v2.1 < v2b < v3 < v10)."""
        return self._snapshot(name).all_versions()

    def get_latest(self, name: str) -> ModelVersion:
        """The highest version not deprecated or archived; if all are, the highest."""
        snap = self._snapshot(name)
        ordered = snap.versions_sorted()
        if not ordered:
            raise ModelNotFoundError(f"model {name!r} has no versions")
        for version in reversed(ordered):
            record = snap.version(version)
            if record.status not in RETIRED_STATUSES:
                return record
        return snap.version(ordered[-1])

    def get_metadata(self, name: str) -> ModelMetadata:
        return self._snapshot(name).metadata()

    def compare_versions(self, name: str, a: str, b: str) -> dict[str, dict[str, Any]]:
        """{key: {a: value_a, b: value_b}} for every metric and training parameter set in either."""
        snap = self._snapshot(name)
        va, vb = snap.version(a), snap.version(b)
        ma, mb = va.evaluation_scores.flat(), vb.evaluation_scores.flat()
        diff: dict[str, dict[str, Any]] = {}
        for key in list(ma) + [k for k in mb if k not in ma]:
            diff[key] = {a: ma.get(key), b: mb.get(key)}
        for field in TRAINING_FIELDS:
            ta = getattr(va.training, field) if va.training else None
            tb = getattr(vb.training, field) if vb.training else None
            if ta is not None or tb is not None:
                diff[field] = {a: ta, b: tb}
        return diff

    def history(self, name: str) -> list[Event]:
        """Every event of a model, oldest first, with who and when, read from git."""
        return model_history(self._snapshot(name))

    def deployments(self, name: str) -> dict[str, Optional[str]]:
        """{environment: deployed version or None (undeployed)}."""
        return {env: d.version for env, d in self._snapshot(name).deployments.items()}

    def deployment_history(self, name: str, environment: str = DEFAULT_ENVIRONMENT) -> list[Deployment]:
        check_environment_name(environment)
        snap = self._snapshot(name)
        return deployments.history(snap.store, name, environment)

    def summary(self, name: Optional[str] = None) -> str:
        return report.summary(self, name)

    # -- deployment ------------------------------------------------------------------
    def set_deployed(
        self, name: str, version: str, deployed: bool = True, *,
        environment: str = DEFAULT_ENVIRONMENT, reason: str = "",
    ) -> ModelVersion:
        """Deploy `version` to `environment`, or with deployed=False undeploy it if it is the live one."""
        if deployed:
            self.deploy(name, version, environment=environment, reason=reason)
        else:
            self.undeploy(name, version, environment=environment, reason=reason)
        return self.get_version(name, version)

    def deploy(self, name: str, version: str, *, environment: str = DEFAULT_ENVIRONMENT,
               reason: str = "") -> Optional[Deployment]:
        """Append a deployment commit; None when `version` is already live there.

        Deploying a newer version over an older one deprecates the older one,
        unless it is still deployed in another environment.
        """
        self._snapshot(name).require(version)
        return deployments.apply(self._writer(), name, environment, "deploy", version, reason)

    def undeploy(self, name: str, version: Optional[str] = None, *,
                 environment: str = DEFAULT_ENVIRONMENT, reason: str = "") -> Deployment:
        self._snapshot(name)
        record = deployments.apply(self._writer(), name, environment, "undeploy", version, reason)
        assert record is not None
        return record

    def rollback(self, name: str, version: Optional[str] = None, *,
                 environment: str = DEFAULT_ENVIRONMENT, reason: str = "") -> ModelVersion:
        """Make `version` (default: the one live before the current) deployed; the replaced one is deprecated."""
        self._snapshot(name)
        record = deployments.apply(self._writer(), name, environment, "rollback", version, reason)
        assert record is not None and record.version is not None
        return self.get_version(name, record.version)

    # -- later changes (git notes) -------------------------------------------------------
    def update_evaluation_scores(self, name: str, version: str, **scores: Any) -> ModelVersion:
        """Known metric names update their field; any other keyword goes to custom_metrics."""
        update = values.split_scores(scores)
        if not update:
            raise InvalidValueError("no scores given")
        self._snapshot(name).require(version)

        def change(note: dict[str, Any]) -> dict[str, Any]:
            note["evaluation_scores"] = merge_scores(note.get("evaluation_scores") or {}, update)
            return note

        detail = ", ".join(f"{k}={v}" for k, v in _flat(update).items())
        annotations.annotate_version(self._writer(), name, version, "score", detail, change)
        return self.get_version(name, version)

    def set_status(self, name: str, version: str, status: str) -> ModelVersion:
        """draft, training, completed, deprecated or archived; 'deployed' follows deployments."""
        status = getattr(status, "value", status)
        if status == "deployed":
            raise InvalidValueError("status 'deployed' is derived from deployments: use deploy instead")
        if status not in SETTABLE_STATUSES:
            raise InvalidValueError(
                f"unknown status {status!r}: expected one of {', '.join(SETTABLE_STATUSES)}"
            )
        self._snapshot(name).require(version)

        def check(snap: ModelSnapshot) -> None:
            envs = snap.environments_of(version)
            if envs and status in ("deprecated", "archived"):
                raise DeploymentError(
                    f"{name} {version} is deployed in {', '.join(envs)}: undeploy or roll back first"
                )

        annotations.annotate_version(
            self._writer(), name, version, "status", f"status {status}",
            lambda note: {**note, "status": status}, check,
        )
        return self.get_version(name, version)

    def add_tags(self, name: str, version: str, *tags: str) -> ModelVersion:
        return self._retag(name, version, values.check_str_list("tags", list(tags)), [])

    def remove_tags(self, name: str, version: str, *tags: str) -> ModelVersion:
        return self._retag(name, version, [], values.check_str_list("tags", list(tags)))

    def _retag(self, name: str, version: str, add: list[str], remove: list[str]) -> ModelVersion:
        registered = self.get_version(name, version)

        def change(note: dict[str, Any]) -> dict[str, Any]:
            tags = [t for t in note.get("tags", registered.tags) if t not in remove]
            tags += [t for t in add if t not in tags]
            return {**note, "tags": tags}

        detail = " ".join([f"+{t}" for t in add] + [f"-{t}" for t in remove])
        annotations.annotate_version(self._writer(), name, version, "tags", detail, change)
        return self.get_version(name, version)

    def update_notes(self, name: str, version: str, notes: str) -> ModelVersion:
        values.check_text("notes", notes)
        self._snapshot(name).require(version)
        annotations.annotate_version(
            self._writer(), name, version, "notes", "notes updated",
            lambda note: {**note, "notes": notes},
        )
        return self.get_version(name, version)

    def update_metadata(
        self, model_name: str, *, description: Optional[str] = None, owner: Optional[str] = None,
        tags: Optional[Iterable[str]] = None, notes: Optional[str] = None,
    ) -> ModelMetadata:
        """Change the model's description, owner, tags or notes (given fields only)."""
        update: dict[str, Any] = {}
        for key, value in (("description", description), ("owner", owner), ("notes", notes)):
            if value is not None:
                update[key] = values.check_text(key, value)
        if tags is not None:
            update["tags"] = values.check_str_list("tags", tags)
        if not update:
            raise InvalidValueError("nothing to update: give description, owner, tags or notes")
        self._snapshot(model_name)
        detail = ", ".join(sorted(update))
        annotations.annotate_model(
            self._writer(), model_name, "metadata", f"metadata {detail}",
            lambda note: {**note, **update},
        )
        return self.get_metadata(model_name)


def _flat(scores: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in scores.items():
        if isinstance(value, dict):
            out.update(value)
        else:
            out[key] = value
    return out


__all__ = ["ModelRegistry"]
