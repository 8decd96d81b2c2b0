from __future__ import annotations

from gitreg.clients.cli import context, options
from gitreg.clients.cli.framework import Context


def run(
    ctx: Context,
    model: options.Model,
    json_out: options.Json = False,
    metrics: options.Metrics = None,
) -> None:
    """Show a model: metadata, deployments and versions."""
    reg = context.registry(ctx)
    meta = reg.get_metadata(model)
    # the table shows a few fields of each version: rows (reg.list_rows), unless --json
    versions = reg.list_versions(model) if json_out else reg.list_rows(model)
    latest = reg.get_latest(model).version if versions else None
    live = reg.deployments(model)
    if json_out:
        context.emit_json({
            "metadata": meta.to_dict(), "latest": latest, "deployments": live,
            "versions": [v.to_dict() for v in versions],
        })
        return
    from gitreg.clients.cli import columns
    from gitreg.clients.cli.render import print_versions
    from gitreg.clients.cli.terminal import write

    columns.warn_missing(versions, columns.parse(metrics))
    lines = [f"  {label}: {value}" for label, value in (
        ("Description", meta.description), ("Owner", meta.owner), ("Tags", ", ".join(meta.tags)),
        ("Notes", meta.notes), ("Created", meta.created_at), ("Latest", latest)) if value]
    lines += [f"  Deployed in {env}: {version or '(nothing: undeployed)'}" for env, version in live.items()]
    lines.append(f"  Versions: {len(versions)} ({sum(v.deployed for v in versions)} deployed)")
    if context.plain_stdout():  # no rich off a terminal: the same text
        for line in [f"Model: {model}", *lines, ""]:
            write(line)
    else:
        console = context.out()
        console.print(f"Model: {model}", style="bold", markup=False)
        for line in lines:
            console.print(line, markup=False)
        console.print()
    print_versions(versions, columns.parse(metrics))
