"""The project's import rules, checked from the source with ``ast`` (``make lint`` runs it).

* ``connector`` imports nothing of the project but itself;
* ``handlers`` imports only ``connector`` (and itself);
* the command (``appflow_mysql``) imports ``connector``, ``handlers`` and itself, never ``devkit``;
* no package imports another in a circle, and no module imports one of its own package in a circle;
* inside ``connector``, a module imports only modules of its own layer or of a lower one (``LAYERS``, bottom
  first; docs/architecture.md explains them), and every connector module is in exactly one layer.

    python -m devkit.import_graph   # exit status 1 and one line per broken rule
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = ["ALLOWED", "LAYERS", "layer_problems", "module_imports", "problems"]

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("connector", "handlers", "appflow_mysql", "devkit", "tests", "bench")
# What each shipped package may import of the project (beyond itself).
ALLOWED = {"connector": set(), "handlers": {"connector"}, "appflow_mysql": {"connector", "handlers"}}
# connector's layers, bottom first (docs/architecture.md): what each may import is its own layer and those below.
LAYERS: dict[str, frozenset[str]] = {
    "foundation": frozenset({"limits", "deadline", "errors", "sql", "dates", "value_rules"}),
    "values": frozenset({"read_codecs", "write_codecs", "types"}),
    "session": frozenset({"wire", "settings", "credentials", "iam_auth", "login_guard", "database", "failover"}),
    "pieces": frozenset({"catalog", "filters", "paging", "page_statement", "page_collector", "rows", "read_errors",
                         "server_limits", "write_cells", "record_decoding", "write_statements", "write_outcomes"}),
    "operations": frozenset({"query", "writer", "metadata", "configuration", "doctor"}),
}


def _modules() -> Iterator[tuple[str, Path]]:
    for package in PROJECT:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def module_imports(path: Path, module: str) -> set[str]:
    """The project modules ``path`` imports, anywhere in it (function-level imports included)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the package
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        found |= {name for name in names if name.split(".")[0] in PROJECT}
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, once (depth-first search with a path stack)."""
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                circles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return circles


def problems() -> list[str]:
    """One line per broken rule (empty when all hold)."""
    modules = dict(_modules())
    graph: dict[str, set[str]] = {}
    out: list[str] = []
    for module, path in modules.items():
        targets = {t if t in modules else t.rpartition(".")[0] for t in module_imports(path, module)}
        graph[module] = {t for t in targets if t in modules and t != module}
        top = module.split(".")[0]
        if top in ALLOWED:
            for target in sorted(graph[module]):
                other = target.split(".")[0]
                if other != top and other not in ALLOWED[top]:
                    out.append(f"{module} imports {target}: {top} may import only "
                               f"{', '.join(sorted(ALLOWED[top])) or 'itself'}")
    packages = {m.split(".")[0]: set[str]() for m in graph}
    for module, targets in graph.items():
        packages[module.split(".")[0]] |= {t.split(".")[0] for t in targets} - {module.split(".")[0]}
    out += [f"packages import in a circle: {' -> '.join(c)}" for c in _cycles(packages)]
    out += [f"modules import in a circle: {' -> '.join(c)}" for c in _cycles(graph)
            if all(m.split(".")[0] in ALLOWED for m in c)]
    out += layer_problems(graph)
    return out


def layer_problems(graph: dict[str, set[str]], layers: dict[str, frozenset[str]] = LAYERS) -> list[str]:
    """One line per connector module outside the layers, or importing a module of a layer above its own."""
    rank = {name: i for i, names in enumerate(layers.values()) for name in names}
    label = list(layers)
    out: list[str] = []
    for module in sorted(m for m in graph if m.startswith("connector.") and m != "connector"):
        name = module.split(".")[1]
        if name not in rank:
            out.append(f"{module} is in no layer of devkit/import_graph.py's LAYERS")
            continue
        for target in sorted(graph[module]):
            other = target.split(".")[1] if target.startswith("connector.") else None
            if other in rank and rank[other] > rank[name]:
                out.append(f"{module} ({label[rank[name]]}) imports {target} ({label[rank[other]]}), a layer above")
    return out


def main() -> int:
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    print(f"import graph: {'ok' if not found else f'{len(found)} problem(s)'}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
