"""Features: one job each, one package each. They use model, git and core; never the facade or clients."""
