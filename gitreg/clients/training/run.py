"""Deciding whether a commit of the training code registers a version, and registering it.

`register_commit` is what `gitreg hook run` does (from the post-commit hook, or
from CI after a training job); `run_as_hook` wraps it so that the commit is never
affected: any failure becomes one line for the terminal and details in
`.git/gitreg/hook.log`.
"""
from __future__ import annotations

import datetime as _dt
import os
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from gitreg.api.registry import ModelRegistry
from gitreg.clients.training import config as cfg
from gitreg.clients.training.gitrepo import CommitInfo, TrainingRepo
from gitreg.core.errors import GitregError, ModelNotFoundError
from gitreg.core.records import ModelVersion
from gitreg.core.values import split_scores
from gitreg.features.ingest import read_metrics, read_params
from gitreg.features.ingest.metrics import find as find_metrics
from gitreg.features.ingest.source import read_bytes

LOG_FILE = "hook.log"
_YES = ("yes", "true", "1")


@dataclass
class Outcome:
    """What happened to one commit."""
    commit: str
    model: str
    registered: Optional[ModelVersion] = None
    reason: str = ""                  # why it was (not) registered
    warnings: list[str] = field(default_factory=list)
    new_model: bool = False           # this registration created the model

    @property
    def message(self) -> str:
        v = self.registered
        if v is None:
            return f"not registered: {self.reason}"
        parent = f", from {v.parent_version}" if v.parent_version else ""
        new = " (new model)" if self.new_model else ""
        return f"registered {v.model_name} {v.version}{new} from commit {self.commit[:12]}{parent} ({self.reason})"


def decide(config: cfg.TrainingConfig, commit: CommitInfo, top: Path) -> tuple[bool, str]:
    """(register?, why) for one commit under the config's `when:` rule."""
    short = commit.sha[:12]
    if config.when == "always":
        return True, "when: always"
    if config.when == "trailer":
        if any(v.lower() in _YES for v in commit.register_trailers):
            return True, "Gitreg-Register: yes"
        return False, f"commit {short} has no 'Gitreg-Register: yes' trailer (when: trailer)"
    watched = [p for p in (cfg.repo_relative(o, top) for o in config.outputs()) if p]
    for out in watched:
        if any(path == out or path.startswith(out + "/") for path in commit.changed):
            return True, f"changes {out}"
    return False, f"commit {short} changes none of the declared outputs ({', '.join(watched) or 'none in the repo'})"


def _file(repo: TrainingRepo, sha: str, location: str, what: str) -> tuple[bytes, str, str]:
    """(bytes, name, where it was read) of a declared file, as committed in `sha` when the commit holds it, else
    from the work tree."""
    rel = cfg.repo_relative(location, repo.top)
    data = repo.read_at(sha, rel) if rel else None
    if data is not None:
        return data, location, f"{location} (commit {sha[:12]})"
    path = repo.top / Path(location).expanduser()
    try:
        return read_bytes(path), str(path), str(path)
    except GitregError as exc:
        raise cfg.TrainingConfigError(f"{what} file {location}: {exc}") from None


def _refused(what: str, name: str, where: str, exc: GitregError) -> cfg.TrainingConfigError:
    """'metrics file results/m.json (commit ..) must hold ...': the file named once, with its source."""
    text = str(exc)
    if text.startswith(name):
        return cfg.TrainingConfigError(f"{what} file {where}{text[len(name):]}")
    return cfg.TrainingConfigError(f"{what} file {where}: {text}")


def _metrics_location(repo: TrainingRepo, location: str) -> str:
    """A declared directory (lm-eval writes results_<time>.json) names its metrics file."""
    path = repo.top / Path(location).expanduser()
    if not path.is_dir():
        return location
    try:
        found = find_metrics(path)
    except GitregError as exc:
        raise cfg.TrainingConfigError(f"metrics {location}: {exc}") from None
    try:
        return found.relative_to(repo.top).as_posix()
    except ValueError:
        return str(found)


def _scores(repo: TrainingRepo, sha: str, config: cfg.TrainingConfig,
            notes: list[str]) -> tuple[Optional[dict[str, Any]], dict[str, Any]]:
    """(scores, metric_info) of the declared metrics file."""
    if not config.metrics:
        return None, {}
    data, name, where = _file(repo, sha, _metrics_location(repo, config.metrics), "metrics")
    try:
        read = read_metrics(data, name, config.metrics_format, config.metrics_include, config.metrics_exclude)
        split_scores(read.scores)
    except GitregError as exc:
        raise _refused("metrics", name, where, exc) from None
    if read.note():
        notes.append(read.note())
    return read.scores, read.info


def _params(repo: TrainingRepo, sha: str, config: cfg.TrainingConfig,
            notes: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the seed's training fields, every parameter as recorded) of the declared params file."""
    if not config.params:
        return {}, {}
    data, name, where = _file(repo, sha, config.params, "params")
    try:
        read = read_params(data, name)
    except GitregError as exc:
        raise _refused("params", name, where, exc) from None
    if read.note():
        notes.append(read.note())
    return read.params, read.recorded


def _parent(registry: ModelRegistry, config: cfg.TrainingConfig) -> Optional[str]:
    if config.parent != cfg.LATEST:
        return config.parent
    try:
        return registry.get_latest(config.model).version
    except ModelNotFoundError:  # no such model yet, or no versions
        return None


def _registered_as(registry: ModelRegistry, model: str, sha: str) -> Optional[str]:
    if not registry.has_model(model):
        return None
    for v in registry.list_versions(model):
        if v.git_commit == sha:
            return v.version
    return None


def register_commit(
    path: str | os.PathLike[str] = ".", rev: str = "HEAD", registry: Optional[str | os.PathLike[str]] = None,
) -> Outcome:
    """Register `rev` of the training repo at `path` if its `.gitreg.yaml` says so.

    `registry` overrides the config's `registry:` (the CLI's --registry). A commit
    already registered (same git_commit) is not registered twice.
    """
    repo = TrainingRepo.discover(path)
    config = cfg.load(repo.top)
    location = registry if registry is not None else cfg.registry_location(config, repo.top)
    commit = repo.commit(rev)
    outcome = Outcome(commit=commit.sha, model=config.model)
    register, outcome.reason = decide(config, commit, repo.top)
    if not register:
        return outcome
    reg = ModelRegistry.from_remote(location) if isinstance(location, str) and cfg.is_url(location) \
        else ModelRegistry(location)
    existing = _registered_as(reg, config.model, commit.sha)
    if existing is not None:
        outcome.reason = f"commit {commit.sha[:12]} is already registered as {config.model} {existing}"
        return outcome
    notes: list[str] = []
    scores, metric_info = _scores(repo, commit.sha, config, notes)
    params, recorded = _params(repo, commit.sha, config, notes)
    files = [(role, str(repo.top / Path(loc).expanduser()) if not cfg.is_url(loc) else loc)
             for role, loc in config.file_list()]
    outcome.new_model = not reg.has_model(config.model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome.registered = reg.register_model(
            config.model, **params, files=files, evaluation_scores=scores,
            training_data=config.training_data, parent_version=_parent(reg, config),
            git_commit=commit.sha, notes=commit.subject, training_repo=repo.reference(),
            params=recorded or None, metric_info=metric_info or None,
        )
    outcome.warnings = notes + [str(w.message) for w in caught]
    return outcome


@dataclass
class HookResult:
    """What the post-commit hook prints (one line, or nothing) and where details went."""
    line: Optional[str]
    log: Optional[Path]


def _log(repo: Optional[TrainingRepo], text: str) -> Optional[Path]:
    if repo is None:
        return None
    try:
        log_dir = repo.log_dir()
        log_dir.mkdir(parents=True, exist_ok=True)
        stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        with open(log_dir / LOG_FILE, "a", encoding="utf-8") as fh:
            fh.write(f"{stamp} {text.rstrip()}\n")
        return log_dir / LOG_FILE
    except OSError:
        return None


def run_as_hook(path: str | os.PathLike[str] = ".", registry: Optional[str] = None) -> HookResult:
    """register_commit for the post-commit hook: never raises; every run is logged.

    A registration is one line; a skipped commit prints nothing; a failure is one
    line naming the log, which holds the details (traceback included).
    """
    repo: Optional[TrainingRepo] = None
    try:
        repo = TrainingRepo.discover(path)
        outcome = register_commit(repo.top, "HEAD", registry)
    except Exception as exc:  # noqa: BLE001 -- the commit must never be affected
        summary = str(exc) if isinstance(exc, GitregError) else f"internal error: {type(exc).__name__}: {exc}"
        log = _log(repo, f"FAILED: {summary}\n{traceback.format_exc()}")
        where = f"; details in {log}" if log else ""
        return HookResult(f"gitreg: commit made, but not registered: {summary}{where}", log)
    detail = "".join(f"\n  warning: {w}" for w in outcome.warnings)
    log = _log(repo, f"commit {outcome.commit}: {outcome.message}{detail}")
    line = f"gitreg: {outcome.message}" if outcome.registered else None
    return HookResult(line, log)
