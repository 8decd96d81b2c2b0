"""Refs: the namespace layout, scans, ref transactions and the lock owners that guard them."""
