"""The entry point MLflow loads for the `gitreg` scheme (group `mlflow.model_registry_store`).

MLflow imports every registry store's entry point on its first registry call, whatever the
URI names. This one is a builder that imports nothing until it builds a store, so a process
using another store (MLflow's SQLite one, say) does not pay for gitreg being installed: the
store, gitreg's API and pygit2 cost ~100 ms and a garbage collection of MLflow's heap.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from gitreg.clients.mlflow.store import GitregStore


def store(store_uri: str, tracking_uri: Optional[str] = None) -> "GitregStore":
    """A GitregStore for `store_uri` (gitreg:///path.git), as MLflow's store registry builds one."""
    from gitreg.clients.mlflow.store import GitregStore

    return GitregStore(store_uri, tracking_uri)
