"""The columns of the view caches and of the registry-wide view index, in their stored order
(part of both formats: docs/storage.md). Defined apart from the query language, which gives
them their meaning (features/query/fields.py), so that a reader of the index alone (`gitreg
list`) does not load it."""
from __future__ import annotations

TRAINING_NUMBERS = ("samples", "epochs", "batch_size", "learning_rate", "duration_hours", "cost_usd")
# The stored part of a view (without deployment state, commit and metrics): the view cache
# keeps each version's values as one array in this order.
STORED_COLUMNS = (
    "model", "version", "created", "created_ts", "status", "registered_status", "base_model",
    "framework", "hardware", "parent", "training_data", "tag", "notes", "git_commit",
    "registered_by", "training_repo", *TRAINING_NUMBERS,
)
# Every key of a current view but its metrics: the columns of the registry-wide index ...
VIEW_KEYS = (*STORED_COLUMNS, "commit", "environment", "deployed", "deployed_at", "deployed_at_ts")
# ... plus, not a field of the view: `updated`, the epoch milliseconds of the newest event of
# each version in its model's history (what MLflow calls a version's last-updated time).
UPDATED = "updated"
INDEX_COLUMNS = (*VIEW_KEYS, UPDATED)
PARAMS_PREFIX = "params."  # a param is kept among the metrics as params.<name>
