"""Every error gitreg raises on purpose derives from GitregError.

The CLI turns exactly these into one line on stderr; anything else is a bug and
keeps its traceback (shown with GITREG_DEBUG=1).
"""
from __future__ import annotations


class GitregError(Exception):
    """Base class: a problem the user can act on."""


class InvalidNameError(GitregError, ValueError):
    """A model, version or environment name breaks the naming rules."""


class InvalidValueError(GitregError, ValueError):
    """A metric, parameter, status or path value is not acceptable."""


class ModelNotFoundError(GitregError, KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class VersionNotFoundError(GitregError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class VersionExistsError(GitregError):
    """An explicitly named version is already registered."""


class LineageError(GitregError):
    """Lineage is fixed at registration and cannot be changed."""


class DeploymentError(GitregError):
    """A deploy, rollback or undeploy that cannot be carried out."""


class CorruptRegistryError(GitregError):
    """The repository holds something gitreg did not write and cannot read."""


class RegistryAccessError(GitregError):
    """The registry is there, but this user may not read it, or write to it, or git does not trust it."""


def too_large(where: str, size: int, limit: int) -> CorruptRegistryError:
    """The one wording for an object over its size cap, refused before it is read or parsed."""
    return CorruptRegistryError(f"{where} is {size} bytes, over the {limit}-byte limit (refused)")


class ConcurrentUpdateError(GitregError):
    """Another writer kept winning the race for a ref; nothing was written."""


class IdentityError(GitregError):
    """No usable author/committer identity."""


class RemoteError(GitregError):
    """A remote could not be reached, or refused a push for a reason retrying cannot fix."""


class RemoteWentBackwardsError(RemoteError):
    """A remote's gitreg refs were rewound, deleted or moved since they were last fetched:
    history was rewritten there. Nothing is taken in; the local history is kept."""


class SyncConflictError(GitregError):
    """Local work and a remote's disagree on a ref; both are kept until the user chooses."""


class SigningError(GitregError):
    """Signing was asked for (or required) and could not be done; nothing was written."""


class ResourceLimitError(GitregError):
    """An operating-system limit (open files) stopped a write; nothing half-done is left."""


class NotARegistryError(GitregError):
    """The repository is not a gitreg registry (a code repository, a mirror of one)."""


class QueryError(InvalidValueError):
    """A query, sort key or `best` metric that cannot be read; `column` is 1-based (0: none)."""

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message)
        self.column = column
