"""Stored artifacts (DESIGN.md 'Stored artifacts (Git LFS)'): the pointer tree of a version,
uploads before a push, and getting a version's files (`get`/`path`) through a cache.

The bytes themselves live in the registry's LFS store (gitreg.git.lfs)."""
