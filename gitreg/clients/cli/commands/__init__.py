"""One module per command; each exposes `run`, registered by gitreg.clients.cli.main."""
