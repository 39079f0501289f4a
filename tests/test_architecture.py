"""The import graph between the portal's packages follows docs/architecture.md, "Layers: who may import whom".

Every module under portal/, accounts/ and security/ is parsed with ``ast``. Imports at the top of a module and inside
functions count the same, and so does ``include("…")`` in a URL module. A module belongs to the longest package the
docs name that contains it.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("portal", "accounts", "security")
DOCS = ROOT / "docs" / "architecture.md"

def declared_graph(text: str | None = None) -> dict[str, set[str] | None]:
    """{package: the packages it may import}, None meaning any (the root URLs, WSGI, settings)."""
    text = DOCS.read_text() if text is None else text
    block = re.search(r"```dependency-graph\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no ```dependency-graph block"
    graph = {}
    for line in block.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        package, _arrow, allowed = line.partition("->")
        names = allowed.split()
        graph[package.strip()] = None if names == ["*"] else set(names)
    return graph


def package_of(module: str, packages) -> str | None:
    candidates = [package for package in packages if module == package or module.startswith(package + ".")]
    return max(candidates, key=len, default=None)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_names(path: Path, module: str):
    """(line, dotted name) of everything the module imports from the project, wherever the import statement is."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            for alias in node.names:
                # "from security import sms" is the sms package; "from security.audit import x" is the core.
                yield node.lineno, f"{source}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "include"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def project_imports(declared):
    """[(importing module, its package, line, imported package)] for imports between two different packages."""
    edges = []
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            module = module_name(path)
            source = package_of(module, declared)
            assert source is not None, f"{module} belongs to no package of docs/architecture.md's graph"
            for line, name in imported_names(path, module):
                if name.split(".")[0] not in SOURCES:
                    continue
                target = package_of(name, declared)
                assert target is not None, f"{module}:{line} imports {name}, in no package of the graph"
                if target != source:
                    edges.append((module, source, line, target))
    return edges


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more packages (Tarjan), each a cycle or several."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph.get(node, ()):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.fixture(scope="module")
def declared():
    return declared_graph()


@pytest.fixture(scope="module")
def edges(declared):
    return project_imports(declared)


def test_every_import_between_packages_is_one_the_docs_allow(declared, edges):
    broken = [
        f"{module}:{line} ({source}) imports {target}"
        for module, source, line, target in edges
        if declared[source] is not None
        and target not in declared[source]
    ]
    assert not broken, "imports against docs/architecture.md's layers:\n" + "\n".join(broken)


def test_no_two_packages_import_each_other_even_through_others(edges):
    actual: dict[str, set[str]] = {}
    for _module, source, _line, target in edges:
        actual.setdefault(source, set()).add(target)
    assert cycles(actual) == []


def test_the_declared_layers_have_no_cycle_and_name_only_known_packages(declared):
    known = set(declared)
    assert all(allowed is None or allowed <= known for allowed in declared.values())
    assert cycles({package: allowed or set() for package, allowed in declared.items()}) == []
    for package in declared:
        path = ROOT / package.replace(".", "/")
        assert path.with_suffix(".py").exists() or path.is_dir(), f"{package} is in the docs but not in the code"


def test_the_checker_sees_function_level_imports_includes_and_cycles(tmp_path):
    """The parser itself: a lazy import and an include() string are edges, and a two-package loop is a cycle."""
    source = tmp_path / "security" / "core.py"
    source.parent.mkdir()
    source.write_text(
        "from django.urls import include\n"
        "def f():\n    from security.two_factor import views\n"
        "urls = include('security.phone.urls')\n"
        "from . import sms\n"
    )
    names = {name for _line, name in imported_names(source, "security.core")}
    assert {"security.two_factor.views", "security.phone.urls", "security.sms"} <= names
    packages = ["security", "security.sms", "security.phone"]
    assert package_of("security.sms", packages) == "security.sms"
    assert package_of("security.audit", packages) == "security"
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    block = "```dependency-graph\nx -> y z  # why\ny ->\nw -> *\n```"
    assert declared_graph(block) == {"x": {"y", "z"}, "y": set(), "w": None}
