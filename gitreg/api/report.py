"""Plain-text reports in the seed registry's layout (summary, version tree), rendered from records
the facade hands over: nothing here reads the registry."""
from __future__ import annotations

from typing import Optional

from gitreg.core.names import sort_versions
from gitreg.core.records import RETIRED_STATUSES, ModelMetadata, ModelVersion

RULE = "=" * 60


def version_line(v: ModelVersion) -> str:
    """`● v1       (deployed  ) acc=0.850` -- the seed's list row."""
    mark = "●" if v.deployed else "○"
    acc = v.evaluation_scores.accuracy
    score = f" acc={acc:.3f}" if acc is not None else ""
    envs = f" [{', '.join(v.environments)}]" if v.environments else ""
    return f"{mark} {v.version:<8} ({v.status.value:<10}){score}{envs}"


def model_block(name: str, versions: list[ModelVersion]) -> list[str]:
    deployed = sum(1 for v in versions if v.deployed)
    lines = [name, f"  Versions: {len(versions)} ({deployed} deployed)"]
    lines += ["  " + version_line(v) for v in versions]
    return lines


def model_summary(name: str, meta: ModelMetadata, versions: list[ModelVersion],
                  deployments: dict[str, Optional[str]], latest: Optional[str]) -> str:
    """One model's summary: metadata, latest, live deployments and its version rows."""
    lines = [f"Model: {name}", RULE]
    for label, value in (("Description", meta.description), ("Owner", meta.owner),
                         ("Tags", ", ".join(meta.tags)), ("Notes", meta.notes),
                         ("Created", meta.created_at)):
        if value:
            lines.append(f"{label}: {value}")
    if latest is not None:
        lines.append(f"Latest: {latest}")
    live = {env: v for env, v in deployments.items() if v}
    if live:
        lines.append("Deployed: " + ", ".join(f"{e}={v}" for e, v in live.items()))
    lines.append("")
    lines += model_block(name, versions)
    return "\n".join(lines) + "\n"


def registry_summary(path: object, models: dict[str, list[ModelVersion]]) -> str:
    """Every model's version rows, in the seed's layout."""
    if not models:
        return f"No models registered in {path}\n"
    lines = ["Registered Models:", RULE]
    for model, versions in models.items():
        lines.append("")
        lines += model_block(model, versions)
    return "\n".join(lines) + "\n"


def _label(v: ModelVersion, parent: Optional[str]) -> str:
    text = v.version
    if parent is not None and ":" in parent:
        text += f" (from {parent})"
    if v.environments:
        text += f" [{', '.join(v.environments)}]"
    if v.status in RETIRED_STATUSES:
        text += f" ({v.status.value})"
    return text


def tree_lines(versions: list[ModelVersion], parents: dict[str, Optional[str]]) -> list[str]:
    """The version tree drawn from commit parentage (`parents`: version -> parent or None)."""
    records = {v.version: v for v in versions}
    children: dict[Optional[str], list[str]] = {}
    for version, parent in parents.items():
        key = parent if parent in records else None
        children.setdefault(key, []).append(version)
    lines: list[str] = []

    def draw(version: str, prefix: str, last: bool) -> None:
        lines.append(prefix + ("└── " if last else "├── ") + _label(records[version], parents[version]))
        kids = sort_versions(children.get(version, []))
        for i, kid in enumerate(kids):
            draw(kid, prefix + ("    " if last else "│   "), i == len(kids) - 1)

    roots = sort_versions(children.get(None, []))
    for i, root in enumerate(roots):
        draw(root, "", i == len(roots) - 1)
    return lines


def tree_text(name: str, versions: list[ModelVersion], parents: dict[str, Optional[str]]) -> str:
    lines = tree_lines(versions, parents)
    return "\n".join([f"{name} version tree:"] + (lines or ["(no versions)"])) + "\n"


def lineage_summary(path: object, models: dict[str, tuple[list[ModelVersion], dict[str, Optional[str]]]]) -> str:
    """Per model: roots, cross-model parents, training data (`models`: name -> (versions, parents))."""
    if not models:
        return f"No lineage recorded in {path}\n"
    lines = ["Model Lineage:", RULE]
    for name, (versions, parents) in models.items():
        roots = [v for v, p in parents.items() if p is None or ":" in p]
        sources = sorted({s for v in versions for s in v.training_data_sources})
        lines.append("")
        lines.append(name)
        lines.append(f"  Versions: {len(parents)}  Roots: {', '.join(sort_versions(roots)) or '-'}")
        foreign = sorted({p for p in parents.values() if p and ':' in p})
        if foreign:
            lines.append(f"  Derived from: {', '.join(foreign)}")
        lines.append(f"  Training data: {', '.join(sources) or '-'}")
    return "\n".join(lines) + "\n"
