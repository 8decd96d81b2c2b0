"""Human renderings with rich: the seed's list layout, tables, trees."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from gitreg.records import Event, ModelVersion
    from gitreg.verify import VerifyReport

# Metrics where a smaller value is the better one; every other metric: larger is better.
_LOWER_IS_BETTER = ("perplexity", "memory_mb", "latency_ms", "cost_usd", "duration_hours")
_LOWER_HINTS = ("loss", "error", "latency", "perplexity", "_ms", "memory", "cost", "wer", "cer")


def lower_is_better(key: str) -> bool:
    return key in _LOWER_IS_BETTER or any(h in key.lower() for h in _LOWER_HINTS)


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    return str(value)


def human_size(n: int) -> str:
    """1536 -> '1.5 KiB' (binary units, as sizes on disk are)."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def version_line(v: "ModelVersion") -> Text:
    from gitreg.report import version_line as plain

    retired = v.status.value in ("deprecated", "archived")
    return Text(plain(v), style="green" if v.deployed else ("dim" if retired else ""))


def versions_table(versions: list["ModelVersion"]) -> Table:
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col in ("Version", "Status", "Created", "Parent", "Accuracy", "F1", "Deployed", "Tags"):
        table.add_column(col, no_wrap=col in ("Version", "Status", "Created"))
    for v in versions:
        s = v.evaluation_scores
        table.add_row(
            v.version, v.status.value, v.created_at[:19].replace("T", " "),
            v.parent_version or "-", fmt(s.accuracy), fmt(s.f1_score),
            ", ".join(v.environments) or "-", ", ".join(v.tags) or "-",
            style="green" if v.deployed else None,
        )
    return table


def version_detail(v: "ModelVersion") -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()

    def row(label: str, value: Any) -> None:
        if value not in (None, "", [], {}):
            table.add_row(label, fmt(value))

    row("Model", v.model_name)
    row("Version", v.version)
    row("Status", v.status.value)
    row("Created", v.created_at)
    row("Registered by", v.registered_by)
    row("Commit", v.commit)
    row("Parent", v.parent_version)
    row("Base model", v.base_model)
    since = f" (since {v.deployed_at})" if v.deployed_at else ""
    row("Deployed", ", ".join(v.environments) + since if v.deployed else None)
    if v.training:
        for key, value in v.training.to_dict().items():
            if key != "base_model":
                row(f"training.{key}", value)
    for key, value in v.evaluation_scores.flat().items():
        row(f"score.{key}", value)
    for f in v.files:
        size = f" {human_size(f.size_bytes)}" if isinstance(f.size_bytes, int) else ""
        count = f" in {len(f.contents)} files" if f.contents else ""
        where = ", stored" if f.stored else (", not stored" if f.sha256 else "")
        extra = f" ({size.strip()}{count}{where}, sha256 {f.sha256[:16]}…)" if f.sha256 else ""
        row(f"file.{f.role}", f.path + extra)
    row("Training data", v.training_data_sources)
    row("Code commit", v.git_commit)
    row("Training repo", v.extra.get("training_repo"))
    row("Tags", v.tags)
    row("Notes", v.notes)
    return table


def compare_table(a: str, b: str, diff: dict[str, dict[str, Any]]) -> Table:
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col in ("Key", a, b, "Δ", "Better"):
        table.add_column(col, justify="right" if col not in ("Key", "Better") else "left")
    for key, values in diff.items():
        va, vb = values[a], values[b]
        delta, better = "", ""
        numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (va, vb))
        if numeric:
            delta = f"{vb - va:+.6g}"
            if va != vb and key not in ("samples", "epochs", "batch_size", "learning_rate"):
                b_wins = (vb < va) if lower_is_better(key) else (vb > va)
                better = b if b_wins else a
        table.add_row(key, fmt(va), fmt(vb), delta, better)
    return table


def history_table(events: list["Event"]) -> Table:
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col in ("When (UTC)", "Event", "Version", "Env", "Who", "Details"):
        table.add_column(col, no_wrap=col in ("When (UTC)", "Event", "Version"))
    for e in events:
        details = "; ".join(f"{k}={fmt(v)}" for k, v in e.details.items() if v not in (None, ""))
        table.add_row(
            _utc(e.timestamp), e.kind, e.version or "-", e.environment or "-",
            e.actor.split(" <")[0], details,
        )
    return table


def _utc(ts: str) -> str:
    import datetime as dt

    try:
        value = dt.datetime.fromisoformat(ts)
    except ValueError:
        return ts
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
    return value.strftime("%Y-%m-%d %H:%M:%S")



def verify_table(report: "VerifyReport") -> Table:
    """One row per object checked; the problems themselves are listed by verify_problems."""
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col in ("Check", "Object", "Signature", "Signer", "Result"):
        table.add_column(col, no_wrap=col in ("Check", "Signature", "Result"),
                         overflow="fold")
    for c in report.checks:
        if c.signed is None:
            signature = "-"
        elif not c.signed:
            signature = "unsigned"
        else:
            signature = "bad" if any("signature not valid" in p for p in c.problems) else "good"
        result = "FAILED" if c.problems else ("skipped" if c.skipped else "ok")
        table.add_row(
            c.kind, c.subject, signature, c.signer or c.key or "-", result,
            style="red" if c.problems else ("dim" if c.skipped else None),
        )
    return table


def verify_problems(report: "VerifyReport") -> list[str]:
    """'<object>: <problem>' per problem, and why skipped objects were skipped."""
    lines = [f"{c.subject}: {p}" for c in report.checks for p in c.problems]
    lines += [f"{c.subject}: skipped ({c.skipped})" for c in report.checks if c.skipped]
    return lines
