"""Every notebook, run top to bottom in a real JupyterLab in a real headless Chromium."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, Lab
from .jlab import PageLog, code_cell_count, error_outputs, open_notebook, run_all, widget_failures


def stored_code_cells(path: Path) -> int:
    return sum(c["cell_type"] == "code" for c in json.loads(path.read_text())["cells"])


NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
assert NOTEBOOKS, "no notebooks found"


@pytest.fixture
def page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_clean_in_jupyterlab(lab: Lab, page: Any, artifacts: Path, name: str) -> None:
    log = PageLog()
    log.attach(page)
    open_notebook(page, lab.notebook_url(name))
    seconds = run_all(page)
    cells = code_cell_count(page)
    print(f"{name}: ran {cells} code cells in {seconds:.1f} s")
    assert cells == stored_code_cells(ROOT / "notebooks" / name)
    page.screenshot(path=str(artifacts / f"{Path(name).stem}.png"), full_page=False)
    assert page.locator(".jp-Dialog").count() == 0, "a dialog is in the way (e.g. Select Kernel)"
    assert error_outputs(page) == []
    assert widget_failures(page) == []
    assert log.page_errors == []
    assert log.console_errors == []
