"""gitreg: a model registry whose only database is git."""
from __future__ import annotations

from .artifacts import GitregWarning
from .errors import (
    ConcurrentUpdateError, CorruptRegistryError, DeploymentError, GitregError, IdentityError,
    InvalidNameError, InvalidValueError, LineageError, ModelNotFoundError, VersionExistsError,
    VersionNotFoundError,
)
from .lineage import LineageTracker
from .records import (
    ArtifactFile, Deployment, EvaluationScores, Event, ModelMetadata, ModelVersion,
    TrainingInfo, VersionStatus,
)
from .registry import ModelRegistry

__version__ = "0.1.0"

__all__ = [
    "ArtifactFile", "ConcurrentUpdateError", "CorruptRegistryError", "Deployment",
    "DeploymentError", "EvaluationScores", "Event", "GitregError", "GitregWarning",
    "IdentityError", "InvalidNameError", "InvalidValueError", "LineageError", "LineageTracker",
    "ModelMetadata", "ModelNotFoundError", "ModelRegistry", "ModelVersion", "TrainingInfo",
    "VersionExistsError", "VersionNotFoundError", "VersionStatus", "__version__",
]
