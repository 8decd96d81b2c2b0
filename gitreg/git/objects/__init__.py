"""Objects: notes, object scans and pack writing."""
