"""Core: names, values, records, references, errors, YAML. Pure Python, no git; every layer may use it."""
