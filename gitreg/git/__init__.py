"""The git layer: the only code that touches refs, objects, locks, transport, signing, LFS and caches."""
