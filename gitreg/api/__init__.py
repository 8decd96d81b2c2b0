"""The facade: ModelRegistry and LineageTracker, thin methods that resolve a reference and call a feature."""
