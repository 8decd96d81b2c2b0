"""Offline bundles: models, deployments, notes and their weights in one checked file."""
