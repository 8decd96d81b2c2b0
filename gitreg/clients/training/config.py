"""`.gitreg.yaml`: what a training repository's runs produce, and when to register them.

    model: majora                  # required
    registry: ../registry.git      # path (relative to the repo's top); default: the default registry
    metrics: results/metrics.json  # JSON or YAML: plain mapping, lm-eval results*.json, HF Trainer output
    metrics_format: auto           # auto (default) | lm-eval | hf-trainer | flat
    metrics_include: ["mmlu/*"]    # optional globs over metric names (default: all)
    metrics_exclude: ["*stderr*"]  # optional globs left out
    params: results/params.yaml    # optional: training parameters (gitreg's or HF TrainingArguments names)
    files: {lora: out/adapter, gguf: [out/model-Q4_K_M.gguf, out/model-Q8_0.gguf], tokenizer: out/tok}
    training_data: [oracle, toolbench]
    parent: latest                 # latest (default) | none | v3 | other-model:v3
    when: outputs-changed          # outputs-changed (default) | always | trailer

Every mistake is reported with the file and the key before anything is registered.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Optional

from gitreg.core import yamlio
from gitreg.core.errors import GitregError, InvalidValueError
from gitreg.core.names import check_model_name, check_role, split_qualified
from gitreg.core.urls import is_url
from gitreg.core.values import check_source
from gitreg.features.ingest import FORMATS as METRICS_FORMATS

CONFIG_FILE = ".gitreg.yaml"
KEYS = ("model", "registry", "metrics", "metrics_format", "metrics_include", "metrics_exclude", "params",
        "files", "training_data", "parent", "when")
WHEN = ("outputs-changed", "always", "trailer")
LATEST = "latest"


class TrainingConfigError(InvalidValueError):
    """`.gitreg.yaml` is missing or breaks its schema."""


@dataclass(frozen=True)
class TrainingConfig:
    model: str
    registry: Optional[str] = None
    metrics: Optional[str] = None
    metrics_format: str = "auto"
    metrics_include: list[str] = field(default_factory=list)
    metrics_exclude: list[str] = field(default_factory=list)
    params: Optional[str] = None
    files: dict[str, str | list[str]] = field(default_factory=dict)  # role -> path or paths
    training_data: list[Any] = field(default_factory=list)  # names or provenance mappings
    parent: Optional[str] = LATEST     # 'latest', 'v3', 'model:v3', or None
    when: str = "outputs-changed"

    def outputs(self) -> list[str]:
        """The declared outputs: the metrics file, then every declared file."""
        return ([self.metrics] if self.metrics else []) + [loc for _, loc in self.file_list()]

    def file_list(self) -> list[tuple[str, str]]:
        """(role, path) pairs in the order declared."""
        return [(role, loc) for role, locs in self.files.items()
                for loc in (locs if isinstance(locs, list) else [locs])]


def _path(where: str, key: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise TrainingConfigError(f"{where}: {key} must be a path, got {value!r}")
    if "\n" in value or "\0" in value:
        raise TrainingConfigError(f"{where}: {key} must not contain a newline or NUL byte")
    return value


def _globs(where: str, key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(g, str) and g for g in value):
        raise TrainingConfigError(f"{where}: {key} must be a list of glob patterns, e.g. ['mmlu/*']")
    return list(value)


def _pinned(entry: Any) -> Any:
    if isinstance(entry, str) and "@" in entry.strip("@"):
        name, _, revision = entry.rpartition("@")
        return {"name": name, "revision": revision}
    return entry


def parse(data: bytes, where: str = CONFIG_FILE) -> TrainingConfig:
    """Validate the file's text; errors name `where` and the offending key."""
    try:
        raw = yamlio.load_user(data, where)
    except GitregError as exc:
        raise TrainingConfigError(str(exc)) from None
    if not isinstance(raw, dict):
        raise TrainingConfigError(f"{where} must be a YAML mapping with at least 'model:'")
    unknown = [str(k) for k in raw if k not in KEYS]
    if unknown:
        raise TrainingConfigError(
            f"{where}: unknown key {', '.join(map(repr, unknown))} (expected: {', '.join(KEYS)})"
        )
    if raw.get("model") is None:
        raise TrainingConfigError(f"{where}: 'model' is required (the model name to register)")
    try:
        model = check_model_name(raw["model"])
    except GitregError as exc:
        raise TrainingConfigError(f"{where}: model: {exc}") from None

    files = raw.get("files") or {}
    if not isinstance(files, dict):
        raise TrainingConfigError(f"{where}: files must be a mapping of role to path, e.g. {{lora: out/adapter}}")
    for role, paths in files.items():
        try:
            check_role(role)
        except GitregError as exc:
            raise TrainingConfigError(f"{where}: files: {exc} (e.g. lora, gguf, tokenizer)") from None
        if isinstance(paths, list):
            if not paths:
                raise TrainingConfigError(f"{where}: files.{role} is an empty list")
            for path in paths:
                _path(where, f"files.{role}", path)
        else:
            _path(where, f"files.{role}", paths)

    data_sources = raw.get("training_data")
    if data_sources is None:
        data_sources = []
    if not isinstance(data_sources, list) or not all(isinstance(s, (str, dict)) and s for s in data_sources):
        raise TrainingConfigError(f"{where}: training_data must be a list of names, e.g. [oracle, toolbench], "
                                  "NAME@REVISION, or mappings of name, revision, sha256, uri")
    try:  # NAME@REV pins a revision (values.check_source says what a mapping may hold)
        data_sources = [check_source("training_data", _pinned(s)) for s in data_sources]
    except InvalidValueError as exc:
        raise TrainingConfigError(f"{where}: {exc}") from None

    parent = raw.get("parent", LATEST)
    if parent is None or (isinstance(parent, str) and parent.strip().lower() == "none"):
        parent = None
    elif parent != LATEST:
        try:
            split_qualified(parent, model)
        except GitregError as exc:
            raise TrainingConfigError(f"{where}: parent must be latest, none, a version or model:version ({exc})") \
                from None

    when = raw.get("when") or "outputs-changed"
    if when not in WHEN:
        raise TrainingConfigError(f"{where}: when must be one of {', '.join(WHEN)}, got {when!r}")
    metrics_format = raw.get("metrics_format") or "auto"
    if metrics_format not in METRICS_FORMATS:
        raise TrainingConfigError(
            f"{where}: metrics_format must be one of {', '.join(METRICS_FORMATS)}, got {metrics_format!r}"
        )
    globs = {key: _globs(where, key, raw.get(key)) for key in ("metrics_include", "metrics_exclude")}
    config = TrainingConfig(
        model=model, registry=_path(where, "registry", raw.get("registry")),
        metrics=_path(where, "metrics", raw.get("metrics")), params=_path(where, "params", raw.get("params")),
        files=dict(files), training_data=list(data_sources), parent=parent, when=when,
        metrics_format=metrics_format, **globs,
    )
    if when == "outputs-changed" and not config.outputs():
        raise TrainingConfigError(f"{where}: when: outputs-changed needs 'metrics' or 'files' to watch")
    return config


def load(top: Path) -> TrainingConfig:
    path = top / CONFIG_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TrainingConfigError(f"no {CONFIG_FILE} in {top} (it declares the model this repository trains)") \
            from None
    except OSError as exc:
        raise TrainingConfigError(f"cannot read {path}: {exc.strerror}") from None
    return parse(data, str(path))


def registry_location(config: TrainingConfig, top: Path) -> Optional[Path | str]:
    """The registry's path (relative paths from the repo's top), or its URL as given;
    None means the default registry."""
    if config.registry is None:
        return None
    if is_url(config.registry):
        return config.registry
    return top / Path(config.registry).expanduser()


def repo_relative(location: str, top: Path) -> Optional[str]:
    """The declared path as a posix path inside the repository, or None when it is outside or a URI."""
    if is_url(location):
        return None
    path = Path(location).expanduser()
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(top.resolve())
        except ValueError:
            return None
    parts = PurePosixPath(path.as_posix()).parts
    clean: list[str] = []
    for part in parts:
        if part == "..":
            if not clean:
                return None
            clean.pop()
        elif part != ".":
            clean.append(part)
    return "/".join(clean) or None
