"""A notebook's time to learn is stated once and agrees wherever it appears: the notebook's
Prerequisites table (the one source), the course table of the start page, the README's course
map and docs/teaching.md's timings."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def _markdown(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def stated_in_notebooks() -> dict[str, int]:
    times = {}
    for path in NOTEBOOKS:
        found = re.findall(r"\|\s*Time to learn\s*\|\s*(\d+) minutes\s*\|", _markdown(path))
        assert len(found) == 1, f"{path.name}: state the time to learn once, in Prerequisites"
        times[path.name[:2]] = int(found[0])
    return times


def stated_on_the_start_page() -> dict[str, int]:
    text = _markdown(ROOT / "notebooks" / "00-start-here.ipynb")
    return {n: int(m) for n, m in re.findall(r"^\| (\d\d) \| \[.*\| (\d+) min \|$", text, re.M)}


def stated_for_teachers() -> dict[str, int]:
    text = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    return {n: int(m) for n, m in re.findall(r"^\| (\d\d) · [^|]+\| (\d+) min \|", text, re.M)}


def stated_in_the_readme() -> dict[str, int]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return {n: int(m) for n, m in re.findall(r"^\| (\d\d) \| `[^`]+` \| available \| (\d+) min \|$",
                                             text, re.M)}


def test_every_notebook_states_its_time_and_the_tables_agree() -> None:
    notebooks = stated_in_notebooks()
    assert len(notebooks) == len(NOTEBOOKS) >= 8
    assert stated_on_the_start_page() == notebooks
    assert stated_for_teachers() == notebooks
    assert stated_in_the_readme() == notebooks
