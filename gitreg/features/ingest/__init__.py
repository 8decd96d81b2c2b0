"""Training outputs in: metrics and parameters from the files training tools write.

Readers for lm-evaluation-harness `results*.json`, HF Trainer `all_results.json`,
`eval_results.json`, `trainer_state.json` and `training_args.json`, and plain JSON/YAML.
They turn a file into the mappings `register_model` / `update_evaluation_scores` take,
and say what they skipped (never fatal for one odd field).
"""
from gitreg.features.ingest.curves import read_curves, read_curves_file
from gitreg.features.ingest.metrics import FORMATS, MetricsRead, read_metrics, read_metrics_file
from gitreg.features.ingest.params import ParamsRead, read_params, read_params_file

__all__ = [
    "FORMATS", "MetricsRead", "ParamsRead", "read_metrics", "read_metrics_file",
    "read_params", "read_params_file", "read_curves", "read_curves_file",
]
