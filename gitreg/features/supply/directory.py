"""One directory holding a version, in a layout (supply/layouts.py), with its model.sig.

`gitreg` is the layout `get -o DIR` always wrote; `hf` puts every file at the top (a stored
directory's files at their own paths) plus a README.md model card, so that
`from_pretrained(DIR)`, `PeftModel.from_pretrained(base, DIR)` and `llama-cli -m DIR/x.gguf`
take it (the card is left out when an imported signature does not skip README.md).
Without a destination the hf layout is a snapshot of links in the cache,
`<cache>/snapshots-hf/<commit>/`, beside the `snapshots/<commit>/` of the gitreg layout.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from gitreg.core.records import ModelVersion
from gitreg.features.artifacts import get, place
from gitreg.features.supply import hf, layouts, oms
from gitreg.git.repository import Store


def write(store: Optional[Store], v: ModelVersion, dest: Optional[Path], layout: str, role: Optional[str] = None,
          *, progress=None, transfer_progress: bool = False) -> Path:
    """Write the version's files (of one role) into dest in `layout`; returns the directory."""
    where = f"{v.model_name}/{v.version}:manifest.yaml"
    files = layouts.manifest_files(v, layouts.check_layout(layout), role)  # clashes refused before any byte moves
    sources = get.sources(store, v, role, progress=progress, transfer_progress=transfer_progress)
    assert store is not None  # get.sources refused a missing registry
    root = dest if dest is not None else get.registry_cache(store.path) / f"snapshots-{layout}" / v.commit
    for s in sources:
        parts = layouts.target(s.entry, s.parts, layout, where)
        if dest is None and s.checked:
            place.link(s.path.resolve(), root, parts)
        elif s.checked:
            place.copy_fast(s.path, root, parts)
        else:
            place.copy_checked(s.path, root, parts, s.sha256, progress)
    if layout == "hf" and layouts.CARD not in files and oms.card_allowed(store, v):
        place.write_bytes(root, (layouts.CARD,), hf.card(v))
    if dest is not None and role is None:  # a signature covers the whole version
        oms.write_signature(store, v, layout, root)
    return root
