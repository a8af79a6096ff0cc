"""Driving a notebook in JupyterLab 4 with Playwright: open, run all, wait, read what it shows."""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tokenlab.widgets.flow_walker import READY

# Console messages that are not the course's fault, each with the reason it is allowed.
CONSOLE_ALLOW = [
    # Chromium reports that its own background features are off (flags in conftest).
    re.compile(r"Registering a ServiceWorker .* (failed|denied)"),
]

# Chromium logs every HTTP error response as this console error; it is judged by its URL below.
FAILED_RESOURCE = re.compile(r"^Failed to load resource: the server responded with a status of (\d+)")

# HTTP 404s that are not the course's fault: (path pattern, why). Any other 4xx/5xx response,
# and the console error Chromium logs for it, fails the test.
ALLOWED_404: list[tuple[re.Pattern[str], str]] = []


def allowed_failure(status: int, url: str) -> bool:
    """Is this failed request one of the explained 404s in :data:`ALLOWED_404`?"""
    path = urlsplit(url).path
    return status == 404 and any(p.fullmatch(path) for p, _ in ALLOWED_404)


#: A Run All may take as long as it needs while cells keep finishing; no cell finishing for this
#: long means the kernel or the page is stuck.
STALL_MS = 60_000
#: JS: how many code cells show an execution count, and how many code cells there are.
_RAN = ("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
        ".filter(p => /\\[\\d+\\]/.test(p.textContent)).length")
_CELLS = "() => document.querySelectorAll('.jp-CodeCell .jp-InputPrompt').length"


@dataclass
class PageLog:
    """What went wrong in the page: uncaught errors, console errors, failed HTTP requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    #: Every console message (type and text, the latest 200), to explain a failure.
    messages: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("response", self._on_response)

    def explain(self) -> str:
        """What the page said: its uncaught errors and its last console messages."""
        return (f"page errors {self.page_errors}; last console messages "
                f"{self.messages[-20:]}")

    def _on_console(self, message: Any) -> None:
        self.messages = [*self.messages[-199:], f"{message.type}: {message.text[:300]}"]
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        failed = FAILED_RESOURCE.match(message.text)
        if failed and allowed_failure(int(failed.group(1)), url):
            return
        if any(p.search(message.text) for p in CONSOLE_ALLOW):
            return
        where = urlsplit(url).path if url else ""
        self.console_errors.append(f"{message.text} (at {where})" if where else message.text)

    def _on_response(self, response: Any) -> None:
        if response.status >= 400 and not allowed_failure(response.status, response.url):
            self.failed_requests.append(
                f"{response.status} {response.request.method} {urlsplit(response.url).path}")


def open_notebook(page: Any, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded", timeout=120_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
    # The kernel has started when the toolbar's execution indicator says idle.
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]',
                           timeout=120_000)
    # JupyterLab takes its splash screen away once it has restored the workspace; menu clicks
    # before that may go nowhere.
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=120_000)
    # The toolbar says idle as soon as the kernel answers, which can be before the notebook's
    # session is ready. The widget manager binds its renderer to the notebook only once the
    # session is ready: outputs that arrive earlier show as text for good, and a Run All sent
    # earlier may run nothing. So wait for the session itself (and the renderer it brings).
    page.wait_for_function(SESSION_READY, timeout=120_000)


#: The current notebook's session is ready, with a kernel, and its outputs can show widgets.
SESSION_READY = """() => {
    const app = window.jupyterapp;
    const panel = app && app.shell.currentWidget;
    const session = panel && panel.sessionContext;
    return !!(session && session.isReady && session.session && session.session.kernel
              && panel.content.rendermime.mimeTypes.includes(
                     'application/vnd.jupyter.widget-view+json'));
}"""


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
    # Wait while the kernel makes progress: fail only when no cell finishes for STALL_MS (a
    # loaded machine runs the notebook slowly, which is fine; a kernel that stops is not).
    done = -1
    while True:
        now_done = page.evaluate(_RAN)
        if now_done == page.evaluate(_CELLS) and now_done > 0:
            break
        try:
            page.wait_for_function(f"(k) => ({_RAN})() > k", arg=max(now_done, done),
                                   timeout=STALL_MS)
        except Exception as exc:  # a Playwright timeout: say what the cells show, then re-raise
            raise type(exc)(f"no cell finished for {STALL_MS / 1000:.0f} s; "
                            f"{prompt_states(page)}") from exc
        done = now_done
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]',
                           timeout=STALL_MS)
    return time.perf_counter() - start


def prompt_states(page: Any) -> str:
    """What the code cells' prompts say: how many ran (``[3]``), wait or run (``[*]``), or
    have not been asked to run (``[ ]``), and the kernel's status — a Run All that never
    reached the kernel leaves every prompt empty; a slow or stuck kernel leaves ``[*]``."""
    texts = page.eval_on_selector_all(".jp-CodeCell .jp-InputPrompt",
                                      "els => els.map(e => e.textContent)")
    ran = sum(bool(re.search(r"\[\d+\]", t)) for t in texts)
    queued = sum("[*]" in t for t in texts)
    return (f"{ran} of {len(texts)} cells ran, {queued} queued or running, "
            f"{len(texts) - ran - queued} not started; kernel {kernel_status(page)}")


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


def kernel_status(page: Any) -> str:
    """What the notebook toolbar says of the kernel: ``idle``, ``busy`` or ``unknown``."""
    found = page.eval_on_selector_all(".jp-Notebook-ExecutionIndicator",
                                      "els => els.map(e => e.dataset.status)")
    return found[0] if found else "unknown"


def _click_and_wait(page: Any, button: Any, changed: str, arg: Any, timeout: float = 30_000,
                    watch: tuple[str, ...] = ()) -> float:
    """Click ``button``, wait until the JS predicate ``changed(arg)`` holds; seconds taken.

    On a timeout the failure says what the page showed — the kernel's status and the text of
    each widget kind in ``watch`` (CSS suffixes) — so a lost click (nothing moved, kernel idle)
    can be told from a slow kernel (busy) or a view that did not follow (its model moved)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    start = time.perf_counter()
    button.click()
    try:
        page.wait_for_function(changed, arg=arg, timeout=timeout)
    except PlaywrightTimeout:
        shown = {kind: [t[:300] for t in page.eval_on_selector_all(
            f".tokenlab-{kind}", "els => els.map(e => e.innerText)")] for kind in watch}
        raise AssertionError(
            f"no update {timeout / 1000:.0f} s after the click on {button.inner_text()!r}; "
            f"kernel {kernel_status(page)}; the page shows {shown}") from None
    return time.perf_counter() - start


#: A walker's counter ("Step 3 of 7") is the first such text in it: its controls come before
#: the step's body, which repeats the step number.
COUNTER = re.compile(r"Step (\d+) of (\d+)")
#: A click on a walker is done when its counter shows the step wanted *and* its picture is the
#: one of that step: the diagram's CSS class ``tokenlab-diagram-step-N`` says which step it
#: shows, and it arrives in the same message as the picture. A walker without a visible
#: picture (``diagrams=False``) has only the counter to wait for.
#:
#: The time is taken in the page: from the click event's time stamp to the DOM mutation that
#: makes the walker show the step (a MutationObserver), so Playwright's own work (finding the
#: button, waiting for it to be stable, polling) is not counted. ``walk_flows`` also returns the
#: round trip as Python sees it, Playwright included.
_ARM_WALKER = """([i, want]) => {
    const walker = document.querySelectorAll('.tokenlab-flowwalker')[i];
    const shows = () => {
        const m = /Step (\\d+) of (\\d+)/.exec(walker.textContent);
        if (m === null || Number(m[1]) !== want) return false;
        const img = walker.querySelector('img');
        if (img === null || img.offsetParent === null) return true;
        const p = /tokenlab-diagram-step-(\\d+)/.exec(img.className);
        return p !== null && Number(p[1]) === want;
    };
    const probe = {start: null, end: null};
    window.__tokenlabClick = probe;
    walker.addEventListener('click', (e) => { probe.start = e.timeStamp; },
                            {capture: true, once: true});
    const observer = new MutationObserver(() => {
        if (probe.start !== null && shows()) {
            probe.end = performance.now();
            observer.disconnect();
        }
    });
    observer.observe(walker, {subtree: true, childList: true, characterData: true,
                              attributes: true});
}"""
_WALKER_DONE = "() => window.__tokenlabClick.end !== null"
#: A learner reads a walker's introduction before pressing Next for the first time; meanwhile
#: the idle kernel draws the walker's pictures ahead (tokenlab.widgets.idle) and then marks the
#: walker with this class. The clicks are timed once it is there: before, each first click may
#: wait for its picture to be drawn (~250 ms) — what a learner who clicks at once would see.
PICTURES_READY = READY
#: Drawing every picture of every walker, on a loaded machine, takes less than this.
PICTURES_TIMEOUT_MS = 120_000


def _click_walker(page: Any, index: int, button: Any, want: int) -> tuple[float, float]:
    """Click a walker's ``button`` and wait until it shows step ``want``: seconds from the
    click to the DOM update (in the page), and Playwright's round trip (in Python)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate(_ARM_WALKER, [index, want])
    start = time.perf_counter()
    button.click()
    try:
        page.wait_for_function(_WALKER_DONE, timeout=30_000)
    except PlaywrightTimeout:
        probe = page.evaluate("() => window.__tokenlabClick")
        counter = COUNTER.search(page.locator(".tokenlab-flowwalker").nth(index).inner_text())
        raise AssertionError(
            f"walker {index} did not show step {want} 30 s after the click: the click "
            f"{'reached' if probe['start'] is not None else 'never reached'} the walker; it "
            f"shows {counter.group(0) if counter else 'no counter'}; kernel "
            f"{kernel_status(page)}") from None
    round_trip = time.perf_counter() - start
    probe = page.evaluate("() => window.__tokenlabClick")
    return (probe["end"] - probe["start"]) / 1000, round_trip


def walk_flows(page: Any) -> tuple[list[str], list[float], list[float]]:
    """Click every FlowWalker's Next button until its counter says the last step, then Back
    until the first; returns each walker's text at its last step, and for every Next and Back
    click the seconds from click to DOM update and Playwright's round trip."""
    finals: list[str] = []
    in_page: list[float] = []
    round_trips: list[float] = []
    walkers = page.locator(".tokenlab-flowwalker")
    for i in range(walkers.count()):
        walker = walkers.nth(i)
        walker.scroll_into_view_if_needed()
        nxt = walker.locator("button", has_text="Next")
        back = walker.locator("button", has_text="Back")
        page.wait_for_function(
            "([i, ready]) => document.querySelectorAll('.tokenlab-flowwalker')[i]"
            ".classList.contains(ready)", arg=[i, PICTURES_READY], timeout=PICTURES_TIMEOUT_MS)
        for button, step, end in ((nxt, 1, None), (back, -1, "0")):
            for _ in range(50):
                counter = COUNTER.search(walker.inner_text())
                # The counter, not the button, says when the end is reached: the button's
                # disabled state is updated a moment after the text, so reading it could race.
                if counter is None or counter.group(1) == (end or counter.group(2)):
                    break
                latency, round_trip = _click_walker(page, i, button,
                                                    int(counter.group(1)) + step)
                in_page.append(latency)
                round_trips.append(round_trip)
            if step == 1:
                finals.append(walker.inner_text())
    return finals, in_page, round_trips


def widget_text(page: Any, kind: str, index: int) -> str:
    return page.locator(f".tokenlab-{kind}").nth(index).inner_text()


def widget_counts(page: Any, expected: dict[str, int], timeout: float = 30_000) -> dict[str, int]:
    """How many live views of each kind (CSS suffix, e.g. ``flowwalker``) the page shows, once
    they match ``expected`` or ``timeout`` ms have passed (views render a moment after their
    cell ran; the caller compares)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # On a timeout the caller's comparison shows which kind is off, and by how many.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            """(expected) => Object.entries(expected).every(([kind, n]) =>
                  document.querySelectorAll('.tokenlab-' + kind).length === n)""",
            arg=expected, timeout=timeout)
    return {kind: page.locator(f".tokenlab-{kind}").count() for kind in expected}


def output_kinds(page: Any) -> dict[str, int]:
    """How many outputs of each MIME type the notebook shows: widget views that rendered are
    ``application/vnd.jupyter.widget-view+json``; a view that never came shows ``text/plain``."""
    kinds = page.eval_on_selector_all(".jp-OutputArea-output",
                                      "els => els.map(e => e.dataset.mimeType || '?')")
    return {k: kinds.count(k) for k in sorted(set(kinds))}


def text_matches(kind: str, index: int, pattern: str) -> tuple[str, list[Any]]:
    """A JS predicate (and its argument) for ``wait_for_function``: the ``index``-th view of
    ``kind`` shows text matching the regular expression ``pattern``."""
    return ("([kind, i, pattern]) => new RegExp(pattern).test("
            "document.querySelectorAll('.tokenlab-' + kind)[i].innerText)", [kind, index, pattern])


def text_only_widgets(page: Any) -> list[str]:
    """Outputs showing a tokenlab widget's plain-text repr where its view should be."""
    return page.eval_on_selector_all(
        '.jp-OutputArea-output[data-mime-type="text/plain"]',
        """els => els.map(e => e.textContent.trim()).filter(t =>
              /^(FlowWalker|TokenInspector|ClockControl|ScopeExplorer|ExerciseBox|AttackLab|ExposureExplorer)\\(/.test(t))""")
