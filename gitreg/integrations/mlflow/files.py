"""Where a version's files are, as a URI MLflow's artifact repositories can read.

One function, so that it can switch to the stored artifacts (`registry.get_files(ref,
dest)`, Git LFS) once those land: today it resolves the paths recorded at registration.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional

from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST

from gitreg import ModelVersion


def download_uri(version: ModelVersion, source: Optional[str], links_root: Path) -> str:
    """A `file://` URI of the version's files, else its MLflow `source`.

    One recorded directory is returned as it is; several files (or one file) are
    linked into a private directory, `<links_root>/<model>/<version>-<commit>/<role>/<name>`.
    """
    local = [f for f in version.files if _local(f.path) is not None]
    paths = [_local(f.path) for f in local]
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0].as_uri()
    if paths:
        target = links_root / version.model_name / f"{version.version}-{version.commit[:12]}"
        if not target.exists():
            staging = Path(tempfile.mkdtemp(dir=links_root))
            for record, path in zip(local, paths):
                (staging / record.role).mkdir(exist_ok=True)
                link = staging / record.role / path.name
                if not link.exists():
                    link.symlink_to(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, target)
            except OSError:  # another thread linked it first
                shutil.rmtree(staging, ignore_errors=True)
        return target.as_uri()
    if source:
        return source
    raise MlflowException(
        f"{version.model_name} {version.version} records no files that exist here and no source",
        RESOURCE_DOES_NOT_EXIST,
    )


def _local(path: str) -> Optional[Path]:
    if path.startswith("file://"):
        path = path[len("file://"):]
    candidate = Path(path)
    return candidate if candidate.is_absolute() and candidate.exists() else None
