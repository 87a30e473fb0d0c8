"""The layout holds: one table for each fact, imports in one direction, installable names that cannot collide."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from connector.types import TYPES
from devkit import import_graph

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("connector", "handlers", "appflow_mysql")


def _sources(packages: tuple[str, ...] = SHIPPED) -> list[Path]:
    return [path for package in packages for path in sorted((ROOT / package).rglob("*.py"))]


def test_imports_go_one_way_and_never_in_a_circle() -> None:
    assert import_graph.problems() == []


def test_the_import_check_can_fail() -> None:
    """The circle finder and the rules see what they are meant to (a checker that cannot fail checks nothing)."""
    assert import_graph._cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]  # noqa: SLF001
    assert import_graph._cycles({"a": {"b"}, "b": set()}) == []  # noqa: SLF001
    found = import_graph.module_imports(ROOT / "connector" / "metadata.py", "connector.metadata")
    assert "connector.filters" in found  # a function-level import counts too
    assert import_graph.ALLOWED["connector"] == set() and "devkit" not in import_graph.ALLOWED["appflow_mysql"]


def test_the_layer_check_can_fail() -> None:
    """A module importing one of a layer above, and a module in no layer, are both reported."""
    layers = {"low": frozenset({"a"}), "high": frozenset({"b"})}
    graph = {"connector.a": {"connector.b"}, "connector.b": {"connector.a"}, "connector.c": set()}
    assert import_graph.layer_problems(graph, layers) == [
        "connector.a (low) imports connector.b (high), a layer above",
        "connector.c is in no layer of devkit/import_graph.py's LAYERS"]
    assert import_graph.layer_problems({"connector.b": {"connector.a"}, "connector.a": set()}, layers) == []


def test_the_wheel_ships_no_rig_and_no_generic_top_level_names(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a clean copy: a stale build/ in the work tree would leak into the wheel
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv*", ".git", "build", "out", "*.egg-info",
                                                                "__pycache__", ".*_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist() if "/" in name}
    packages = {top for top in tops if not top.endswith(".dist-info")}
    assert packages == set(SHIPPED), packages
    entry_points = next(zipfile.ZipFile(wheel).read(name).decode() for name in zipfile.ZipFile(wheel).namelist()
                        if name.endswith("entry_points.txt"))
    assert "appflow-mysql = appflow_mysql.main:main" in entry_points
    # the local command verifies TLS like the Lambda: the RDS CA bundle travels in the wheel
    assert "connector/certs/rds-global-bundle.pem" in zipfile.ZipFile(wheel).namelist()


def _error_number_uses(path: Path) -> list[int]:
    """Lines that compare with, or index, a MySQL error number outside the error table."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            numbers = [c for c in (node.left, *node.comparators) if isinstance(c, ast.Constant)
                       and isinstance(c.value, int) and 1000 <= c.value < 5000]
            tuples = [c for c in node.comparators if isinstance(c, ast.Tuple | ast.Set)
                      and any(isinstance(e, ast.Constant) and isinstance(e.value, int) and 1000 <= e.value < 5000
                              for e in c.elts)]
            if numbers or tuples:
                lines.append(node.lineno)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "args":
            lines.append(node.lineno)
    return lines


def test_error_numbers_live_only_in_the_error_table() -> None:
    found = {str(path.relative_to(ROOT)): _error_number_uses(path) for path in _sources()
             if path.name != "errors.py"}
    assert {path: lines for path, lines in found.items() if lines} == {}


def test_mysql_type_names_live_only_in_the_type_table() -> None:
    names = set(TYPES)
    found = []
    for path in _sources():
        if path.name == "types.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in names:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert found == []


@pytest.mark.parametrize("source", ["x = e.args[0] == 1045\n", "if error in (1205, 1213):\n    pass\n"])
def test_the_grep_level_checks_can_fail(tmp_path: Path, source: str) -> None:
    path = tmp_path / "module.py"
    path.write_text(source)
    assert _error_number_uses(path)


_LONGEST_LINES = 60
_ONE_PIECE = "one piece"  # the comment a longer function must carry, saying why it cannot be split


def _long_functions(path: Path) -> list[str]:
    """Functions of more than _LONGEST_LINES lines whose body has no comment saying why they are one piece."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            body = "\n".join(lines[node.lineno - 1:node.end_lineno])
            if length > _LONGEST_LINES and f"# {_ONE_PIECE}" not in body:
                found.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}:{node.lineno} "
                             f"{node.name} ({length} lines)")
    return found


def test_no_connector_function_is_long_without_saying_why() -> None:
    assert [f for path in _sources(("connector",)) for f in _long_functions(path)] == []


def test_no_connector_module_generates_source() -> None:
    """Row and cell functions are closures or loops, never text run with exec/eval/compile."""
    found = [f"{path.relative_to(ROOT)}:{node.lineno}" for path in _sources(("connector",))
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and node.func.id in ("exec", "eval", "compile")]
    assert found == []


def test_the_length_check_can_fail(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(_LONGEST_LINES))
    path = tmp_path / "long.py"
    path.write_text(f"def long():\n{body}")
    assert _long_functions(path) == [f"long.py:1 long ({_LONGEST_LINES + 1} lines)"]
    path.write_text(f"def long():\n    # {_ONE_PIECE}: the steps share one transaction\n{body}")
    assert _long_functions(path) == []


# The modules the split of issue 23 made: each says, in its docstring's first line, what it owns and what it must
# not import (what a maintainer needs before adding an import).
_SPLIT_MODULES = ("dates", "value_rules", "read_codecs", "write_codecs", "page_statement", "page_collector",
                  "read_errors", "record_decoding", "write_cells", "write_statements", "write_outcomes",
                  "server_limits")


@pytest.mark.parametrize("name", _SPLIT_MODULES)
def test_each_split_module_says_what_it_owns_and_must_not_import(name: str) -> None:
    docstring = ast.get_docstring(ast.parse((ROOT / "connector" / f"{name}.py").read_text(encoding="utf-8")))
    first = (docstring or "").splitlines()[0] if docstring else ""
    assert "import" in first and len(first.split(";")[0]) > 20, first
