"""Caches and indexes kept beside the repository (trusted only after a check)."""
