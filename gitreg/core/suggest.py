"""Did-you-mean: close known names for a name that is not known (typos of models, environments)."""
from __future__ import annotations


def similar_names(name: str, known: list[str]) -> list[str]:
    """Known names close to `name`, closest first, ignoring case."""
    import difflib  # only when a name is unknown: not a read's start-up cost

    by_lower = {k.lower(): k for k in known if k != name}
    return [by_lower[c] for c in difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.7)]


def did_you_mean(name: str, known: list[str]) -> str:
    """' (did you mean 'majora'?)' for a close known name, else ''."""
    close = similar_names(name, known)
    return f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
