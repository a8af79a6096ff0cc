"""The browser test's page log lets through only the explained 404s (``jlab.ALLOWED_404``):
any other failed request — and the console error Chromium logs for it — fails the notebook.
These tests feed it the events Playwright would; they need no browser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from . import jlab
from .jlab import PageLog

LAB = "http://127.0.0.1:8888"


@dataclass
class Message:  # the fields of playwright's ConsoleMessage that PageLog reads
    text: str
    type: str = "error"
    location: dict[str, Any] = field(default_factory=dict)


@dataclass
class Req:
    method: str = "GET"


@dataclass
class Resp:  # the fields of playwright's Response that PageLog reads
    url: str
    status: int
    request: Req = field(default_factory=Req)


def not_found(url: str, status: int = 404) -> tuple[Message, Resp]:
    text = (f"Failed to load resource: the server responded with a status of {status} "
            "(Not Found)")
    return Message(text, location={"url": url}), Resp(url, status)


def fed(*events: tuple[Message, Resp]) -> PageLog:
    log = PageLog()
    for message, response in events:
        log._on_console(message)
        log._on_response(response)
    return log


def test_an_unexplained_404_fails_as_a_console_error_and_a_failed_request() -> None:
    log = fed(not_found(f"{LAB}/files/missing.png?token=abc"))
    assert log.failed_requests == ["404 GET /files/missing.png"]
    assert len(log.console_errors) == 1 and "/files/missing.png" in log.console_errors[0]


def test_an_explained_404_is_let_through_and_nothing_else_is(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jlab, "ALLOWED_404", [(re.compile(r"/lab/api/optional/.*"), "why")])
    log = fed(not_found(f"{LAB}/lab/api/optional/thing"))
    assert (log.failed_requests, log.console_errors) == ([], [])
    log = fed(not_found(f"{LAB}/lab/api/optional/thing", status=500),
              not_found(f"{LAB}/lab/api/other"),
              not_found(f"{LAB}/prefix/lab/api/optional/thing"))
    assert log.failed_requests == ["500 GET /lab/api/optional/thing", "404 GET /lab/api/other",
                                   "404 GET /prefix/lab/api/optional/thing"]
    assert len(log.console_errors) == 3


def test_every_allowed_404_says_why() -> None:
    assert all(isinstance(p, re.Pattern) and why.strip() for p, why in jlab.ALLOWED_404)


def test_other_console_errors_and_warnings() -> None:
    log = PageLog()
    log._on_console(Message("Uncaught TypeError: x is undefined"))
    log._on_console(Message("just a warning", type="warning"))
    log._on_response(Resp(f"{LAB}/api/kernels", 200))
    assert log.console_errors == ["Uncaught TypeError: x is undefined"]
    assert log.failed_requests == []
