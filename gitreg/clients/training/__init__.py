"""Training repositories that register their own versions (issue #5).

A training repository (an ordinary git work tree) declares in `.gitreg.yaml` what
its runs produce; a post-commit hook registers a version for each commit that
records new results. Reading the training repository happens only here
(`gitrepo`), never in the registry's storage layer; every registry write goes
through `ModelRegistry.register_model`.
"""
