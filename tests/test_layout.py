"""The layout keeps its promises: no import circles inside mpp_app, nothing but the entry points
imports the factory, and views hand the domain plain objects through web.py's helpers."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mpp_app"
ENTRY_POINTS = {"mpp_app.cli", "mpp_app.__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def module_level_imports(name: str) -> set:
    """The mpp_app modules `name` imports when it is loaded (imports inside functions run later)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in MODULES else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: module_level_imports(name) for name in MODULES}


def test_no_import_circles():
    def cycle_from(start):
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for target in GRAPH[node]:
                if target == start:
                    return path + [start]
                if target not in seen:
                    seen.add(target)
                    stack.append((target, path + [target]))
        return None

    # A package's own __init__ naming its submodules is how a package is built, not a circle.
    cycles = [cycle for cycle in map(cycle_from, GRAPH) if cycle and not
              any(a == b.rpartition(".")[0] or b == a.rpartition(".")[0] for a, b in zip(cycle, cycle[1:]))]
    assert cycles == []


def test_only_the_entry_points_import_the_factory():
    """Names of mpp_app/__init__.py (create_app and its helpers) are imported by cli.py and
    __main__.py only; shared pieces live in their own modules (web.py, labels.py, access.py)."""
    importers = set()
    for name, path in MODULES.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                    + ([node.module] if node.module else []))
                if base == "mpp_app" and any(f"mpp_app.{alias.name}" not in MODULES for alias in node.names):
                    importers.add(name)
    assert importers <= ENTRY_POINTS


@pytest.mark.parametrize("name", sorted(name for name in MODULES if name.startswith("mpp_app.domain")))
def test_domain_modules_read_no_request(name):
    """The domain takes a session and plain values: it never reads the request or the logged-in user."""
    source = MODULES[name].read_text()
    for forbidden in ("from flask import", "flask_login", "request.", "current_user"):
        assert forbidden not in source, f"{name} uses {forbidden}"


def test_views_do_not_repeat_what_web_py_offers():
    for name, path in MODULES.items():
        if name in ("mpp_app.web",):
            continue
        source = path.read_text()
        assert "current_user._get_current_object()" not in source, name
        assert 'headers.get("HX-Request")' not in source, name
