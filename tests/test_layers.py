"""The package's layers, as the README's "How it works" table lists them: every module is in
one layer, imports only from its own layer or those below it, and no import cycle exists
(imports inside functions count too)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "classifier"


def readme_layers() -> list[tuple[str, list[str]]]:
    """(layer, modules) from the README's table, top layer first."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## How it works\n")[1]
    rows = re.findall(r"^\| ([a-z ]+) \| (`[^|]+`) \|", section, re.M)
    assert rows, "no layer table in How it works"
    return [(layer, re.findall(r"`([\w/]+)`", modules)) for layer, modules in rows]


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports, anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                stem = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{stem}.{base}" if node.module else stem
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                found.add(target)
                break
    return found


def layer_of(name: str, layers: list[tuple[str, list[str]]]) -> int:
    """The index of ``name``'s layer (0 is the top), by its longest listed prefix."""
    short = name.removeprefix("classifier").removeprefix(".") or "__init__"
    matches = [(len(module), depth) for depth, (_, listed) in enumerate(layers)
               for module in listed
               if short == module or short.startswith(module + ".")]
    assert matches, f"{name} is in no layer of the README's table"
    return max(matches)[1]


def test_imports_go_to_the_same_layer_or_down():
    layers = readme_layers()
    assert [layer for layer, _ in layers] == ["command line", "edge", "runner", "library",
                                              "document model"]
    found = modules()
    upward = [f"{name} ({layers[layer_of(name, layers)][0]}) imports {target} "
              f"({layers[layer_of(target, layers)][0]})"
              for name, path in found.items() for target in imports(name, path, set(found))
              if layer_of(target, layers) < layer_of(name, layers)]
    assert not upward, upward


def test_no_import_cycles():
    found = modules()
    graph = {name: imports(name, path, set(found)) for name, path in found.items()}
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles
