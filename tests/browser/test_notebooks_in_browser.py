"""Every notebook, run top to bottom in a real JupyterLab in a real headless Chromium, then
driven as a learner would: every widget the notebook creates is counted live, every FlowWalker
clicked to its last step, garbage typed into every TokenInspector; on the start page the
ClockControl moved until the token expires. No console error, no failed request beyond the
explained 404s in ``jlab.ALLOWED_404``."""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, Lab
from .jlab import (
    PageLog,
    _click_and_wait,
    code_cell_count,
    error_outputs,
    kernel_status,
    open_notebook,
    output_kinds,
    run_all,
    text_matches,
    text_only_widgets,
    walk_flows,
    widget_counts,
    widget_failures,
    widget_text,
)

#: Click-to-update latency: the target for a walker's Next and Back is a median of at most
#: 100 ms and a 90th percentile of at most 200 ms (printed per notebook); the machine is shared,
#: so only a hang fails the test.
LATENCY_BOUND_S = 3.0

#: Widget classes and the CSS class suffix of their views ("tokenlab-flowwalker").
WIDGETS = {"FlowWalker": "flowwalker", "TokenInspector": "tokeninspector",
           "ClockControl": "clockcontrol", "ScopeExplorer": "scopeexplorer",
           "ExerciseBox": "exercisebox", "AttackLab": "attacklab",
           "ExposureExplorer": "exposureexplorer"}


def stored_code_cells(path: Path) -> int:
    return sum(c["cell_type"] == "code" for c in json.loads(path.read_text())["cells"])


def stored_widget_count(path: Path, kind: str) -> int:
    # One cell per line: joined without a separator, a cell starting with ``FlowWalker(`` after
    # one ending in a name would not match ``\b`` and go uncounted.
    text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                     if c["cell_type"] == "code")
    return len(re.findall(rf"\b{kind}\(", text))


NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
assert NOTEBOOKS, "no notebooks found"


@pytest.fixture
def page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def _open_and_run(page: Any, lab: Lab, name: str) -> float:
    """Open the notebook and run it. No second attempt: every wait is on a condition (the kernel
    idle, the splash screen gone, cells finishing), and a failure says what the page showed."""
    open_notebook(page, lab.notebook_url(name))
    return run_all(page)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_in_jupyterlab(lab: Lab, page: Any, artifacts: Path, name: str) -> None:
    log = PageLog()
    log.attach(page)
    started = time.perf_counter()
    seconds = _open_and_run(page, lab, name)
    path = ROOT / "notebooks" / name
    cells = code_cell_count(page)
    assert cells == stored_code_cells(path)
    assert page.locator(".jp-Dialog").count() == 0, "a dialog is in the way (e.g. Select Kernel)"
    assert error_outputs(page) == []
    assert widget_failures(page) == []

    # Every widget rendered: as many live views of each kind as the notebook creates.
    expected = {css: stored_widget_count(path, kind) for kind, css in WIDGETS.items()}
    shown = widget_counts(page, expected)
    assert shown == expected, (
        f"widget views: {shown}, expected {expected}; outputs by type {output_kinds(page)}; "
        f"widgets shown as text: {text_only_widgets(page)[:5]}; kernel {kernel_status(page)}; "
        f"{log.explain()}")
    # A widget whose view failed to render shows its text/plain repr instead: none may.
    assert text_only_widgets(page) == []

    finals, walker_clicks, walker_round_trips = walk_flows(page)
    assert len(finals) == expected["flowwalker"]
    for final in finals:
        match = re.search(r"Step (\d+) of (\d+)", final)
        assert match and match.group(1) == match.group(2), f"walker not at its end: {final[:200]}"
    latencies: list[float] = []

    start_page = name.startswith("00-")
    if start_page:
        # One of each, so driving the first is driving every one; it shows the fresh token.
        assert expected["tokeninspector"] == expected["clockcontrol"] == 1
        assert "expires in" in widget_text(page, "tokeninspector", 0)
    for index in range(expected["tokeninspector"]):
        latencies.append(_garbage_into_inspector(page, index))
    for index in range(expected["attacklab"]):
        latencies += _drive_attack_lab(page, index)
    if start_page:
        latencies += _drive_start_page(page)

    page.screenshot(path=str(artifacts / f"{Path(name).stem}.png"), full_page=False)
    print(f"{name}: {cells} cells run in {seconds:.1f} s; {len(finals)} walker(s) to the end "
          f"and back; walker Next/Back click to DOM update {click_summary(walker_clicks)} "
          f"(Playwright's round trip {click_summary(walker_round_trips)}); other widgets "
          f"{click_summary(latencies)}; {time.perf_counter() - started:.1f} s in all")
    assert max(walker_clicks + walker_round_trips + latencies, default=0.0) < LATENCY_BOUND_S
    assert log.page_errors == []
    assert log.console_errors == [], "\n".join(log.console_errors)
    assert log.failed_requests == []


def click_summary(latencies: list[float]) -> str:
    """Click-to-update times: median, 90th percentile and maximum, in milliseconds."""
    if not latencies:
        return "no clicks"
    p90 = statistics.quantiles(latencies, n=10, method="inclusive")[-1] if len(latencies) > 1 \
        else latencies[0]
    return (f"median {statistics.median(latencies) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} clicks")


def _garbage_into_inspector(page: Any, index: int) -> float:
    """Type garbage into the ``index``-th TokenInspector: it explains, it does not crash."""
    inspector = page.locator(".tokenlab-tokeninspector").nth(index)
    inspector.scroll_into_view_if_needed()
    box = inspector.locator("textarea")
    start = time.perf_counter()
    box.fill("this is not a token")
    box.blur()
    predicate, arg = text_matches("tokeninspector", index, "three base64url parts")
    page.wait_for_function(predicate, arg=arg, timeout=30_000)
    latency = time.perf_counter() - start
    assert "Traceback" not in widget_text(page, "tokeninspector", index)
    return latency


def _drive_attack_lab(page: Any, index: int) -> list[float]:
    """Run the ``index``-th AttackLab as shown, then with another choice — the last defence, or
    the first of the API's mistakes ticked — and run it again: each run shows its verdict and
    timeline, never a traceback."""
    lab = page.locator(".tokenlab-attacklab").nth(index)
    lab.scroll_into_view_if_needed()
    run = lab.locator("button", has_text="Run the attack")
    predicate, arg = text_matches("attacklab", index, "The attack (worked|failed)[^]*Timeline")
    latencies = [_click_and_wait(page, run, predicate, arg, watch=("attacklab",))]
    first = widget_text(page, "attacklab", index)
    radios = lab.locator("input[type=radio]")
    if radios.count() and radios.last.is_visible():
        radios.last.check()
    else:
        lab.locator("input[type=checkbox]").first.check()
    # The choice reached the kernel when the old verdict is gone (a new choice clears it).
    predicate, arg = text_matches("attacklab", index, "Choose, then press Run the attack")
    page.wait_for_function(predicate, arg=arg, timeout=30_000)
    predicate, arg = text_matches("attacklab", index, "The attack (worked|failed)[^]*Timeline")
    latencies.append(_click_and_wait(page, run, predicate, arg, watch=("attacklab",)))
    second = widget_text(page, "attacklab", index)
    assert second != first, "the second run shows the same as the first"
    assert "Traceback" not in first + second
    return latencies


def _drive_start_page(page: Any) -> list[float]:
    """Back to the fresh token in the TokenInspector; the ClockControl moved until it expires."""
    inspector = page.locator(".tokenlab-tokeninspector").nth(0)
    inspector.scroll_into_view_if_needed()
    inspector.locator("select").select_option(label="a fresh token")
    predicate, arg = text_matches("tokeninspector", 0, "expires in")
    page.wait_for_function(predicate, arg=arg, timeout=30_000)
    clock = page.locator(".tokenlab-clockcontrol").nth(0)
    clock.scroll_into_view_if_needed()
    predicate, arg = text_matches("tokeninspector", 0, "expired")
    latency = _click_and_wait(page, clock.locator("button", has_text="+5 min"), predicate, arg,
                              watch=("clockcontrol", "tokeninspector"))
    assert "00:15:00" in widget_text(page, "clockcontrol", 0)
    return [latency]
