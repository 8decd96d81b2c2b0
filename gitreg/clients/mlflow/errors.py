"""gitreg's errors as MlflowExceptions (error codes the REST API turns into HTTP statuses).

A request gitreg refuses (a deployed version archived, a delete) is the caller's to change:
BAD_REQUEST (400), not MLflow's INVALID_STATE, which its server answers with 500."""
from __future__ import annotations

import contextlib
from typing import Iterator

from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import (
    ABORTED,
    BAD_REQUEST,
    INTERNAL_ERROR,
    INVALID_PARAMETER_VALUE,
    RESOURCE_ALREADY_EXISTS,
    RESOURCE_DOES_NOT_EXIST,
)

from gitreg.core import errors

_CODES = (
    ((errors.ModelNotFoundError, errors.VersionNotFoundError), RESOURCE_DOES_NOT_EXIST),
    ((errors.VersionExistsError,), RESOURCE_ALREADY_EXISTS),
    ((errors.InvalidNameError, errors.InvalidValueError), INVALID_PARAMETER_VALUE),
    ((errors.ConcurrentUpdateError,), ABORTED),
    ((errors.CorruptRegistryError,), INTERNAL_ERROR),
)


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Raise every GitregError as an MlflowException with the same message."""
    try:
        yield
    except errors.GitregError as exc:
        code = next((c for kinds, c in _CODES if isinstance(exc, kinds)), BAD_REQUEST)
        raise MlflowException(str(exc), code) from exc


def refused(what: str, instead: str) -> MlflowException:
    """A call the storage contract forbids: git history only appends (DESIGN.md)."""
    return MlflowException(
        f"{what} is refused by the gitreg registry store: a git registry's history only appends "
        f"(no ref another clone may have is deleted or rewritten). {instead}",
        BAD_REQUEST,
    )


def not_found(what: str) -> MlflowException:
    return MlflowException(f"{what} not found", RESOURCE_DOES_NOT_EXIST)
