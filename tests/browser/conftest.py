"""Real-browser tests: a real JupyterLab on localhost, driven by Debian's chromium via Playwright.

JupyterLab serves a temporary copy of ``notebooks/`` (so autosave never touches the repo), with
token auth and its own config, runtime, settings and workspace directories; news and update
checks are off. Chromium is Debian's ``/usr/bin/chromium`` — Playwright never downloads a browser.
Where chromium is missing the tests skip and say how to enable them; under CI (``CI=true``) a
missing chromium is a failure, since ``.ci/run`` installs it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in CI containers
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",  # no calls home: this machine has no internet
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    root: Path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def under_ci() -> bool:
    """``CI`` set to anything but empty, ``0``, ``false`` or ``no`` (``.ci/run`` sets ``true``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _require_chromium() -> None:
    """Skip without chromium — except under CI, where a skip would hide that no browser test ran."""
    if CHROMIUM.exists():
        return
    message = (f"chromium not found at {CHROMIUM}: install Debian's package "
               "(`sudo apt install chromium`) to run the real-browser tests")
    if under_ci():
        pytest.fail(message + " (CI is set: .ci/run installs it, so its absence is a failure)")
    pytest.skip(message)


def _write_settings(settings: Path) -> None:
    """User settings for the isolated JupyterLab: keep every cell in the page (no windowing),
    so the tests see all of them. Everything else is what a learner gets: the course's defaults
    (binder/overrides.json, installed into the venv by `make`) start the kernel without a dialog
    and turn news and update checks off."""
    files = {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for name, values in files.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    _require_chromium()
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    shutil.copytree(ROOT / "notebooks", root,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = {**os.environ,
           "JUPYTER_CONFIG_DIR": str(base / "config"),
           "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    _write_settings(base / "settings")
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
           f"--ServerApp.root_dir={root}", "--ServerApp.ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           # window.jupyterapp: the tests wait on the notebook's session being ready (see
           # jlab.open_notebook), a state the page does not show.
           "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (base / "lab.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                req = urllib.request.Request(f"{url}/api/status",
                                             headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(req, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("JupyterLab did not start:\n" + (base / "lab.log").read_text())
            time.sleep(0.5)
        yield Lab(url, token, root)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()


@pytest.fixture(scope="session")
def browser(lab: Lab) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """When a browser test fails, keep what the page showed: a full-page screenshot and its HTML
    in artifacts/browser/, named after the test (a failure on a shared machine can then be read
    afterwards, not guessed)."""
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "funcargs", {}).get("page")
    if report.when != "call" or not report.failed or page is None:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", item.name)
    with contextlib.suppress(Exception):  # the page may be gone; the failure itself stands
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{stem}.png"), full_page=True)
        (ARTIFACTS / f"FAILED-{stem}.html").write_text(page.content(), encoding="utf-8")
        report.sections.append(("browser artifacts", f"saved {ARTIFACTS}/FAILED-{stem}.png/.html"))
