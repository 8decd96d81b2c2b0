"""The audit trail's records: deployments, history events and signatures. Apart from
records.py because a read of versions needs none of them (a read's start-up does not
create their dataclasses)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional


@dataclass
class Deployment:
    """One deployment commit: what an environment runs from then on."""
    environment: str
    model_name: str
    version: Optional[str]
    action: str
    previous_version: Optional[str]
    deployed_by: str
    deployed_at: str
    reason: str
    commit: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Event:
    """One entry of a model's history, read back from git."""
    timestamp: str
    kind: str
    model_name: str
    version: Optional[str]
    actor: str
    details: dict[str, Any] = field(default_factory=dict)
    environment: Optional[str] = None
    commit: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SignatureBlock:
    """What a signature block says about itself: not a verification (`gitreg verify` is)."""

    kind: str  # "ssh", "openpgp", "x509" (from the block's header) or "unknown"
    key: Optional[str] = None  # as recorded in the block: SHA256:... (ssh), issuer (openpgp); else None


@dataclass(frozen=True)
class VersionSignature:
    """Whether a version's tag and its commit carry signatures (None: unsigned), unverified."""

    tag: Optional[SignatureBlock]
    commit: Optional[SignatureBlock]
