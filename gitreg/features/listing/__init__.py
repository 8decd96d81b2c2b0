"""Listings of every model (`gitreg list`) answered from the registry-wide view index (fromindex.py)."""
