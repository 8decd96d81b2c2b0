"""Record types returned by the API (the seed registry's shapes).

Records a read of versions rarely makes are defined apart and imported where used: a
directory artifact's files and purged bytes (file_records.py), a write's dry run
(preview.py), deployments, events and signatures (audit_records.py). Every read's start-up
would otherwise create their dataclasses (issue 28). The records' eq, repr and hash are
core.recordbase's, shared: dataclass() generates only their `__init__` at import.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Optional

from gitreg.core.recordbase import FrozenRecord, Record

if TYPE_CHECKING:
    from gitreg.core.file_records import ContentFile, Purge


class VersionStatus(str, Enum):
    DRAFT = "draft"
    TRAINING = "training"
    COMPLETED = "completed"
    DEPLOYED = "deployed"
    DEPRECATED = "deprecated"
    ARCHIVED = "archived"

    def __str__(self) -> str:
        return self.value


REGISTRATION_STATUSES = ("draft", "training", "completed")
SETTABLE_STATUSES = ("draft", "training", "completed", "deprecated", "archived")
RETIRED_STATUSES = (VersionStatus.DEPRECATED, VersionStatus.ARCHIVED)

TRAINING_FIELDS = (
    "framework", "base_model", "samples", "epochs", "batch_size", "learning_rate",
    "duration_hours", "cost_usd", "hardware",
)
METRIC_FIELDS = (
    "accuracy", "f1_score", "perplexity", "bleu", "rouge",
    "inference_speed_tokens_per_sec", "memory_mb", "latency_ms",
)
ROUGE_FIELDS = ("rouge1", "rouge2", "rougeL")
_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any) -> bool:
    """A value asdict would return as it is: a scalar (a deep copy of one is itself)."""
    return type(value) in _SCALARS


def _fields_dict(record: Any, names: tuple[str, ...]) -> Optional[dict[str, Any]]:
    """asdict(record) of these fields without its recursive deep copy (~20x slower; `versions
    --json` of 20,000 versions makes 40,000), when every value is a scalar or a dict of
    scalars (what the read path makes); None otherwise, and the caller takes asdict."""
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(record, name)
        if type(value) is dict:
            if not all(type(k) is str and _plain(v) for k, v in value.items()):
                return None
            value = dict(value)
        elif not _plain(value):
            return None
        out[name] = value
    return out
FILE_ROLES = ("lora", "gguf", "checkpoint", "config", "other")


@dataclass(eq=False, repr=False)
class TrainingInfo(Record):
    """How a version was trained (the seed's `training:` mapping)."""
    framework: Optional[str] = None
    base_model: Optional[str] = None
    samples: Optional[int] = None
    epochs: Optional[float] = None  # fractional epochs (2.5) are numbers; whole ones ints
    batch_size: Optional[int] = None
    learning_rate: Optional[float] = None
    duration_hours: Optional[float] = None
    cost_usd: Optional[float] = None
    hardware: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        fast = _fields_dict(self, TRAINING_FIELDS)
        return fast if fast is not None else asdict(self)


@dataclass(eq=False, repr=False)
class EvaluationScores(Record):
    """A version's metrics: the seed's named ones, rouge parts and custom metrics."""
    accuracy: Optional[float] = None
    f1_score: Optional[float] = None
    perplexity: Optional[float] = None
    bleu: Optional[float] = None
    rouge: Optional[dict[str, float]] = None
    inference_speed_tokens_per_sec: Optional[float] = None
    memory_mb: Optional[float] = None
    latency_ms: Optional[float] = None
    custom_metrics: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fast = _fields_dict(self, _SCORE_FIELDS)
        return fast if fast is not None else asdict(self)

    def flat(self) -> dict[str, float]:
        """Every metric that has a value, rouge parts as rouge.<part>."""
        out: dict[str, float] = {}
        fields = self.__dict__  # (a table of 20,000 versions asks each for this three times)
        for name in METRIC_FIELDS:
            value = fields[name]
            if name == "rouge":
                for part, v in (value or {}).items():
                    out["rouge." + str(part)] = v
            elif value is not None:
                out[name] = value
        out.update(self.custom_metrics)
        return out


_SCORE_FIELDS = METRIC_FIELDS + ("custom_metrics",)  # EvaluationScores' fields, in order


@dataclass(eq=False, repr=False)
class ArtifactFile(Record):
    """One file of a version (role, path, hash, size; where its bytes are stored)."""
    role: str
    path: str
    sha256: Optional[str] = None
    size_bytes: Optional[int] = None
    contents: Optional[list[ContentFile]] = None  # a directory: each regular file, sorted by path
    stored: Optional[str] = None  # "lfs" when the bytes are in the registry's LFS store

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"role": self.role, "path": self.path}
        if self.sha256 is not None:
            d["sha256"] = self.sha256
        if self.size_bytes is not None:
            d["size_bytes"] = self.size_bytes
        if self.contents is not None:
            d["contents"] = [c.to_dict() for c in self.contents]
        if self.stored is not None:
            d["stored"] = self.stored
        return d


@dataclass(frozen=True, eq=False, repr=False)
class DataSource(FrozenRecord):
    """A training-data entry or the base model, as recorded: a name, and what pins it down
    (an HF repo commit, a DVC/git revision; a file's or directory's sha256; where it is)."""
    name: str
    revision: Optional[str] = None
    sha256: Optional[str] = None
    uri: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        fast = _fields_dict(self, ("name", "revision", "sha256", "uri"))
        return {k: v for k, v in (fast if fast is not None else asdict(self)).items() if v is not None}

    def __str__(self) -> str:
        return self.name + (f"@{self.revision}" if self.revision else "") + \
            (f" (sha256 {self.sha256[:12]})" if self.sha256 else "")


@dataclass(eq=False, repr=False)
class ModelVersion(Record):
    """One version as read now: the manifest with its note and deployment state laid over it."""
    model_name: str
    version: str
    created_at: str
    status: VersionStatus
    registered_status: VersionStatus = VersionStatus.COMPLETED
    deployed: bool = False
    deployed_at: Optional[str] = None
    environments: list[str] = field(default_factory=list)
    base_model: Optional[str] = None
    training: Optional[TrainingInfo] = None
    evaluation_scores: EvaluationScores = field(default_factory=EvaluationScores)
    files: list[ArtifactFile] = field(default_factory=list)
    lora_path: Optional[str] = None
    gguf_path: Optional[str] = None
    checkpoint_path: Optional[str] = None
    config_path: Optional[str] = None
    parent_version: Optional[str] = None
    training_data_sources: list[str] = field(default_factory=list)
    git_commit: Optional[str] = None
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    commit: str = ""
    registered_by: Optional[str] = None
    extra: dict[str, Any] = field(default_factory=dict)
    purged: list[Purge] = field(default_factory=list)  # stored files whose bytes were purged (gc)
    # DESIGN.md 'Additions of this round': every training parameter as recorded ({name: value}),
    # and per metric its meaning ({name: {direction, stderr, source, group, n_shot}}).
    params: dict[str, Any] = field(default_factory=dict)
    metric_info: dict[str, dict[str, Any]] = field(default_factory=dict)
    # provenance: each training-data entry and the base model with revision / sha256 / uri when
    # recorded (training_data_sources and base_model keep the seed's names)
    training_data: list[DataSource] = field(default_factory=list)
    base_model_source: Optional[DataSource] = None
    _card: Any = field(default=None, repr=False, compare=False)  # a loader until read (gitreg.model.cards)
    _curves: Any = field(default=None, repr=False, compare=False)  # a loader until read (gitreg.model.curves)

    @property
    def card(self) -> Any:
        """The model card (gitreg.model.cards.ModelCard: text, front matter) or None; read when first asked."""
        if callable(self._card):
            self._card = self._card() or False
        return self._card or None

    @property
    def curves(self) -> Any:
        """The training curves (gitreg.model.curves.Curves) or None; read when first asked."""
        if callable(self._curves):
            self._curves = self._curves() or False
        return self._curves or None

    def to_dict(self) -> dict[str, Any]:
        """The seed's JSON record shape, plus gitreg's additions."""
        return {
            "model_name": self.model_name,
            "version": self.version,
            "created_at": self.created_at,
            "status": self.status.value,
            "lora_path": self.lora_path,
            "gguf_path": self.gguf_path,
            "checkpoint_path": self.checkpoint_path,
            "config_path": self.config_path,
            "training": self.training.to_dict() if self.training else None,
            "evaluation_scores": self.evaluation_scores.to_dict(),
            "deployed": self.deployed,
            "deployed_at": self.deployed_at,
            "environments": list(self.environments),
            "parent_version": self.parent_version,
            "base_model": self.base_model,
            "training_data_sources": list(self.training_data_sources),
            "git_commit": self.git_commit,
            "tags": list(self.tags),
            "notes": self.notes,
            "files": [f.to_dict() for f in self.files],
            "commit": self.commit,
            "registered_by": self.registered_by,
            **({"purged": [p.to_dict() for p in self.purged]} if self.purged else {}),
            "params": dict(self.params),
            "metric_info": {k: dict(v) for k, v in self.metric_info.items()},
            "training_data": [d.to_dict() for d in self.training_data],
            "base_model_source": self.base_model_source.to_dict() if self.base_model_source else None,
        }


@dataclass(eq=False, repr=False)
class ModelMetadata(Record):
    """A model's own record (model.yaml with its note), beside its versions."""
    model_name: str
    created_at: str
    description: str = ""
    owner: str = ""
    tags: list[str] = field(default_factory=list)
    notes: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
