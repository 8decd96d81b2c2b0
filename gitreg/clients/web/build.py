"""`gitreg web build`: the whole registry as a static site, written whole or not at all.

Pages go to a temporary sibling directory that is renamed into place at the end, so
a failed build leaves the previous site (or nothing) — never half a site. A
directory is only ever replaced when an earlier build made it (it holds MARKER).
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from gitreg.api.registry import ModelRegistry
from gitreg.clients.web import pages, site
from gitreg.core.errors import InvalidValueError

MARKER = ".gitreg-site"
MAX_PAGE = 1 << 20  # every page under 1 MiB (tables page, charts window, text is cut)


@dataclass
class BuildReport:
    directory: Path
    pages: int
    models: int
    largest: int  # bytes of the largest page


def _check_target(out: Path) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InvalidValueError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise InvalidValueError(f"{out} is not empty and was not made by 'gitreg web build'; choose another directory")


def build(registry: ModelRegistry, out: str | os.PathLike[str]) -> BuildReport:
    out = Path(out).absolute()
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        catalog = pages.Catalog(registry, preload=True)
        s = site.Site(catalog)
        paths = list(s.paths())
        catalog.parents()  # read once here, before any worker starts, so workers share it
        count, largest = _render_all(s, paths, tmp)
        for name in site.STATIC:
            (tmp / name).write_bytes(site.static_file(name))
        (tmp / MARKER).write_text("made by gitreg web build; the whole directory is replaced by the next build\n")
        (tmp / ".nojekyll").write_text("")  # GitHub Pages: serve files as they are
        os.chmod(tmp, 0o755)
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildReport(out, count, len(catalog.models), largest)


_SITE: Optional[site.Site] = None  # the forked workers' site (read before the fork, shared copy-on-write)
PARALLEL_FROM = 2000  # pages; below that a worker costs more than it saves


def _write(s: site.Site, paths: list[str], tmp: Path) -> tuple[int, int]:
    largest = 0
    for path in paths:
        body = s.render(path).body
        target = tmp / path
        try:
            target.write_bytes(body)
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        largest = max(largest, len(body))
    return len(paths), largest


def _work(job: tuple[list[str], str]) -> tuple[int, int]:
    assert _SITE is not None
    return _write(_SITE, job[0], Path(job[1]))


def _render_all(s: site.Site, paths: list[str], tmp: Path) -> tuple[int, int]:
    """Render and write every page; a big site on several cores in forked workers (Linux)."""
    workers = min(os.cpu_count() or 1, 8)
    if len(paths) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return _write(s, paths, tmp)
    global _SITE
    _SITE = s
    chunk = 500
    jobs = [(paths[i:i + chunk], str(tmp)) for i in range(0, len(paths), chunk)]
    count = largest = 0
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for n, big in pool.imap_unordered(_work, jobs):
                count, largest = count + n, max(largest, big)
    finally:
        _SITE = None
    return count, largest


def _replace(new: Path, out: Path) -> None:
    """Put `new` at `out`: a rename when `out` is absent, else old aside, new in, old removed."""
    if not out.exists():
        new.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["BuildReport", "MARKER", "MAX_PAGE", "build"]
