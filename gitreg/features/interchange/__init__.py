"""Moving to and from the JSON-file registry: registry.json / lineage.json import and export.

schema.py reads and checks the files (every problem, with its JSON path), importer.py
plans and writes them through the ordinary write paths, exporter.py writes them back.
"""
