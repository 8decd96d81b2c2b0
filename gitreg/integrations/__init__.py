"""Integrations: clients of gitreg's facade that plug it into other tools (MLflow, ...).

Each is a package that uses only `gitreg.ModelRegistry` and its records; none touches storage.
"""
