"""Re-run notebooks and store their outputs, for strict nbval (``make notebooks``).

Executes each notebook top to bottom in a fresh kernel from ``notebooks/`` as working directory,
without timing metadata, and keeps cell ids stable, so a re-run changes the file only where an
output really changed. Usage: ``python tools/execute_notebooks.py [notebooks/NN-name.ipynb ...]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    # No saved widget state: JupyterLab restores it when the notebook opens, and a Run All
    # started during that restore can leave the new widgets shown as plain text (seen in the
    # browser tests). The stored text/plain reprs are what nbval compares anyway.
    client = NotebookClient(nb, timeout=120, kernel_name="python3", record_timing=False,
                            store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.get("language_info", {}).pop("version", None)  # not a property of the notebook
    nb.metadata.pop("widgets", None)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    for path in paths:
        print(f"{path.name}: {execute(path):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
