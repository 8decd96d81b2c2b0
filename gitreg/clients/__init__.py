"""Clients of the facade: the CLI, the web view, the MLflow store, the training hook.

Each uses `gitreg.api` (ModelRegistry, LineageTracker) and the records it renders.
"""
