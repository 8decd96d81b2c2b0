"""Sharing a registry: fetch/integrate/push with remotes, and retrying a write that raced."""
