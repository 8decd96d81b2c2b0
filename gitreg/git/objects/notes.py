"""Git notes trees, read and written the way `git notes` does.

A notes ref points at a commit whose tree maps annotated object ids to note
blobs, flat (`<40 hex>`) or fanned out (`ab/<38 hex>`, deeper for huge sets).
We read every layout and keep a note where it already is, so our commits and
`git notes add` can take turns on the same ref.
"""
from __future__ import annotations

import pygit2

_HEX = set("0123456789abcdef")


def read_all(repo: pygit2.Repository, tree: pygit2.Tree) -> dict[str, pygit2.Oid]:
    """{annotated object hex: note blob id}, fanout flattened."""
    out: dict[str, pygit2.Oid] = {}

    def visit(t: pygit2.Tree, prefix: str) -> None:
        for entry in t:
            name = entry.name
            if entry.type_str == "tree" and len(name) == 2 and set(name) <= _HEX:
                visit(repo[entry.id], prefix + name)
            elif entry.type_str == "blob":
                out[prefix + name] = entry.id

    visit(tree, "")
    return out


def _find(repo: pygit2.Repository, tree: pygit2.Tree | None, hexid: str) -> list[str]:
    """Path components where the note of hexid lives, or the flat path if none."""
    path: list[str] = []
    rest = hexid
    t = tree
    while t is not None and rest:
        if rest in t:
            return path + [rest]
        head = rest[:2]
        if head in t and t[head].type_str == "tree":
            path.append(head)
            t = repo[t[head].id]
            rest = rest[2:]
        else:
            break
    return [hexid]


def _write_path(
    repo: pygit2.Repository, tree: pygit2.Tree | None, parts: list[str], blob: pygit2.Oid
) -> pygit2.Oid:
    builder = repo.TreeBuilder(tree) if tree is not None else repo.TreeBuilder()
    head = parts[0]
    if len(parts) == 1:
        builder.insert(head, blob, pygit2.GIT_FILEMODE_BLOB)
    else:
        sub = repo[tree[head].id] if tree is not None and head in tree else None
        builder.insert(head, _write_path(repo, sub, parts[1:], blob), pygit2.GIT_FILEMODE_TREE)
    return builder.write()


def write_notes_tree(
    repo: pygit2.Repository, base: pygit2.Tree | None, notes: dict[str, bytes]
) -> pygit2.Oid:
    """A new notes tree: `base` with the note of each annotated hex replaced."""
    tree = base
    tree_id = base.id if base is not None else None
    for hexid, content in notes.items():
        parts = _find(repo, tree, hexid)
        tree_id = _write_path(repo, tree, parts, repo.create_blob(content))
        tree = repo[tree_id]
    if tree_id is None:
        tree_id = repo.TreeBuilder().write()
    return tree_id
