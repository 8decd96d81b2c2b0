"""The layout is the architecture: imports flow one way between the layer packages, with no cycles.

Layers, bottom to top (docs/architecture.md): core, git, model, features, api, clients. A module
may import its own layer or any layer below; the CLI imports only the facade (`gitreg.api`,
the `gitreg` package's public names), core records and errors, and the other clients it
launches. Every import counts, including those deferred into functions for start-up speed.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "gitreg"
LAYERS = ["core", "git", "model", "features", "api", "clients"]
CLI_MAY_IMPORT = {"core", "api", "clients"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The gitreg modules a file imports (a name imported from a package counts as its module)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(files)
    return {name: imports_of(path, known) for name, path in files.items()}


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_is_in_a_layer():
    loose = [m for m in graph() if layer(m) is None and m not in ("gitreg", "gitreg.__main__")]
    assert not loose, f"modules outside the layer packages: {loose}"


def test_no_upward_imports():
    upward = []
    for module, targets in graph().items():
        here = layer(module)
        for target in targets:
            there = layer(target) or "api"  # the `gitreg` package itself is the public facade
            if here is not None and LAYERS.index(there) > LAYERS.index(here):
                upward.append(f"{module} -> {target}")
    assert not upward, "imports reaching up a layer:\n" + "\n".join(sorted(upward))


def test_cli_imports_only_the_facade_and_records():
    reaching = [f"{m} -> {t}" for m, ts in graph().items() if m.startswith("gitreg.clients.cli")
                for t in ts if (layer(t) or "api") not in CLI_MAY_IMPORT]
    assert not reaching, "the CLI reaches past the facade:\n" + "\n".join(sorted(reaching))


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles_between_modules():
    found = cycles(graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_import_cycles_between_feature_packages():
    def package(module: str) -> str:
        parts = module.split(".")
        return ".".join(parts[:3]) if layer(module) == "features" else ".".join(parts[:2])

    edges: dict[str, set[str]] = {}
    for module, targets in graph().items():
        edges.setdefault(package(module), set()).update(package(t) for t in targets if package(t) != package(module))
    found = cycles(edges)
    assert not found, "package cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_check_sees_a_cycle_and_an_upward_import():
    """The checks above can fail: a made-up graph with both defects is caught."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
    assert LAYERS.index(layer("gitreg.api.registry")) > LAYERS.index(layer("gitreg.git.repository"))
