"""Transport: remotes, the pending-push records, push plans."""
