"""Registering a version: manifest, commit, annotated tag, in one ref transaction."""
