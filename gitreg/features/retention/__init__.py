"""Retention: gc (purge the bytes of retired versions, recorded append-only) and du (storage accounting)."""
