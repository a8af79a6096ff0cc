"""Run a notebook's code cells in-process, in one namespace, as its kernel would: each cell's
statements, then its last expression evaluated and handed to ``show`` (what Jupyter displays)."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def code_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def run_cell(source: str, namespace: dict[str, Any], name: str = "<cell>") -> Any:
    """Execute ``source`` in ``namespace``; return the value of its last expression (or None)."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, name, "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), name, "eval"), namespace)


def run_notebook(path: Path, show: Callable[[Any], None] = lambda _: None,
                 namespace: dict[str, Any] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Run the notebook's code cells one by one, yielding ``(index, namespace)`` after each, so
    a test can act at the point a learner would."""
    names: dict[str, Any] = namespace if namespace is not None else {}
    names.setdefault("__name__", "__main__")
    names.setdefault("display", lambda *objs, **_: [show(o) for o in objs])
    for i, source in enumerate(code_cells(path)):
        value = run_cell(source, names, path.name)
        if value is not None:
            show(value)
        yield i, names
