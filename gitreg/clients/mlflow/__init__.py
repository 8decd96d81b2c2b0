"""MLflow model-registry store on a git registry: `mlflow.set_registry_uri("gitreg:///path.git")`.

Registered through the entry point group `mlflow.model_registry_store` (scheme `gitreg`);
installed with `pip install 'gitreg[mlflow]'`. The mapping is documented in docs/mlflow.md.
"""
from __future__ import annotations

try:
    import mlflow  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "gitreg's MLflow store needs MLflow: pip install 'gitreg[mlflow]'"
    ) from exc

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gitreg.clients.mlflow.store import GitregStore
    from gitreg.clients.mlflow.uri import registry_path

__all__ = ["GitregStore", "registry_path"]


def __getattr__(name: str) -> Any:  # PEP 562: MLflow imports this package for every registry URI (plugin.py)
    if name == "GitregStore":
        from gitreg.clients.mlflow.store import GitregStore

        return GitregStore
    if name == "registry_path":
        from gitreg.clients.mlflow.uri import registry_path

        return registry_path
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
