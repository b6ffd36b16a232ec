"""The shape of the code: one direction of imports, vocabulary typed in one place, SQL in the
queries modules. Each test names the file and line at fault."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from backend.domain.vocabulary import (
    PURPOSE_CODES,
    AbsenceReason,
    AttendanceStatus,
    MembershipStatus,
    Participation,
    SessionStatus,
)

BACKEND = Path(__file__).resolve().parents[2] / "backend"
VOCABULARY = frozenset(
    [*PURPOSE_CODES]
    + [s.value for s in AttendanceStatus]
    + [s.value for s in MembershipStatus]
    + [s.value for s in SessionStatus]
    + [p.value for p in Participation]
    + [r.value for r in AbsenceReason]
)


def python_files() -> list[Path]:
    return sorted(p for p in BACKEND.rglob("*.py") if "migrations" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BACKEND.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Modules of backend that ``path`` imports (at any depth: lazy imports count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("backend")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("backend"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_no_import_cycle_in_backend() -> None:
    modules = {module_name(p): p for p in python_files()}
    graph = {
        name: {m for m in imports_of(path) if m in modules and m != name}
        for name, path in modules.items()
    }
    # A package's __init__ importing its own submodules is how a package exposes them.
    for name, edges in graph.items():
        graph[name] = {e for e in edges if not e.startswith(name + ".")}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_nothing_imports_a_controller_or_a_page() -> None:
    offenders = []
    for path in python_files():
        name = module_name(path)
        if name == "backend.app":
            continue
        for imported in imports_of(path):
            leaf = imported.rsplit(".", 1)[-1]
            target_is_page = ".web." in imported and leaf.endswith("pages")
            if (leaf == "controller" or target_is_page) and not name.startswith("backend.web"):
                offenders.append(f"{name} imports {imported}")
            if leaf == "controller" and name.startswith("backend.web"):
                offenders.append(f"{name} imports {imported}")
    assert not offenders, offenders


def test_no_status_or_purpose_typed_outside_the_domain() -> None:
    quoted = re.compile(r"""['"]([a-z-]+)['"]""")
    offenders = []
    for path in python_files():
        if "domain" in path.relative_to(BACKEND).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # row["present"] reads a column named like a status; that is not typing the status.
        column_keys = {id(node.slice) for node in ast.walk(tree) if isinstance(node, ast.Subscript)}
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if id(node) in column_keys or id(node) in docstrings:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                words = {node.value} | set(quoted.findall(node.value))
                for word in sorted(words & VOCABULARY):
                    offenders.append(f"{path.relative_to(BACKEND)}:{node.lineno}: {word!r}")
    templates = BACKEND / "web" / "templates"
    for path in sorted(templates.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for word in sorted(set(quoted.findall(line)) & VOCABULARY):
                offenders.append(f"{path.relative_to(BACKEND)}:{number}: {word!r}")
    assert not offenders, "\n".join(offenders)


def test_sql_is_assembled_only_in_queries_modules() -> None:
    offenders = [
        f"{path.relative_to(BACKEND)}:{number}"
        for path in python_files()
        if path.name != "queries.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "noqa: S608" in line
    ]
    assert not offenders, offenders


def test_every_migration_has_its_own_id_and_number() -> None:
    """Piccolo orders migrations by ID; two with one ID would be applied as one."""
    folder = BACKEND / "db" / "migrations"
    ids: dict[str, str] = {}
    numbers: dict[str, str] = {}
    for path in sorted(folder.glob("m[0-9]*.py")):
        found = re.search(r'^ID = "([^"]+)"', path.read_text(encoding="utf-8"), re.M)
        assert found, f"{path.name} has no ID"
        assert found.group(1) not in ids, f"{path.name} and {ids[found.group(1)]} share an ID"
        ids[found.group(1)] = path.name
        number = path.name.split("_", 1)[0]
        assert number not in numbers, f"{path.name} and {numbers[number]} share a number"
        numbers[number] = path.name
