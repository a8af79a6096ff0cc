"""`make lab` serves the course: start it as a learner would, fetch the start notebook, stop it.

The venv already exists when the tests run (they run inside it), so `make lab` only checks its
install stamps and starts JupyterLab. Config, runtime, settings and workspace dirs are isolated in
tmp_path; the data dir is not, because it holds the kernelspecs and lab extensions of the venv.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = "00-start-here.ipynb"
STARTUP_TIMEOUT = 120.0  # seconds until the contents API must answer
STOP_TIMEOUT = 30.0  # seconds the server gets to exit after SIGTERM
# Variables a parent `make` (as in `make test`) passes down; a learner's `make lab` has none.
MAKE_VARS = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, token: str) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read().decode("utf-8", errors="replace")
        return response.status, response.headers.get_content_type(), body


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(proc: subprocess.Popen, timeout: float) -> bool:
    """SIGTERM the whole process group; SIGKILL it if still there after `timeout`.

    Returns True when the group went away on SIGTERM alone.
    """
    if proc.poll() is None or group_alive(proc.pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None and not group_alive(proc.pid):
            return True
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    return False


def test_make_lab_serves_the_start_notebook(tmp_path):
    make = shutil.which("make")
    assert make, "GNU make is not on PATH"
    assert (ROOT / "notebooks" / START).is_file(), f"notebooks/{START} is missing"

    port = free_port()
    token = secrets.token_hex(16)
    lab_args = " ".join(
        [
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
    )
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARS}
    for var, sub in [
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"),
    ]:
        (tmp_path / sub).mkdir()
        env[var] = str(tmp_path / sub)

    log_path = tmp_path / "make-lab.log"
    base = f"http://127.0.0.1:{port}"

    def output() -> str:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        return f"\n--- output of `make lab` ({log_path}) ---\n{text[-8000:]}"

    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [make, f"LAB_ARGS={lab_args}", "lab"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so everything it starts is stopped
        )
        try:
            model = None
            last_error = "no attempt yet"
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while time.monotonic() < deadline:
                code = proc.poll()
                assert code is None, f"`make lab` exited early with code {code}{output()}"
                try:
                    status, _, body = get(f"{base}/api/contents/{START}?content=0", token)
                except urllib.error.HTTPError as err:
                    assert err.code >= 500, f"contents API answered {err.code}{output()}"
                    last_error = f"HTTP {err.code}"
                except (urllib.error.URLError, ConnectionError, TimeoutError) as err:
                    last_error = repr(err)
                else:
                    assert status == 200, f"contents API answered {status}{output()}"
                    model = json.loads(body)
                    break
                time.sleep(0.5)
            assert model is not None, (
                f"no answer from {base} within {STARTUP_TIMEOUT:.0f} s ({last_error}){output()}"
            )
            assert model["name"] == START, f"{model}{output()}"
            assert model["path"] == START, f"{model}{output()}"
            assert model["type"] == "notebook", f"{model}{output()}"

            status, content_type, page = get(f"{base}/lab/tree/{START}", token)
            assert status == 200, output()
            assert content_type == "text/html", f"{content_type}{output()}"
            assert "<title>JupyterLab</title>" in page, f"{page[:2000]}{output()}"
            assert START in page, f"the lab page does not name {START}{output()}"
        finally:
            stopped_on_term = stop(proc, STOP_TIMEOUT)

    assert stopped_on_term, f"`make lab` ignored SIGTERM for {STOP_TIMEOUT:.0f} s{output()}"
    assert proc.returncode is not None
    assert not group_alive(proc.pid), f"processes of `make lab` outlived it{output()}"
