from __future__ import annotations

from typing import Annotated, Optional

from gitreg.clients.cli import complete, context, options
from gitreg.clients.cli.framework import Argument, Context


def run(
    ctx: Context,
    model: Annotated[str, Argument(
        metavar="REF", autocompletion=complete.models,
        help="MODEL (every version), or one version: MODEL VERSION, MODEL:VERSION, MODEL@ENV, MODEL@latest.")],
    version: Annotated[
        Optional[str], Argument(autocompletion=complete.versions, help="Version (default: all).")
    ] = None,
    json_out: options.Json = False,
) -> None:
    """Show ancestors, descendants, training data and code commits."""
    tracker = context.tracker(ctx)
    reg = tracker.registry
    console = context.out()
    from gitreg.core.references import is_reference

    if version is None and not is_reference(model):
        parents = tracker.get_parents(model)
        versions = {v.version: v for v in reg.list_versions(model)}
        if json_out:
            context.emit_json({"model_name": model, "versions": {
                name: {"parent": parents[name], "training_data": v.training_data_sources,
                       "git_commit": v.git_commit, "base_model": v.base_model,
                       "data_provenance": [d.to_dict() for d in v.training_data],
                       "base_model_source": v.base_model_source.to_dict() if v.base_model_source else None}
                for name, v in versions.items()
            }})
            return
        for name, v in versions.items():
            console.print(
                f"{name:<10} ← {parents[name] or '(root)':<14} data: "
                f"{', '.join(map(str, v.training_data)) or '-'}"
                + (f"  code: {v.git_commit}" if v.git_commit else ""),
                markup=False,
            )
        return
    model, version = reg.resolve(model, version)  # once: what @ENV names now
    ancestors = tracker.get_ancestors(model, version)
    descendants = tracker.get_descendants(model, version)
    data = tracker.get_data_lineage(model, version)
    provenance = tracker.get_data_provenance(model, version)
    if json_out:
        context.emit_json({"model_name": model, "version": version, "ancestors": ancestors,
                           "descendants": descendants, "data_lineage": data,
                           "data_provenance": {v: [d.to_dict() for d in ds] for v, ds in provenance.items()}})
        return
    console.print(f"{model} {version}", style="bold", markup=False)
    console.print(f"  ancestors:   {' ← '.join(ancestors) or '(none)'}", markup=False)
    console.print(f"  descendants: {', '.join(descendants) or '(none)'}", markup=False)
    console.print("  training data:", markup=False)
    for v, sources in provenance.items():
        console.print(f"    {v:<12} {', '.join(map(str, sources)) or '-'}", markup=False)
