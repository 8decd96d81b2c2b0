"""gitreg records -> MLflow entities, and the few rules of the mapping (docs/mlflow.md).

- MLflow version N is gitreg version `vN`; versions with other names (`v2.1`, `v3-rc1`) are
  not MLflow version numbers, so their model is shown with its `v<int>` versions only and
  is read-only through MLflow.
- Aliases are environments: alias `champion` -> version 3 is `refs/deployed/champion/<model>`.
- A tag `key=value` in gitreg is MLflow tag (key, value); a gitreg tag without `=` is a key
  with the empty value. If one key appears twice (two writers at once), the later wins.
- Stage: Production / Staging = deployed in environment `production` / `staging`;
  Archived = gitreg status deprecated or archived; None otherwise.
- Each recorded training parameter (`params:`) is a version tag `params.<name>` whose value
  is the JSON of the value (`16`, `"adamw_torch"`, `true`, `["q_proj","v_proj"]`), so it
  reads back as recorded (param_tag / param_value); a gitreg tag of the same key wins.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Optional

from mlflow.entities import Metric
from mlflow.entities.model_registry import (
    ModelVersion,
    ModelVersionTag,
    RegisteredModel,
    RegisteredModelAlias,
    RegisteredModelTag,
)
from mlflow.entities.model_registry.model_version import ModelParam
from mlflow.entities.model_registry.model_version_stages import (
    ALL_STAGES,
    STAGE_ARCHIVED,
    STAGE_NONE,
    STAGE_PRODUCTION,
    STAGE_STAGING,
    get_canonical_stage,
)
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

from gitreg.core.recordbase import Record
from gitreg.core.records import ModelMetadata, VersionStatus
from gitreg.core.records import ModelVersion as GitregVersion
from gitreg.features.query.fields import millis  # noqa: F401  (one reading of times, index and entities)

if TYPE_CHECKING:  # the API loads only when a model is read whole (ModelView.load)
    from gitreg.api.registry import ModelRegistry

MLFLOW_KEY = "mlflow"  # the manifest key holding source, run_id, run_link, model_id
STAGE_ENVIRONMENTS = {STAGE_PRODUCTION: "production", STAGE_STAGING: "staging"}
RETIRED = (VersionStatus.DEPRECATED, VersionStatus.ARCHIVED)


@functools.lru_cache(maxsize=1 << 14)  # a pure function of the name; models share their version names
def number(version: str) -> Optional[int]:
    """gitreg `v3` -> 3; None for names that are not an MLflow version number (`v` and 1 to
    18 ASCII digits, no leading zero, and nothing after: checked without a regex, as it runs
    once per version listed)."""
    digits = version[1:]
    if version[:1] == "v" and 0 < len(digits) <= 18 and digits.isascii() and digits.isdigit() and digits[0] != "0":
        return int(digits)
    return None


def gitreg_version(version: Any) -> str:
    """MLflow's version argument (3, '3') -> 'v3'; anything else is refused."""
    text = str(version).strip()
    if not text.isdigit() or text.startswith("0"):
        raise MlflowException(f"model version must be a positive integer, got {version!r}",
                              INVALID_PARAMETER_VALUE)
    return f"v{int(text)}"


def tag_dict(tags: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in tags:
        key, _, value = tag.partition("=")
        out[key] = value
    return out


def tag_text(key: str, value: Any) -> str:
    """MLflow tag -> gitreg tag string; keys may not hold '=' (it separates the value)."""
    if not isinstance(key, str) or not key.strip() or "=" in key or "\n" in key:
        raise MlflowException(f"tag key {key!r} must be non-empty text without '=' or newlines",
                              INVALID_PARAMETER_VALUE)
    value = "" if value is None else str(value)
    return key if value == "" else f"{key}={value}"


def tags_with_key(tags: Iterable[str], key: str) -> list[str]:
    return [t for t in tags if t.partition("=")[0] == key]


def stage_of(version: GitregVersion) -> str:
    for stage, env in STAGE_ENVIRONMENTS.items():
        if env in version.environments:
            return stage
    return STAGE_ARCHIVED if version.status in RETIRED else STAGE_NONE


def stages(requested: Optional[Iterable[str]]) -> set[str]:
    return {get_canonical_stage(s) for s in (requested or ALL_STAGES)}


@dataclass(eq=False, repr=False)
class ModelView(Record):
    """One model read once: what every MLflow entity of it is built from."""
    metadata: ModelMetadata
    versions: list[GitregVersion]             # the MLflow-numbered ones, oldest first
    unnumbered: list[str]                     # versions MLflow cannot name: model is read-only
    aliases: dict[str, str]                   # environment -> deployed gitreg version
    updated: dict[Optional[str], int] = field(default_factory=dict)  # version (None: model) -> ms

    @property
    def name(self) -> str:
        return self.metadata.model_name

    @classmethod
    def load(cls, registry: ModelRegistry, name: str) -> "ModelView":
        metadata = registry.get_metadata(name)
        everything = registry.list_versions(name)
        numbered = sorted((v for v in everything if number(v.version) is not None),
                          key=lambda v: number(v.version))
        view = cls(
            metadata=metadata, versions=numbered,
            unnumbered=[v.version for v in everything if number(v.version) is None],
            aliases={env: v for env, v in registry.deployments(name).items() if v is not None},
        )
        for event in registry.history(name):
            when = millis(event.timestamp) or 0
            for key in {None, event.version}:
                view.updated[key] = max(view.updated.get(key, 0), when)
        return view

    def find(self, version: str) -> Optional[GitregVersion]:
        return next((v for v in self.versions if v.version == version), None)

    def latest(self, wanted: set[str]) -> list[GitregVersion]:
        best: dict[str, GitregVersion] = {}
        for v in self.versions:
            if stage_of(v) in wanted:
                best[stage_of(v)] = v  # oldest first: the last one seen is the highest
        return sorted(best.values(), key=lambda v: number(v.version))


def mlflow_keys(v: GitregVersion) -> dict[str, Any]:
    """The manifest's `mlflow:` mapping (source, run_id, run_link, model_id), or {}."""
    keys = v.extra.get(MLFLOW_KEY)
    return keys if isinstance(keys, dict) else {}


PARAM_TAG = "params."


def param_tags(params: dict[str, Any]) -> dict[str, str]:
    """{params.<name>: JSON of the value}: MLflow tags are text, JSON keeps the type."""
    return {f"{PARAM_TAG}{k}": json.dumps(v, ensure_ascii=False, allow_nan=False) for k, v in params.items()}


def param_value(tag_value: str) -> Any:
    """A `params.*` tag's value as recorded (param_tags' inverse)."""
    return json.loads(tag_value)


class LightVersion:
    """What MLflow's model-version filter and sort read of an entity (name, version, times,
    run_id, source, tags, stage), and nothing else: MLflow's own filter and sort run on
    these (they read attributes and `tags` as a dict), and the page's entities are then
    built whole. A ModelVersion costs ~40 us to make (MLflow resolves a workspace from the
    environment for each); a page of 100 out of 10,000 needs 100 of them, not 10,000."""
    __slots__ = ("name", "version", "creation_timestamp", "last_updated_timestamp", "source", "run_id", "tags",
                 "current_stage", "made_from")

    def __init__(self, name: str, version: int, creation_timestamp: Optional[int],
                 last_updated_timestamp: Optional[int], source: Optional[str] = None,
                 run_id: Optional[str] = None, tags: Optional[dict[str, str]] = None, made_from: Any = None) -> None:
        self.name, self.version = name, version
        self.creation_timestamp, self.last_updated_timestamp = creation_timestamp, last_updated_timestamp
        self.source, self.run_id, self.tags = source, run_id, tags or {}
        self.current_stage = None  # MLflow's filter drops its internal "deleted" stage: never ours
        self.made_from = made_from  # what the caller builds the whole entity from


def model_version(view: ModelView, v: GitregVersion, *, light: bool = False,
                  made_from: Any = None) -> ModelVersion | LightVersion:
    """The MLflow entity of a version; `light`: a LightVersion, to filter and sort many
    versions and then build the page's entities whole."""
    keys = mlflow_keys(v)
    created = millis(v.created_at)
    source = keys.get("source") or (v.files[0].path if v.files else None)
    tag_values = {**param_tags(v.params), **tag_dict(v.tags)}
    if light:
        return LightVersion(view.name, number(v.version), created, view.updated.get(v.version, created),
                            None if source is None else str(source), optional_text(keys.get("run_id")), tag_values,
                            made_from)
    tags = [ModelVersionTag(k, val) for k, val in tag_values.items()]
    # the fields as they are (asdict's deep copy was a fifth of building a version's entity)
    training = dict(vars(v.training)) if v.training else {}
    return ModelVersion(
        name=view.name,
        version=number(v.version),
        creation_timestamp=created,
        last_updated_timestamp=view.updated.get(v.version, created),
        description=v.notes or "",  # as MLflow's SQL store answers over REST: "" when none was given
        user_id=v.registered_by,
        current_stage=stage_of(v),
        source=None if source is None else str(source),
        run_id=optional_text(keys.get("run_id")),
        run_link=optional_text(keys.get("run_link")),
        model_id=optional_text(keys.get("model_id")),
        status_message=f"gitreg {v.model_name}:{v.version} ({v.status.value}), commit {v.commit[:12]}",
        tags=tags,
        aliases=sorted(env for env, ver in view.aliases.items() if ver == v.version),
        metrics=[Metric(k, float(val), created or 0, 0) for k, val in v.evaluation_scores.flat().items()
                 if isinstance(val, (int, float)) and not isinstance(val, bool)],  # registry data is untrusted
        params=[ModelParam(k, str(val)) for k, val in training.items() if val is not None],
    )


def registered_model(view: ModelView) -> RegisteredModel:
    created = millis(view.metadata.created_at)
    return RegisteredModel(
        name=view.name,
        creation_timestamp=created,
        last_updated_timestamp=view.updated.get(None, created),
        description=view.metadata.description or "",
        latest_versions=[model_version(view, v) for v in view.latest(stages(None))],
        tags=[RegisteredModelTag(k, val) for k, val in tag_dict(view.metadata.tags).items()],
        aliases=[RegisteredModelAlias(env, str(number(ver))) for env, ver in sorted(view.aliases.items())
                 if number(ver) is not None],
    )


def optional_text(value: Any) -> Optional[str]:
    return None if value is None else str(value)
