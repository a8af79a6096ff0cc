"""Real servers on 127.0.0.1 for the interop tests: ``tokenlab.serve`` in background threads,
one per module (each start is cheap; the tests never sleep, they wait on a socket or a line).

``curl`` is Debian's: where it is missing the curl tests skip and say how to get it — except
under CI (``CI=true``), where ``.ci/run`` installs it, so its absence is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

import tokenlab
from tokenlab.serving import Serving


def under_ci() -> bool:
    """``CI`` set to anything but empty, ``0``, ``false`` or ``no`` (``.ci/run`` sets ``true``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def curl_path() -> str:
    path = shutil.which("curl")
    if path is None:
        message = "curl is not installed: `apt-get install curl` (Debian) runs these tests"
        if under_ci():
            pytest.fail(message + " (CI is set: .ci/run installs it, so its absence is a failure)")
        pytest.skip(message)
    return path


def run_curl(curl: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``curl -sS`` with a timeout, never reading ~/.curlrc; the status code on the last line."""
    return subprocess.run([curl, "-q", "-sS", "--max-time", "10", "-w", "\n%{http_code}", *args],
                          capture_output=True, text=True, timeout=20, check=False)


def split_status(out: str) -> tuple[str, int]:
    body, _, code = out.rpartition("\n")
    return body, int(code)


@pytest.fixture(scope="module")
def server() -> Iterator[Serving]:
    with tokenlab.serve(seed=13) as s:
        yield s


@pytest.fixture(scope="module")
def dpop_server() -> Iterator[Serving]:
    with tokenlab.serve(dpop_required=True) as s:
        yield s


@pytest.fixture(scope="module")
def tls_server() -> Iterator[Serving]:
    with tokenlab.serve(seed=13, tls=True) as s:
        yield s
