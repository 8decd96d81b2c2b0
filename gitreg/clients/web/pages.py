"""What each page shows, as records built from the facade's records (no storage access).

A `Catalog` is one consistent read of the registry for a run: the static build
reads every model once; the server makes a new one per request (so it sees every
new ref) and reads one page's versions at a time, so a 100,000-version model never
loads whole for a page of 100 rows.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Optional, Sequence

from markupsafe import Markup

from gitreg.api.lineage import LineageTracker
from gitreg.api.registry import ModelRegistry
from gitreg.clients.web import svg, text, urls
from gitreg.core.audit_records import Deployment, SignatureBlock
from gitreg.core.errors import GitregError
from gitreg.core.records import RETIRED_STATUSES, ModelVersion
from gitreg.core.urls import has_scheme
from gitreg.core.values import describe_metric_info

PAGE_SIZE = 100  # versions per page of a model's table
WINDOW = 500  # versions per chart / lineage page (one point or node per version)
MAX_METRIC_COLUMNS = 16
MAX_PROBLEMS = 200  # listed on one page
MAX_ANCESTORS = 10  # the lineage page has the rest


# -- the page records ------------------------------------------------------------------
@dataclass
class EnvBadge:
    environment: str
    version: Optional[str]
    href: Optional[str]


@dataclass
class ModelRow:
    name: str
    href: str
    versions: int = 0
    latest: Optional[str] = None
    latest_href: Optional[str] = None
    latest_status: str = ""
    updated: str = ""
    description: str = ""
    owner: str = ""
    environments: list[EnvBadge] = field(default_factory=list)
    problem: Optional[str] = None


@dataclass
class IndexPage:
    models: list[ModelRow]
    problems: list[str] = field(default_factory=list)  # bad objects skipped while reading
    title: str = "Models"


@dataclass
class PageLink:
    number: int
    href: str
    current: bool


@dataclass
class Pager:
    page: int
    pages: int
    total: int
    first: int  # 1-based numbers of the rows shown, for "versions 101-200 of 100000"
    last: int
    prev_href: Optional[str]
    next_href: Optional[str]
    links: list[PageLink]


@dataclass
class VersionRow:
    version: str
    href: str
    created_at: str
    registered_by: str
    status: str
    environments: list[str]
    tags: list[str]
    metrics: list[str]  # one per ModelPage.metric_names ('' where absent)


@dataclass
class ModelPage:
    model: str
    description: str
    owner: str
    tags: list[str]
    environments: list[EnvBadge]
    metric_names: list[str]
    rows: list[VersionRow]
    pager: Pager
    nav: "ModelNav"
    problems: list[str] = field(default_factory=list)
    served: bool = False  # the diff form needs the server
    version_names: list[str] = field(default_factory=list)  # for the diff form (served only)
    title: str = ""


@dataclass
class ModelNav:
    model: str
    versions_href: str
    metrics_href: str
    lineage_href: str
    deployments_href: str
    current: str


@dataclass
class FileRow:
    role: str
    path: str
    size: str
    size_bytes: Optional[int]
    sha256: str
    stored: Optional[str]  # 'lfs' when the bytes are in the registry (DESIGN.md Stored artifacts)
    contents: list["FileRow"] = field(default_factory=list)
    purged: Optional[str] = None  # "bytes purged on <date> by <who>: <why>" (gitreg gc)


@dataclass
class DiffRow:
    key: str
    a: str
    b: str
    changed: bool


@dataclass
class LineageLink:
    label: str
    href: Optional[str]


@dataclass
class SignatureRow:
    """One signed object of a version as recorded in it (kind and key from the block): unverified."""
    what: str  # "tag majora/v1", "commit 1a2b3c4d5e6f"
    kind: Optional[str]  # ssh / openpgp / x509 / unknown; None: unsigned
    key: Optional[str]


@dataclass
class ApprovalRow:
    """One approval record as written (approver = its commit's author; unverified here)."""
    version: str
    href: Optional[str]
    environment: str
    approver: str
    time: str
    reason: str
    commit: str


@dataclass
class VersionPage:
    model: str
    version: str
    status: str
    environments: list[EnvBadge]
    summary: list[tuple[str, str]]
    metrics: list[tuple[str, str]]
    training: list[tuple[str, str]]
    files: list[FileRow]
    tags: list[str]
    notes: str
    data_sources: list[str]
    card: Optional[Markup]
    card_problem: Optional[str]
    card_metadata: list[tuple[str, str]]  # the card's front matter (base_model, datasets, license, ...)
    parent: Optional[LineageLink]
    ancestors: list[LineageLink]
    children: list[LineageLink]
    previous: Optional[LineageLink]
    diff: list[DiffRow]
    audit: list[tuple[str, str]]
    nav: ModelNav
    signatures: list[SignatureRow] = field(default_factory=list)
    verify: list[str] = field(default_factory=list)  # the commands that do check the signatures
    title: str = ""
    curves: list[Chart] = field(default_factory=list)  # the training history, one chart per series
    approvals: list[ApprovalRow] = field(default_factory=list)  # of this version, oldest first


@dataclass
class Chart:
    metric: str
    svg: Markup
    points: int


@dataclass
class ChartPage:
    model: str
    charts: list[Chart]
    pager: Pager
    nav: ModelNav
    title: str = ""


@dataclass
class LineagePage:
    model: str
    svg: Markup
    edges: list[tuple[LineageLink, LineageLink]]  # (child, parent)
    pager: Pager
    nav: ModelNav
    title: str = ""


@dataclass
class Span:
    action: str
    version: Optional[str]
    href: Optional[str]
    since: str
    until: str  # '' while it is what runs now
    previous: str
    by: str
    reason: str


@dataclass
class Timeline:
    environment: str
    current: Optional[str]
    current_href: Optional[str]
    spans: list[Span]  # newest first


@dataclass
class DeploymentsPage:
    model: str
    timelines: list[Timeline]
    nav: ModelNav
    title: str = ""
    approvals: list[ApprovalRow] = field(default_factory=list)  # of every version, newest first


@dataclass
class DiffPage:
    model: str
    a: str
    b: str
    rows: list[DiffRow]
    version_names: list[str]
    nav: ModelNav
    title: str = ""
    curves: list[Chart] = field(default_factory=list)  # both versions' curves overlaid, per series


# -- reading -----------------------------------------------------------------------------
def _qualify(model: str, version: str, relative_to: str) -> str:
    return version if model == relative_to else f"{model}:{version}"


def _split(ref: str, model: str) -> tuple[str, str]:
    """'v2' -> (model, 'v2'); 'other:v3' -> ('other', 'v3') (LineageTracker's parent spelling)."""
    return tuple(ref.split(":", 1)) if ":" in ref else (model, ref)  # type: ignore[return-value]


class Catalog:
    """One read of the registry through the facade; `preload` reads every version up front (the build)."""

    def __init__(self, registry: ModelRegistry, *, preload: bool = False) -> None:
        self.registry = registry
        self.tracker = LineageTracker(registry.path)
        self.tracker.registry = registry  # one store (and its caches) for both
        self.preload = preload
        self._records: dict[str, dict[str, ModelVersion]] = {}
        self._names: dict[str, list[str]] = {}
        self._parents: Optional[dict[tuple[str, str], tuple[str, str]]] = None
        self._children: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._flat: dict[tuple[str, str], dict[str, str]] = {}
        self._deploy: dict[str, dict[str, Optional[str]]] = {}
        self._approvals: dict[str, list[ApprovalRow]] = {}
        self.models = registry.list_models()

    def names(self, model: str) -> list[str]:
        if model not in self._names:
            if self.preload:
                records = self.registry.list_versions(model)
                self._records[model] = {r.version: r for r in records}
                self._names[model] = [r.version for r in records]
            else:
                self._names[model] = self.registry.version_names(model)
        return self._names[model]

    def records(self, model: str, names: Sequence[str]) -> list[ModelVersion]:
        self.names(model)
        have = self._records.setdefault(model, {})
        missing = [n for n in names if n not in have]
        if missing:
            for record in self.registry.get_versions(model, missing):
                have[record.version] = record
        return [have[n] for n in names if n in have]  # a version that cannot be read is left out

    def record(self, model: str, version: str) -> ModelVersion:
        found = self.records(model, [version]) if version in self.names(model) else []
        return found[0] if found else self.registry.get_version(model, version)  # raises the clear error

    def deployments(self, model: str) -> dict[str, Optional[str]]:
        if model not in self._deploy:
            self._deploy[model] = self.registry.deployments(model)
        return self._deploy[model]

    def approvals(self, model: str) -> list[ApprovalRow]:
        """The model's approvals, oldest first, read once (a bad record is a problem, the rest shown)."""
        if model not in self._approvals:
            names = set(self.names(model))
            self._approvals[model] = [
                ApprovalRow(a.version, urls.version(model, a.version) if a.version in names else None,
                            a.environment, a.approver, a.time, a.reason or "", a.commit[:12])
                for a in self.registry.approvals(model)]
        return self._approvals[model]

    def parents(self) -> dict[tuple[str, str], tuple[str, str]]:
        """{(model, version): (parent model, parent version)} across the registry; a model that
        cannot be read is left out (its own pages say why)."""
        if self._parents is None:
            self._parents = {}
            for model in self.models:
                try:
                    parents = self.tracker.get_parents(model)
                except GitregError:
                    continue
                for version, parent in parents.items():
                    if parent:
                        up = _split(parent, model)
                        self._parents[(model, version)] = up
                        self._children.setdefault(up, []).append((model, version))
        return self._parents

    def children(self, model: str, version: str) -> list[tuple[str, str]]:
        self.parents()
        return self._children.get((model, version), [])

    def flat(self, record: ModelVersion) -> dict[str, str]:
        """The record's fields as 'a.b' -> text (what the diff compares), computed once per version."""
        key = (record.model_name, record.version)
        if key not in self._flat:
            out: dict[str, str] = {}
            _flatten(_fields(record), "", out)
            self._flat[key] = out
        return self._flat[key]

    def problems(self, model: Optional[str] = None) -> list[str]:
        """What the reads so far skipped (a bad tag, note, manifest), each naming its ref; of one model."""
        found = self.registry.problems
        return [str(p) for p in found if model is None or model in p.ref.split("/")[2:]][:MAX_PROBLEMS]

    def model_parents(self, model: str) -> dict[str, Optional[str]]:
        return self.tracker.get_parents(model)


# -- building pages -------------------------------------------------------------------------
def _badges(catalog: Catalog, model: str) -> list[EnvBadge]:
    return [EnvBadge(env, v, urls.version(model, v) if v else None)
            for env, v in sorted(catalog.deployments(model).items())]


def _nav(model: str, current: str) -> ModelNav:
    return ModelNav(model, urls.model(model), urls.metrics(model), urls.lineage(model),
                    urls.deployments(model), current)


def _latest(records: Sequence[ModelVersion]) -> Optional[ModelVersion]:
    """As ModelRegistry.get_latest: the highest version not retired, else the highest."""
    for record in reversed(records):
        if record.status not in RETIRED_STATUSES:
            return record
    return records[-1] if records else None


def index_page(catalog: Catalog) -> IndexPage:
    rows = []
    for model in catalog.models:
        row = ModelRow(model, urls.model(model))
        try:
            names = catalog.names(model)
            row.versions = len(names)
            if catalog.preload:
                latest = _latest(catalog.records(model, names))
            else:
                latest = catalog.registry.get_latest(model) if names else None
            if latest is not None:
                row.latest, row.latest_href = latest.version, urls.version(model, latest.version)
                row.latest_status, row.updated = latest.status.value, latest.created_at
            meta = catalog.registry.get_metadata(model)
            row.description, row.owner = meta.description, meta.owner
            row.environments = _badges(catalog, model)
        except GitregError as exc:
            row.problem = str(exc)
        rows.append(row)
    return IndexPage(rows, catalog.problems())


def pager(total: int, page: int, size: int, href) -> Pager:
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    numbers = sorted({1, pages, *range(max(1, page - 3), min(pages, page + 3) + 1)})
    return Pager(
        page, pages, total, first=min(total, (page - 1) * size + 1), last=min(total, page * size),
        prev_href=href(page - 1) if page > 1 else None, next_href=href(page + 1) if page < pages else None,
        links=[PageLink(n, href(n), n == page) for n in numbers],
    )


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))


def _newest_first(names: Sequence[str], page: int, size: int) -> list[str]:
    """Page `page` (1-based) of the names, newest first."""
    end = len(names) - (page - 1) * size
    return list(reversed(names[max(0, end - size):max(0, end)]))


def _window(names: Sequence[str], page: int) -> list[str]:
    """Page `page` of the chart/lineage windows: page 1 is the newest WINDOW versions, oldest first."""
    return list(reversed(_newest_first(names, page, WINDOW)))


def model_page(catalog: Catalog, model: str, page: int = 1, *, served: bool = False) -> ModelPage:
    names = catalog.names(model)
    page = min(max(page, 1), page_count(len(names), PAGE_SIZE))
    records = catalog.records(model, _newest_first(names, page, PAGE_SIZE))
    metric_names: list[str] = []
    flats = [r.evaluation_scores.flat() for r in records]
    for flat in flats:
        for key in flat:
            if key not in metric_names and len(metric_names) < MAX_METRIC_COLUMNS:
                metric_names.append(key)
    rows = [
        VersionRow(r.version, urls.version(model, r.version), r.created_at, r.registered_by or "",
                   r.status.value, list(r.environments), list(r.tags),
                   [text.number(flat[m]) if m in flat else "" for m in metric_names])
        for r, flat in zip(records, flats)
    ]
    meta = catalog.registry.get_metadata(model)
    return ModelPage(
        model, meta.description, meta.owner, list(meta.tags), _badges(catalog, model), metric_names, rows,
        pager(len(names), page, PAGE_SIZE, lambda n: urls.model(model, n)), _nav(model, "versions"),
        problems=catalog.problems(model),
        served=served, version_names=list(names) if served and len(names) <= 2000 else [],
        title=f"{model}: versions",
    )


def _files(record: ModelVersion) -> list[FileRow]:
    """Today's ArtifactFile, and the keys other records add (`stored`, `contents`) when present."""
    rows = []
    for f in record.files:
        d = f.to_dict()
        for key in ("stored", "contents"):  # attributes of newer records not yet in to_dict
            if key not in d and getattr(f, key, None) is not None:
                d[key] = getattr(f, key)
        row = _file_row(d, d.get("role", ""))
        gone = [p for p in getattr(record, "purged", []) if p.sha256 in
                {f.sha256, *(c.sha256 for c in f.contents or [])}]
        if gone:
            row.purged = f"bytes purged on {gone[0].purged_at[:10]} by {gone[0].purged_by}: {gone[0].reason}"
        rows.append(row)
    return rows


def _shown_path(path: str, role: str, stored: Any) -> str:
    """Where a reader of the page finds a file: a stored one in the version's tree
    (artifacts/<role>/<name>), a URI as recorded, a local path by its name only (the
    registering machine's directories say nothing here; `gitreg show` has them)."""
    if has_scheme(path):
        return path
    name = PurePosixPath(path.replace("\\", "/")).name or path
    return f"artifacts/{role}/{name}" if stored else name


def _file_row(d: Any, role: str, inside: bool = False) -> FileRow:
    """A file (or, `inside`, a file of a recorded directory: its path is relative already)."""
    if not isinstance(d, dict):
        d = {"path": str(d)}
    size = d.get("size_bytes")
    contents = d.get("contents") if isinstance(d.get("contents"), list) else []
    stored = d.get("stored")
    role = str(d.get("role", role))
    return FileRow(
        role=role, path=str(d.get("path", "")) if inside else _shown_path(str(d.get("path", "")), role, stored),
        size=text.size(size),
        size_bytes=size if isinstance(size, int) else None, sha256=str(d.get("sha256") or ""),
        stored=str(stored) if stored else None,
        contents=[_file_row(c, role, inside=True) for c in contents[:1000]],
    )


_OWN = ("model_name", "version", "training", "evaluation_scores", "files", "extra")


def _fields(r: ModelVersion) -> dict[str, Any]:
    """The record's fields for the diff (to_dict's content, without its deep copies: one per page)."""
    out = {k: v for k, v in vars(r).items() if k not in _OWN and not k.startswith("_")}
    out["training"] = vars(r.training) if r.training else None
    out["evaluation_scores"] = r.evaluation_scores.flat()
    out["files"] = [f.to_dict() for f in r.files]
    out.update(r.extra)
    return out


def _flatten(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        for i, v in enumerate(value):
            _flatten(v, f"{prefix}[{i}]", out)
    elif isinstance(value, list):
        out[prefix] = ", ".join(map(str, value))
    elif value is not None and value != "":
        out[prefix] = text.number(value) if isinstance(value, float) else str(value)  # enums: their value


def diff_rows(catalog: Catalog, a: ModelVersion, b: ModelVersion, *, only_changed: bool) -> list[DiffRow]:
    """Every field of the two records (as `show --json` has them), side by side."""
    fa, fb = catalog.flat(a), catalog.flat(b)
    keys = list(fa) + [k for k in fb if k not in fa]
    rows = [DiffRow(k, fa.get(k, ""), fb.get(k, ""), fa.get(k) != fb.get(k)) for k in keys]
    return [r for r in rows if r.changed] if only_changed else rows


def _link(catalog: Catalog, model: str, version: str, relative_to: str) -> LineageLink:
    href = urls.version(model, version) if model in catalog.models else None
    return LineageLink(_qualify(model, version, relative_to), href)


def _audit(model: str, version: str, envs: Sequence[str]) -> list[tuple[str, str]]:
    tag = f"{model}/{version}"
    out = [
        ("the manifest as registered", f"git show {tag}:manifest.yaml"),
        ("the tag and its signature", f"git tag -v {tag}"),
        ("lineage back to the model's root", f"git log --first-parent --format='%h %an %ad %s' {tag}"),
        ("what changed from its parent", f"git show --stat {tag}"),
        ("later changes (scores, status, tags, notes)", f"git notes --ref=gitreg/{model} show {tag}^{{commit}}"),
    ]
    out += [(f"deployment history in {env}", f"git log refs/deployed/{env}/{model}") for env in envs]
    out.append(("all of it, checked by gitreg", f"gitreg verify {model}:{version}"))
    return out


def _signatures(catalog: Catalog, record: ModelVersion) -> list[SignatureRow]:
    found = catalog.registry.signature(record.model_name, record.version)
    return [SignatureRow(f"tag {record.model_name}/{record.version}", *_kind_key(found.tag)),
            SignatureRow(f"commit {record.commit[:12]}", *_kind_key(found.commit))]


def _kind_key(block: Optional[SignatureBlock]) -> tuple[Optional[str], Optional[str]]:
    return (block.kind, block.key) if block is not None else (None, None)


def version_page(catalog: Catalog, model: str, version: str) -> VersionPage:
    record = catalog.record(model, version)
    names = catalog.names(model)
    scores = record.evaluation_scores.flat()
    training = record.training.to_dict() if record.training else {}
    summary = [("registered", record.created_at), ("by", record.registered_by or ""),
               ("status at registration", record.registered_status.value),
               ("base model", record.base_model or ""), ("training code commit", record.git_commit or ""),
               ("version commit", record.commit)]
    summary += [(str(k).replace("_", " "), json.dumps(v) if not isinstance(v, str) else v)
                for k, v in record.extra.items() if k not in ("contents", "stored")]
    parents = catalog.parents()
    up = parents.get((model, version))
    ancestors: list[LineageLink] = []
    seen = {(model, version)}
    at = up
    while at is not None and at not in seen and len(ancestors) < MAX_ANCESTORS:
        seen.add(at)
        ancestors.append(_link(catalog, at[0], at[1], model))
        at = parents.get(at)
    children = [_link(catalog, m, v, model) for m, v in catalog.children(model, version)]
    i = names.index(version)
    previous = names[i - 1] if i > 0 else None
    card: Optional[Markup] = None
    card_problem: Optional[str] = None
    card_metadata: list[tuple[str, str]] = []
    try:
        found = record.card  # gitreg.model.cards.ModelCard, read now (a list of versions reads none)
    except GitregError as exc:
        found, card_problem = None, str(exc)
    if found is not None:
        card = text.markdown(found.text)
        card_problem = found.problem
        card_metadata = [(str(k), v if isinstance(v, str) else json.dumps(v, default=str))
                         for k, v in found.metadata.items()]
    return VersionPage(
        model, version, record.status.value, [b for b in _badges(catalog, model) if b.version == version],
        summary=[(k, v) for k, v in summary if v],
        metrics=[(k, _metric_text(v, record.metric_info.get(k, {}))) for k, v in scores.items()],
        training=[(k.replace("_", " "), text.number(v)) for k, v in training.items() if v is not None]
        + [(f"params.{k}", _param_text(v)) for k, v in record.params.items()],
        curves=curve_charts([(version, record)]),
        files=_files(record), tags=list(record.tags), notes=record.notes,
        data_sources=list(record.training_data_sources), card=card, card_problem=card_problem,
        card_metadata=card_metadata,
        parent=ancestors[0] if ancestors else None, ancestors=ancestors, children=children,
        previous=LineageLink(previous, urls.version(model, previous)) if previous else None,
        diff=diff_rows(catalog, catalog.record(model, previous), record, only_changed=True) if previous else [],
        audit=_audit(model, version, record.environments),
        nav=_nav(model, "version"), title=f"{model} {version}",
        signatures=_signatures(catalog, record),
        verify=[f"git tag -v {model}/{version}", f"gitreg verify {model}:{version}"],
        approvals=[a for a in catalog.approvals(model) if a.version == version],
    )


def chart_page(catalog: Catalog, model: str, page: int = 1) -> ChartPage:
    names = catalog.names(model)
    page = min(max(page, 1), page_count(len(names), WINDOW))
    records = catalog.records(model, _window(names, page))
    series: dict[str, list[tuple[str, float, str]]] = {}
    for r in records:
        for metric, value in r.evaluation_scores.flat().items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                series.setdefault(metric, []).append((r.version, float(value), urls.version(model, r.version)))
    charts = [Chart(m, svg.metric_chart(m, pts), len(pts)) for m, pts in list(series.items())[:MAX_METRIC_COLUMNS]]
    return ChartPage(model, charts, pager(len(names), page, WINDOW, lambda n: urls.metrics(model, n)),
                     _nav(model, "metrics"), title=f"{model}: metrics")


def lineage_page(catalog: Catalog, model: str, page: int = 1) -> LineagePage:
    names = catalog.names(model)
    page = min(max(page, 1), page_count(len(names), WINDOW))
    window = _window(names, page)
    parents = catalog.model_parents(model)
    in_window = set(window)
    outside: list[str] = []
    edges: list[tuple[str, str]] = []
    for v in window:
        parent = parents.get(v)
        if parent:
            edges.append((parent, v))
            if parent not in in_window and parent not in outside:
                outside.append(parent)

    def node(key: str, external: bool) -> svg.Node:
        m, v = _split(key, model)
        return svg.Node(key, key, urls.version(m, v) if m in catalog.models else None, external)

    nodes = [node(k, True) for k in outside] + [node(v, False) for v in window]
    links = {n.key: LineageLink(n.label, n.href) for n in nodes}
    return LineagePage(
        model, svg.lineage_graph(nodes, edges), [(links[c], links[p]) for p, c in edges],
        pager(len(names), page, WINDOW, lambda n: urls.lineage(model, n)), _nav(model, "lineage"),
        title=f"{model}: lineage",
    )


def _spans(model: str, history: Sequence[Deployment]) -> list[Span]:
    spans = []
    for i, d in enumerate(history):
        until = history[i + 1].deployed_at if i + 1 < len(history) else ""
        spans.append(Span(d.action, d.version, urls.version(model, d.version) if d.version else None,
                          d.deployed_at, until, d.previous_version or "", d.deployed_by, d.reason))
    return list(reversed(spans))


def deployments_page(catalog: Catalog, model: str) -> DeploymentsPage:
    timelines = []
    for env, current in sorted(catalog.deployments(model).items()):
        history = catalog.registry.deployment_history(model, env)
        timelines.append(Timeline(env, current, urls.version(model, current) if current else None,
                                  _spans(model, history)))
    return DeploymentsPage(model, timelines, _nav(model, "deployments"), title=f"{model}: deployments",
                           approvals=catalog.approvals(model)[::-1])


def diff_page(catalog: Catalog, model: str, a: str, b: str) -> DiffPage:
    names = catalog.names(model)
    rows = diff_rows(catalog, catalog.record(model, a), catalog.record(model, b), only_changed=False)
    return DiffPage(model, a, b, rows, list(names) if len(names) <= 2000 else [], _nav(model, "diff"),
                    title=f"{model}: {a} vs {b}",
                    curves=curve_charts([(a, catalog.record(model, a)), (b, catalog.record(model, b))]))


MAX_CURVE_CHARTS = 12


def curve_charts(records: list[tuple[str, ModelVersion]]) -> list[Chart]:
    """One chart per curve series any of the records has, their lines laid over each other."""
    loaded = [(label, r.curves) for label, r in records]
    names: list[str] = []
    for _, curves in loaded:
        names += [c for c in (curves.columns if curves else []) if c not in names]
    charts = []
    for name in names[:MAX_CURVE_CHARTS]:
        series = [(label, c.series(name)) for label, c in loaded if c and name in c.columns]
        charts.append(Chart(name, svg.curve_chart(name, series), sum(len(p) for _, p in series)))
    return charts


def _metric_text(value: Any, info: dict[str, Any]) -> str:
    """'0.4712 ± 0.0041 (higher is better, lm-eval)': a metric with its recorded meaning."""
    out = text.number(value) + (f" ± {text.number(info['stderr'])}" if "stderr" in info else "")
    said = describe_metric_info(info)
    return out + (f" ({said})" if said else "")


def _param_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return text.number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
