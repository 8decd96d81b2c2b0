"""One module per command; each exposes `run`, registered by gitreg.cli.main."""
