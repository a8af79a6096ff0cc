"""Run a notebook's code cells in-process, in one namespace, as its kernel would: each cell's
statements, then its last expression evaluated and handed to ``show`` (what Jupyter displays);
and read a stored notebook's cells, outputs and prose, for the tests of each notebook."""

from __future__ import annotations

import ast
import json
import re
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


# -- reading a stored notebook --------------------------------------------------------------------


def stored_cells(path: Path) -> list[dict[str, Any]]:
    """The notebook's cells as stored (sources and outputs), without running anything."""
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


def outputs(cell: dict[str, Any]) -> str:
    """What the cell printed: the text of its stored outputs."""
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))


def index_of(cells: list[dict[str, Any]], predicate: Callable[[dict[str, Any]], bool]) -> int:
    """The index of the one cell that ``predicate`` picks (fails if none or several)."""
    found = [i for i, c in enumerate(cells) if predicate(c)]
    assert len(found) == 1, found
    return found[0]


def unlabelled(line: str) -> bool:
    """A printed line that does not say what it shows: a bare repr, list, dict or JSON at the
    start of the line, or a few bare words with no label (such as a lone 'Bearer')."""
    if not line.strip():
        return False
    return bool(re.match(r"[A-Z]\w*\(", line) or re.match(r"[\[{]['\"]", line)
                or re.fullmatch(r"[\w-]+( [\w-]+){0,3}", line))


def assert_prose_in_layers(cells: list[dict[str, Any]], main_path_words: int,
                           *, balanced: bool = True) -> None:
    """Issue 10 item 5: at most ``main_path_words`` words of markdown on the beginner's path;
    asides in collapsible Go deeper blocks that render (a blank line after the summary and
    before the end); with ``balanced``, every ``<details>`` closed."""
    markdown = "\n".join(source(c) for c in cells if c["cell_type"] == "markdown")
    blocks = re.findall(r"<details>.*?</details>", markdown, re.S)
    main_path = re.sub(r"<details>.*?</details>", "", markdown, flags=re.S)
    assert len(main_path.split()) <= main_path_words, len(main_path.split())
    assert blocks, "no Go deeper block"
    for block in blocks:
        assert re.match(r"<details>\n<summary><b>Go deeper:</b> [^<\n]+</summary>\n\n", block), block
        assert block.endswith("\n\n</details>"), block[-80:]
    if balanced:
        assert markdown.count("<details>") == markdown.count("</details>") == len(blocks)
