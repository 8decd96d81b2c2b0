"""Where a version's files are, as a URI MLflow's artifact repositories can read.

First the registry's own files (`registry.get_files`): stored files from the LFS store,
fetched from the sync remote when missing (a clone made by `gitreg clone` gets its
weights this way), not-stored ones from their recorded paths; every sha256 checked.
Only when gitreg cannot hand the files out here (not stored and not on this machine, or
the remote lacks them) does it fall back to the recorded local paths as they are (with a
warning), then to MLflow's `source`; a corrupt stored object is an error, never a fallback.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Optional, Sequence

from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST

from gitreg import ModelRegistry, ModelVersion
from gitreg.clients.mlflow.errors import translated
from gitreg.core.errors import RemoteError
from gitreg.core.records import ArtifactFile
from gitreg.features.artifacts.get import NotAvailable

_log = logging.getLogger(__name__)


def download_uri(registry: ModelRegistry, version: ModelVersion, source: Optional[str],
                 downloads: Path) -> str:
    """A `file://` URI of the version's files, else its MLflow `source` (module doc).

    MLflow's local artifact repository refuses links that leave the directory it reads,
    so the files are copies (reflinks where the filesystem has them, every sha256 checked
    while copying) in `<downloads>/<model>/<version>-<commit>/<role>/<name>` (one directory:
    its contents there), made once per version; a single not-stored directory (MLflow's own
    `source`, checked) is returned as it is.
    """
    reason = "it records no files"
    if version.files:
        ref = f"{version.model_name}:{version.version}"
        with translated():  # a corrupt object is an error, not a reason to fall back
            try:
                if len(version.files) == 1 and version.files[0].stored != "lfs":
                    path = registry.get_files(ref)[0]
                    if path.is_dir():
                        return path.as_uri()
                return _once(version, downloads, lambda dest: registry.get_files(ref, dest))
            except (NotAvailable, RemoteError) as exc:
                reason = str(exc)
    local = [(f, p) for f in version.files if (p := _local(f.path)) is not None]
    if local:
        _log.warning("gitreg: %s %s: serving the recorded local paths unchecked: %s",
                     version.model_name, version.version, reason)
        if len(local) == 1 and local[0][1].is_dir():
            return local[0][1].as_uri()
        return _once(version, downloads, lambda dest: _copy(local, dest))
    if source:
        return source
    raise MlflowException(
        f"{version.model_name} {version.version} has no files to download here and no MLflow source: {reason}",
        RESOURCE_DOES_NOT_EXIST,
    )


def _once(version: ModelVersion, downloads: Path, fill: Callable[[Path], Sequence[Path]]) -> str:
    """The version's download directory, filled in a staging directory and renamed into place.

    A version of one directory (an MLflow model: MLmodel at its top) is that directory."""
    target = downloads / version.model_name / f"{version.version}-{version.commit[:12]}"
    if not target.exists():
        staging = Path(tempfile.mkdtemp(dir=downloads))
        try:
            placed = fill(staging)
            whole = placed[0] if len(placed) == 1 and placed[0].is_dir() else staging
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(whole, target)
        except OSError:  # another thread placed it first
            if not target.exists():
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target.as_uri()


def _copy(found: Sequence[tuple[ArtifactFile, Path]], dest: Path) -> list[Path]:
    out = []
    for record, path in found:
        (dest / record.role).mkdir(exist_ok=True)
        out.append(dest / record.role / path.name)
        if path.is_dir():
            shutil.copytree(path, out[-1], dirs_exist_ok=True)
        else:
            shutil.copy2(path, out[-1])
    return out


def _local(path: str) -> Optional[Path]:
    if path.startswith("file://"):
        path = path[len("file://"):]
    candidate = Path(path)
    return candidate if candidate.is_absolute() and candidate.exists() else None
