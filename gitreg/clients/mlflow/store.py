"""GitregStore: MLflow's AbstractStore on a gitreg registry, through the facade only.

MLflow's tracking server calls one store object from many threads; pygit2 objects are
not shared between threads, so each thread gets its own ModelRegistry. Every write is a
gitreg write (compare-and-swap on refs, version numbers claimed exclusively).

MLflow loads this class through plugin.py (the entry point), only for a `gitreg://` URI.
"""
from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from mlflow.entities.model_registry import ModelVersion
from mlflow.entities.model_registry.model_version_stages import STAGE_ARCHIVED
from mlflow.exceptions import MlflowException
from mlflow.prompt.registry_utils import add_prompt_filter_string
from mlflow.protos.databricks_pb2 import (
    BAD_REQUEST,
    INVALID_PARAMETER_VALUE,
    NOT_IMPLEMENTED,
    RESOURCE_ALREADY_EXISTS,
)
from mlflow.store.entities.paged_list import PagedList
from mlflow.store.model_registry import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD,
)
from mlflow.store.model_registry.abstract_store import AbstractStore
from mlflow.utils.search_utils import SearchModelUtils, SearchModelVersionUtils

from gitreg.clients.mlflow import listing, mapping, search
from gitreg.clients.mlflow.errors import not_found, refused, translated
from gitreg.clients.mlflow.listing import MODEL_COLUMNS, Listing
from gitreg.clients.mlflow.mapping import ModelView
from gitreg.clients.mlflow.uri import registry_path
from gitreg.core.errors import GitregError, InvalidNameError, ModelNotFoundError, VersionExistsError
from gitreg.core.records import ModelMetadata
from gitreg.core.records import ModelVersion as GitregVersion

if TYPE_CHECKING:
    from gitreg.api.registry import ModelRegistry

_log = logging.getLogger(__name__)


class GitregStore(AbstractStore):
    """`gitreg:///path/to/registry.git` (or `gitreg://`, the default registry)."""

    def __init__(self, store_uri: Optional[str] = None, tracking_uri: Optional[str] = None) -> None:
        super().__init__(store_uri, tracking_uri)
        self.store_uri = store_uri
        self.tracking_uri = tracking_uri
        self.path = registry_path(store_uri)
        self._threads = threading.local()
        self._links_lock = threading.Lock()
        self._links: Optional[Path] = None

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        for key in ("_threads", "_links_lock", "_links"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._threads = threading.local()
        self._links_lock = threading.Lock()
        self._links = None

    # -- plumbing -----------------------------------------------------------------------
    @property
    def registry(self) -> "ModelRegistry":
        """This thread's registry object (pygit2 repositories are not shared across threads);
        made when a call first needs more than the view index (listing.py): a search answered
        from a current index loads neither the API nor pygit2."""
        registry = getattr(self._threads, "registry", None)
        if registry is None:
            from gitreg.api.registry import ModelRegistry

            registry = self._threads.registry = ModelRegistry(self.path)
        return registry

    def _registry(self) -> "ModelRegistry":
        return self.registry

    def _listed(self, name: str, columns: tuple[str, ...]) -> tuple[Listing, Optional[listing.Indexed]]:
        """The view index's listing of one model, and its entry (None: not indexed, or no such
        model: the caller reads it whole, which raises MLflow's errors). A get answers from it
        as a search does: `models:/m/3` and `models:/m@alias` ask these."""
        with translated():
            listed = Listing(self.path, self._registry, {name}, columns)
        return listed, listed.models.get(name)

    def _view(self, name: str, *, write: bool = False) -> ModelView:
        try:
            with translated():
                view = ModelView.load(self.registry, name)
        except MlflowException as exc:
            if isinstance(exc.__cause__, ModelNotFoundError):  # MLflow's own wording: clients match on it
                raise not_found(f"Registered Model with name={name}") from exc
            raise
        if write and view.unnumbered:
            raise _read_only(name, view.unnumbered)
        return view

    def _writable(self, name: str) -> None:
        """_view(name, write=True)'s checks from the version names alone (no version read)."""
        try:
            with translated():
                names = self.registry.version_names(name)
        except MlflowException as exc:
            if isinstance(exc.__cause__, ModelNotFoundError):
                raise not_found(f"Registered Model with name={name}") from exc
            raise
        unnumbered = [v for v in names if mapping.number(v) is None]
        if unnumbered:
            raise _read_only(name, unnumbered)

    def _version(self, name: str, version: Any, *, write: bool = False) -> tuple[ModelView, GitregVersion]:
        wanted = mapping.gitreg_version(version)
        view = self._view(name, write=write)
        found = view.find(wanted)
        if found is None:
            raise not_found(f"Model Version (name={name}, version={version})")
        return view, found

    def _views(self, only: Optional[set[str]] = None) -> list[ModelView]:
        """Every readable model (or those of `only` that exist: search.names_required); one that
        cannot be read is logged and skipped."""
        views = []
        with translated():
            names = self.registry.list_models() if only is None else sorted(only)
        for name in names:
            try:
                if only is not None and not self.registry.has_model(name):
                    continue  # a name no model has matches nothing
                views.append(ModelView.load(self.registry, name))
            except InvalidNameError:
                continue  # only a filter's name can break the rules: it matches nothing
            except GitregError as exc:
                _log.warning("gitreg: skipping model %r: %s", name, exc)
        return views

    def _model_version(self, name: str, version: str) -> ModelVersion:
        """The MLflow entity of a version just written (read back whole)."""
        view = self._view(name)
        return mapping.model_version(view, view.find(version))

    # -- registered models ----------------------------------------------------------------
    def create_registered_model(self, name, tags=None, description=None, deployment_job_id=None):
        try:
            with translated():
                self.registry.create_model(
                    name, description=description or "",
                    tags=[mapping.tag_text(t.key, t.value) for t in tags or []],
                )
        except MlflowException as exc:
            if isinstance(exc.__cause__, VersionExistsError):  # MLflow's wording, as its stores say it
                raise MlflowException(f"Registered Model (name={name}) already exists.",
                                      RESOURCE_ALREADY_EXISTS) from exc
            raise
        return mapping.registered_model(self._view(name))

    def update_registered_model(self, name, description, deployment_job_id=None):
        self._view(name, write=True)
        with translated():
            self.registry.update_metadata(name, description=description or "")
        return mapping.registered_model(self._view(name))

    def rename_registered_model(self, name, new_name):
        raise refused("Renaming a registered model",
                      f"Register new versions under {new_name!r}; {name!r} and its history stay.")

    def delete_registered_model(self, name):
        raise refused("Deleting a registered model",
                      "Archive its versions (stage Archived) and delete its aliases instead.")

    def search_registered_models(self, filter_string=None, max_results=None, order_by=None, page_token=None):
        search.check_max_results(max_results, SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD)
        only = search.names_required(filter_string, SearchModelUtils)
        with translated():
            listed = Listing(self.path, self._registry, only, MODEL_COLUMNS)
        # MLflow's filter and sort on light entities (name, times, description, tags) from the
        # index; the page's entities are then built whole
        light = [listed.light_model(name) for name in listed.models]
        views = self._views(set(listed.unindexed))
        whole = [mapping.registered_model(view) for view in views]
        tags = {**{name: model.metadata.tags for name, model in listed.models.items()},
                **{view.name: view.metadata.tags for view in views}}
        models = listing.filter_models(light + whole, add_prompt_filter_string(filter_string, is_prompt=False), tags)
        paged = search.page(SearchModelUtils.sort(models, order_by), max_results, page_token)
        built = {id(m): m for m in whole}
        with translated():
            page = [built[id(m)] if id(m) in built else listed.registered_model(m.name) for m in paged]
        return PagedList(page, paged.token)

    def get_registered_model(self, name):
        listed, model = self._listed(name, MODEL_COLUMNS)
        if model is not None:  # from the index, as search_registered_models builds it
            with translated():
                return listed.registered_model(name)
        return mapping.registered_model(self._view(name))

    def get_latest_versions(self, name, stages=None):
        view = self._view(name)
        return [mapping.model_version(view, v) for v in view.latest(mapping.stages(stages))]

    def set_registered_model_tag(self, name, tag):
        view = self._view(name, write=True)
        text = mapping.tag_text(tag.key, tag.value)
        with translated():
            self.registry.update_metadata(
                name, add_tags=[text], remove_tags=mapping.tags_with_key(view.metadata.tags, tag.key))

    def delete_registered_model_tag(self, name, key):
        view = self._view(name, write=True)
        present = mapping.tags_with_key(view.metadata.tags, key)
        if present:
            with translated():
                self.registry.update_metadata(name, remove_tags=present)

    # -- model versions -------------------------------------------------------------------
    def create_model_version(self, name, source, run_id=None, tags=None, run_link=None, description=None,
                             local_model_path=None, model_id=None):
        self._writable(name)
        keys = {"source": source, "run_id": run_id, "run_link": run_link, "model_id": model_id}
        local = _local_dir(source) or _local_dir(local_model_path)
        with translated():
            created = self.registry.register_model(
                name, checkpoint_path=None if local is None else str(local), notes=description or "",
                tags=[mapping.tag_text(t.key, t.value) for t in tags or []],
                extra_keys={mapping.MLFLOW_KEY: {k: str(v) for k, v in keys.items() if v}},  # REST sends ""
            )
        # the version as written (no read of the model back): not deployed, its one event its
        # registration, as MLflow's stores answer a create (last updated = created)
        created_ms = mapping.millis(created.created_at)
        view = ModelView(metadata=ModelMetadata(model_name=name, created_at=""), versions=[created],
                         unnumbered=[], aliases={}, updated={created.version: created_ms})
        return mapping.model_version(view, created)

    def update_model_version(self, name, version, description):
        _, found = self._version(name, version, write=True)
        with translated():
            self.registry.update_notes(name, found.version, description or "")
        return self._model_version(name, found.version)

    def transition_model_version_stage(self, name, version, stage, archive_existing_versions=False):
        """Production/Staging deploy to environment production/staging; Archived undeploys
        from those and sets status archived; None undeploys and restores a retired status."""
        wanted = mapping.stages([stage]).pop()
        view, found = self._version(name, version, write=True)
        registry, reason = self.registry, f"MLflow stage {wanted}"
        with translated():
            if wanted in mapping.STAGE_ENVIRONMENTS:
                env = mapping.STAGE_ENVIRONMENTS[wanted]
                replaced = view.aliases.get(env)
                registry.deploy(name, found.version, environment=env, reason=reason, new_environment=True)
                if archive_existing_versions and replaced not in (None, found.version):
                    _archive_if_undeployed(registry, name, replaced)
            else:
                for env in mapping.STAGE_ENVIRONMENTS.values():
                    if view.aliases.get(env) == found.version:
                        registry.undeploy(name, found.version, environment=env, reason=reason)
                if wanted == STAGE_ARCHIVED:
                    registry.set_status(name, found.version, "archived")
                elif found.status in mapping.RETIRED:
                    registry.set_status(name, found.version, "completed")
        return self._model_version(name, found.version)

    def delete_model_version(self, name, version):
        raise refused("Deleting a model version",
                      "Transition it to the Archived stage (gitreg status archived) instead.")

    def get_model_version(self, name, version):
        wanted = mapping.gitreg_version(version)
        listed, model = self._listed(name, listing.VERSION_COLUMNS)
        if model is not None and wanted in model.numbers:  # as search_model_versions builds it
            with translated():
                return listed.model_versions([(name, wanted)])[0]
        view, found = self._version(name, version)  # not indexed, or no such version: MLflow's errors
        return mapping.model_version(view, found)

    def get_model_version_download_uri(self, name, version):
        wanted = mapping.gitreg_version(version)
        listed, model = self._listed(name, listing.VERSION_COLUMNS)
        if model is not None and wanted in model.numbers:
            with translated():
                found = listed.records(name, [wanted])[wanted]
        else:
            _, found = self._version(name, version)
        source = mapping.optional_text(mapping.mlflow_keys(found).get("source"))
        from gitreg.clients.mlflow import files  # the artifacts feature: only for a download

        return files.download_uri(self.registry, found, source, self._links_root())

    def search_model_versions(self, filter_string=None, max_results=None, order_by=None, page_token=None):
        search.check_max_results(max_results, SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD)
        mlflow_filter, metric_query = search.metric_clauses(filter_string)
        matched = None
        if metric_query:  # gitreg's query language evaluates the metric clauses
            with translated():
                matched = {(v.model_name, v.version) for v in self.registry.search(metric_query)}
        only = search.names_required(mlflow_filter, SearchModelVersionUtils)
        mlflow_filter = add_prompt_filter_string(mlflow_filter, is_prompt=False)
        # MLflow's default order and a filter the listing decides (names, the prompt clause): the
        # page is chosen from the columns' sort keys, with no entity per version
        plain = not order_by and listing.answered(mlflow_filter)
        with translated():
            listed = listing.Listing(self.path, self._registry, only,
                                     listing.ORDER_COLUMNS if plain else listing.VERSION_COLUMNS)
            if plain:
                keyed, total = listed.default_order(matched, prompts=search.PROMPT_CLAUSE in search.clauses(
                    mlflow_filter, SearchModelVersionUtils), first=search.page_end(max_results, page_token))
            else:
                # MLflow's filter and sort on light entities: from the index's columns (or, when the
                # filter reads more, from the records); the page's entities are then built whole
                records = listing.needs_records(mlflow_filter)
                light = [e for name in listed.models for e in listed.light_versions(name, records, matched)]
        pairs = [(view, v) for view in self._views(set(listed.unindexed)) for v in view.versions
                 if matched is None or (view.name, v.version) in matched]
        others = [mapping.model_version(view, v, light=True, made_from=(view, v)) for view, v in pairs]
        if plain:
            rest = [(listing.default_key(e), e.made_from) for e in listing.filter_versions(others, mlflow_filter)]
            paged = search.page_by_key(keyed + rest, max_results, page_token, total + len(rest))
            wanted = list(paged)
        else:
            light += others
            kept = listing.filter_versions(light, mlflow_filter)
            paged = search.page(listing.sort_versions(kept, order_by), max_results, page_token)
            wanted = [e.made_from for e in paged]  # (model name, version) if indexed, else (view, record)
        indexed = [w for w in wanted if isinstance(w[0], str)]
        with translated():
            built = dict(zip(indexed, listed.model_versions(indexed)))
        return PagedList([built[w] if isinstance(w[0], str) else mapping.model_version(*w) for w in wanted],
                         paged.token)

    def set_model_version_tag(self, name, version, tag):
        _, found = self._version(name, version, write=True)
        text = mapping.tag_text(tag.key, tag.value)
        with translated():
            self.registry.change_tags(name, found.version, add=[text],
                                      remove=mapping.tags_with_key(found.tags, tag.key))

    def delete_model_version_tag(self, name, version, key):
        _, found = self._version(name, version, write=True)
        present = mapping.tags_with_key(found.tags, key)
        if present:
            with translated():
                self.registry.change_tags(name, found.version, remove=present)

    # -- aliases = environments -------------------------------------------------------------
    def set_registered_model_alias(self, name, alias, version):
        _, found = self._version(name, version, write=True)
        with translated():
            self.registry.deploy(name, found.version, environment=alias, reason="MLflow alias", new_environment=True)

    def delete_registered_model_alias(self, name, alias):
        view = self._view(name, write=True)
        if alias in view.aliases:
            with translated():
                self.registry.undeploy(name, environment=alias, reason="MLflow alias deleted")

    def get_model_version_by_alias(self, name, alias):
        listed, model = self._listed(name, listing.VERSION_COLUMNS)
        if model is not None and model.view.aliases.get(alias) in model.numbers:
            with translated():
                return listed.model_versions([(name, model.view.aliases[alias])])[0]
        view = self._view(name)
        found = view.find(view.aliases.get(alias, ""))
        if found is None:
            raise MlflowException(f"Registered model alias {alias} not found.", INVALID_PARAMETER_VALUE)
        return mapping.model_version(view, found)

    # -- webhooks: not kept in a git registry (the server asks for them on every write) -----
    def list_webhooks(self, max_results=None, page_token=None):
        return PagedList([], None)

    def list_webhooks_by_event(self, event, max_results=None, page_token=None):
        return PagedList([], None)

    def create_webhook(self, *args, **kwargs):
        raise MlflowException("webhooks are not kept in a gitreg registry; use git hooks on the "
                              "registry or a CI job on its remote", NOT_IMPLEMENTED)

    def _links_root(self) -> Path:
        """A private directory (0700) for the per-version download directories (files.download_uri)."""
        with self._links_lock:
            if self._links is None:
                self._links = Path(tempfile.mkdtemp(prefix="gitreg-mlflow-"))
                atexit.register(shutil.rmtree, self._links, True)
            return self._links


def _read_only(name: str, unnumbered: list[str]) -> MlflowException:
    return MlflowException(
        f"registered model {name!r} is read-only through MLflow: its versions "
        f"{', '.join(unnumbered[:5])} are not MLflow version numbers (v<int>); change it with gitreg",
        BAD_REQUEST,
    )


def _archive_if_undeployed(registry: "ModelRegistry", name: str, version: str) -> None:
    """archive_existing_versions: the replaced version, unless another environment runs it."""
    if not [env for env, v in registry.deployments(name).items() if v == version]:
        registry.set_status(name, version, "archived")


def _local_dir(location: Optional[str]) -> Optional[Path]:
    """A source that is a local path (or file:// URI) that exists, made absolute."""
    if not location:
        return None
    if location.startswith("file://"):
        location = location[len("file://"):]
    elif "://" in location or location.startswith(("runs:", "models:")):
        return None
    path = Path(location).expanduser()
    return path.resolve() if path.exists() else None


__all__ = ["GitregStore"]
