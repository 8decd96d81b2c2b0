"""Later changes to a version (status, tags, notes, late scores) recorded as git notes."""
