"""Driving a notebook in JupyterLab 4 with Playwright: open, run all, wait, read what it shows."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

# Console messages that are not the course's fault, each with the reason it is allowed.
CONSOLE_ALLOW = [
    # JupyterLab probes optional server extensions (e.g. the Jupyter News / translations
    # endpoints); a missing one answers 404 and Chromium logs the failed resource load.
    re.compile(r"Failed to load resource: the server responded with a status of 404"),
    # Chromium reports that its own background features are off (flags in conftest).
    re.compile(r"Registering a ServiceWorker .* (failed|denied)"),
]

RUN_TIMEOUT_MS = 60_000


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", lambda m: self.console_errors.append(m.text)
                if m.type == "error" and not any(p.search(m.text) for p in CONSOLE_ALLOW)
                else None)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))


def open_notebook(page: Any, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded", timeout=120_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
    # The kernel has started when the toolbar's execution indicator says idle.
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]',
                           timeout=120_000)


def menu(page: Any, top: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(top)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def run_all(page: Any) -> float:
    """Clear the stored outputs, then run every cell through the Run menu; returns the seconds
    until the kernel is idle and every code cell has a fresh execution count."""
    menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function(
        """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                  .every(p => !/\\[\\d+\\]/.test(p.textContent))""", timeout=30_000)
    assert page.locator(".jp-OutputArea-output").count() == 0, "stored outputs were not cleared"
    start = time.perf_counter()
    menu(page, "Run", "Run All Cells")
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=RUN_TIMEOUT_MS,
    )
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]',
                           timeout=RUN_TIMEOUT_MS)
    return time.perf_counter() - start


def error_outputs(page: Any) -> list[str]:
    """Text of every stderr/traceback output in the notebook."""
    return page.eval_on_selector_all(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
        "els => els.map(e => e.textContent)")


def widget_failures(page: Any) -> list[str]:
    """Widget views that failed to render (the manager writes these messages in their place)."""
    return page.eval_on_selector_all(
        ".jp-OutputArea-output",
        """els => els.map(e => e.textContent).filter(t =>
              /Error displaying widget|Failed to load model class|Error rendering/.test(t))""")


def code_cell_count(page: Any) -> int:
    return page.locator(".jp-CodeCell").count()


def _click_and_wait(page: Any, button: Any, changed: str, arg: Any, timeout: float = 30_000
                    ) -> float:
    """Click ``button``, wait until the JS predicate ``changed(arg)`` holds; seconds taken."""
    start = time.perf_counter()
    button.click()
    page.wait_for_function(changed, arg=arg, timeout=timeout)
    return time.perf_counter() - start


def walk_flows(page: Any) -> tuple[list[str], list[float]]:
    """Click every FlowWalker's Next button until it is disabled; returns each walker's final
    counter text and the click-to-update latencies."""
    finals: list[str] = []
    latencies: list[float] = []
    walkers = page.locator(".tokenlab-flowwalker")
    for i in range(walkers.count()):
        walker = walkers.nth(i)
        walker.scroll_into_view_if_needed()
        nxt = walker.locator("button", has_text="Next")
        for _ in range(50):
            before = walker.inner_text()
            counter = re.search(r"Step (\d+) of (\d+)", before)
            # The counter, not the button, says when the end is reached: the button's disabled
            # state is updated a moment after the text, so reading it could race.
            if counter is None or counter.group(1) == counter.group(2):
                break
            latencies.append(_click_and_wait(
                page, nxt,
                "([i, before]) => document.querySelectorAll('.tokenlab-flowwalker')[i]"
                ".innerText !== before", [i, before]))
        finals.append(walker.inner_text())
    return finals, latencies


def widget_text(page: Any, kind: str, index: int = 0) -> str:
    return page.locator(f".tokenlab-{kind}").nth(index).inner_text()


def text_only_widgets(page: Any) -> list[str]:
    """Outputs showing a tokenlab widget's plain-text repr where its view should be."""
    return page.eval_on_selector_all(
        '.jp-OutputArea-output[data-mime-type="text/plain"]',
        """els => els.map(e => e.textContent.trim()).filter(t =>
              /^(FlowWalker|TokenInspector|ClockControl|ScopeExplorer|ExerciseBox)\\(/.test(t))""")
