"""The sink registration stores through: each file becomes a new object in the registry's
LFS store, copied in the kernel while the copy is hashed (gitreg.features.artifacts.copyhash), and
renamed into place under that hash only after the caller has checked the source did not
change meanwhile (gitreg.model.files)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from gitreg.features.artifacts import copyhash
from gitreg.git import lfs

if TYPE_CHECKING:
    from gitreg.git.repository import Store
    from gitreg.model.files import HashProgress, Sink


@dataclass
class NewObject:
    """One object being stored (artifacts.ObjectWriter)."""
    writer: lfs.ObjectWriter

    def store(self, source_fd: int, progress: Optional["HashProgress"] = None) -> tuple[str, int]:
        """Copy the source in and return (sha256, size) of the bytes now in the temporary object."""
        copied = copyhash.copy_hashing(source_fd, self.writer.fileno(), progress)
        return copied.sha256, copied.size

    def commit(self, oid: str) -> Path:
        return self.writer.commit(oid)

    def abort(self) -> None:
        self.writer.abort()


def sink(store: "Store") -> "Sink":
    """Where registration stores bytes: a new object in the registry's LFS store per file."""
    lfs.require_git_lfs()
    git_dir = store.git_dir()
    return lambda: NewObject(lfs.ObjectWriter(git_dir))
