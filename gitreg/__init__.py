"""gitreg: a model registry whose only database is git.

Names are resolved lazily (PEP 562) so that `gitreg --help` and error handling
do not pay for importing pygit2 and yaml.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "ModelRegistry": "api.registry",
    "LineageTracker": "api.lineage",
    "GitregWarning": "model.files",
    **{name: "core.errors" for name in (
        "GitregError", "InvalidNameError", "InvalidValueError", "ModelNotFoundError",
        "VersionNotFoundError", "VersionExistsError", "LineageError", "DeploymentError",
        "CorruptRegistryError", "ConcurrentUpdateError", "IdentityError", "RemoteError",
        "SyncConflictError",
    )},
    "SigningError": "core.errors",
    "VerifyReport": "features.trust.verify",
    "ReadProblem": "core.problems",
    "DoctorReport": "features.trust.doctor",
    **{name: "core.records" for name in (
        "ArtifactFile", "EvaluationScores", "ModelMetadata", "ModelVersion", "TrainingInfo", "VersionStatus",
    )},
    "Deployment": "core.audit_records",
    "Event": "core.audit_records",
    "VersionRow": "core.rows",
    "ListedModel": "core.listed",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gitreg' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
