"""The house in rooms stays that way: imports only go down the layers, and no module imports one
that imports it back — not even under ``TYPE_CHECKING`` or inside a function.

    ground (clock, randomness, errors, report, store) ← jose ← net ← attacks ← authserver ← api
    ← client | serving ← course | scenarios | attacker ← viz ← widgets

``tokenlab/__main__.py`` (the command line) stands with the package root above every layer.

``attacks`` (the fence of vulnerable verifiers) sits right above jose and net: the API picks its
fenced verifier when a policy switch is on and the authorization server takes its weak HS256 key,
so both must be able to import it; it verifies with jose and fetches ``jku`` key sets over the
simulated wire of net. ``attacker`` (the attacker of the lessons and the exposure Monte Carlo)
drives clients and servers, so it sits with course and scenarios, above the actors.

Every ``import`` of every module of ``tokenlab/`` is read with :mod:`ast` (module level, inside
functions, under ``if TYPE_CHECKING:``), so the layers cannot quietly rot.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "tokenlab"

#: The rank of each layer; a module may import modules of its own rank or below. Packages of
#: the same rank (course, scenarios, attacker) do not import each other.
LAYERS: dict[str, int] = {
    "": 0,  # the ground: modules directly under tokenlab/
    "jose": 1, "net": 2, "attacks": 3, "authserver": 4, "api": 5, "client": 6,
    "course": 7, "scenarios": 7, "attacker": 7, "viz": 8, "widgets": 9,
    # the servers over real HTTP (`tokenlab serve`): it serves authserver and api, so above them;
    # below course, so the lazy tokenlab.serve() of the public face may import it; the same rank
    # as client, which it never imports (a real client talks to it over a socket).
    "serving": 6,
}
#: The command line (`python -m tokenlab`), like the package root, stands above every layer.
ENTRY_POINTS = ("tokenlab", "tokenlab.__main__")
#: At most this many modules directly under tokenlab/ besides __init__.py.
MAX_GROUND_MODULES = 6


@cache
def modules() -> dict[str, Path]:
    """Every module of tokenlab by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = ("tokenlab", *path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def imports_of(name: str, known: Iterable[str] | None = None) -> set[str]:
    """The tokenlab modules that module ``name`` imports, wherever the import statement is."""
    known = set(known if known is not None else modules())
    tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
    package = name if _is_package(name) else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "tokenlab":
                    found.add(_longest_known(alias.name, known))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] != "tokenlab":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else _longest_known(target, known))
    found.discard(name)
    return found


def _longest_known(dotted: str, known: set[str]) -> str:
    parts = dotted.split(".")
    while parts and ".".join(parts) not in known:
        parts.pop()
    assert parts, f"import of an unknown tokenlab module: {dotted}"
    return ".".join(parts)


def layer_of(name: str) -> str:
    """The layer a module belongs to: its package under tokenlab, or '' for the ground."""
    parts = name.split(".")
    if len(parts) == 1:
        return ""  # tokenlab/__init__: the public face, checked separately
    if len(parts) == 2 and not _is_package(name):
        return ""
    return parts[1]


def upward_imports(graph: Mapping[str, set[str]], layer: Mapping[str, str]) -> list[str]:
    """Every edge that goes up a layer or sideways into another package of the same rank."""
    bad = []
    for src, targets in graph.items():
        if src in ENTRY_POINTS:
            continue
        for dst in targets:
            a, b = layer[src], layer[dst]
            if dst == "tokenlab":
                bad.append(f"{src} imports the package root tokenlab (import the module instead)")
            elif LAYERS[b] > LAYERS[a] or (LAYERS[b] == LAYERS[a] and a != b):
                bad.append(f"{src} ({a or 'ground'}) imports {dst} ({b or 'ground'})")
    return sorted(bad)


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@cache
def graph() -> dict[str, set[str]]:
    return {name: imports_of(name) for name in modules()}


def test_the_checker_sees_every_kind_of_import() -> None:
    """The test can fail: an upward import, a sideways one and a circle are each caught."""
    g = {"tokenlab.clock": {"tokenlab.jose.keys"},
         "tokenlab.jose.keys": {"tokenlab.clock"},
         "tokenlab.course.load": {"tokenlab.scenarios.world"},
         "tokenlab.scenarios.world": set()}
    layer = {"tokenlab.clock": "", "tokenlab.jose.keys": "jose", "tokenlab.course.load": "course",
             "tokenlab.scenarios.world": "scenarios"}
    assert upward_imports(g, layer) == [
        "tokenlab.clock (ground) imports tokenlab.jose.keys (jose)",
        "tokenlab.course.load (course) imports tokenlab.scenarios.world (scenarios)"]
    assert cycles(g) == [["tokenlab.clock", "tokenlab.jose.keys"]]
    # and the reader finds imports under TYPE_CHECKING and inside functions, not only at the top
    assert "tokenlab.report" in imports_of("tokenlab.errors")  # under TYPE_CHECKING
    assert "tokenlab.viz" in imports_of("tokenlab.widgets.flow_walker")  # inside a method
    assert {"tokenlab.authserver.server", "tokenlab.api.http"} <= imports_of("tokenlab.api.server")


def test_every_layer_is_known_and_the_tree_is_what_the_test_reads() -> None:
    names = modules()
    assert len(names) >= 40
    assert {layer_of(n) for n in names if n != "tokenlab"} <= set(LAYERS)
    for package in [n for n in names if _is_package(n) and n != "tokenlab"]:
        assert layer_of(package) in LAYERS, package


def test_imports_only_go_down_the_layers() -> None:
    layer = {n: layer_of(n) for n in modules()}
    assert upward_imports(graph(), layer) == []


def test_no_module_imports_one_that_imports_it_back() -> None:
    """Not even under TYPE_CHECKING: the grants are composed, the HTTP layers take protocols."""
    assert cycles(graph()) == []


def test_the_ground_is_at_most_six_modules() -> None:
    ground = [n for n in modules() if n.count(".") == 1 and not _is_package(n)
              and n not in ENTRY_POINTS]
    assert 1 <= len(ground) <= MAX_GROUND_MODULES, ground


@pytest.mark.parametrize("package", sorted(p for p in LAYERS if p))
def test_every_package_says_what_it_is_and_what_it_may_import(package: str) -> None:
    path = ROOT / package / "__init__.py"
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert doc and len(doc) > 150, f"{path}: a one-paragraph docstring, please"
    assert "import" in doc.lower(), f"{path}: say what the package may import"


def test_the_public_face_imports_no_course_scenario_view_or_plot() -> None:
    """``import tokenlab`` stays light: the root imports the actors, never the layers above."""
    heavy = {n for n in graph()["tokenlab"] if LAYERS[layer_of(n)] >= LAYERS["course"]}
    assert heavy == set()
