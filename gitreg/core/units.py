"""Byte counts as people read them, in git's binary units (512 B, 1.5 KiB, 3.2 GiB)."""
from __future__ import annotations


def human_size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
