"""Signing: committer identity, signing and signature checks for commits and tags."""
