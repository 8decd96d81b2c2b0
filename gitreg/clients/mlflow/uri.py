"""`gitreg:` store URIs -> registry paths."""
from __future__ import annotations

from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

SCHEME = "gitreg"


def registry_path(store_uri: Optional[str]) -> Optional[Path]:
    """`gitreg:///srv/registry.git` -> /srv/registry.git; `gitreg://` (or `gitreg:`) -> None,
    the default registry ($GITREG_REGISTRY, else ~/.local/share/gitreg/registry.git).

    A host part (`gitreg://host/...`) is refused: the store works on a local registry,
    which `gitreg clone` / a sync remote keeps shared with others.
    """
    parts = urlsplit(store_uri or f"{SCHEME}://")
    if parts.scheme != SCHEME:
        raise MlflowException(f"not a gitreg URI: {store_uri!r}", INVALID_PARAMETER_VALUE)
    if parts.netloc or parts.query or parts.fragment:
        raise MlflowException(
            f"gitreg URI {store_uri!r} must name a local registry path, like gitreg:///srv/registry.git "
            "(no host, query or fragment; clone a remote registry with 'gitreg clone' first)",
            INVALID_PARAMETER_VALUE,
        )
    path = unquote(parts.path)
    return Path(path).expanduser() if path else None
