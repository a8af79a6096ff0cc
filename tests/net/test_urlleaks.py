"""Where a URL goes after its request: the access log line and the Referer header, from the wire."""

from __future__ import annotations

import pytest

from tokenlab import AuthServer, Client, Request, ResourceServer, SimClock
from tokenlab.net.urlleaks import (
    DEFAULT_POLICY,
    POLICIES,
    access_log_line,
    referer,
    request_target,
)
from tokenlab.net.wire import Event

from ..conftest import API, ISSUER


@pytest.fixture
def events() -> tuple[Event, Event, str]:
    """The same app calls the API twice: token in the header, then in the URL query."""
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth)
    reg = auth.register_client("weather-app", ["weather:read"])
    header = Client(auth, reg, api, scope="weather:read")
    assert header.get("/weather").status == 200
    in_header = auth.wire.last
    clock.advance(61)
    query = Client(auth, reg, api, scope="weather:read", token_in="query")
    assert query.get("/weather").status == 200
    in_query = auth.wire.last
    assert in_header is not None and in_query is not None and query.access_token is not None
    return in_header, in_query, query.access_token


def test_the_log_line_of_a_query_token_holds_the_whole_token(events: tuple[Event, Event, str]) -> None:
    in_header, in_query, token = events
    line = access_log_line(in_query)
    assert line == (f'203.0.113.7 - - [01/Jan/2030:00:01:01 +0000] "GET /weather?access_token={token} '
                    'HTTP/1.1" 200 -')
    assert token in line
    clean = access_log_line(in_header, client="198.51.100.1")
    assert clean == '198.51.100.1 - - [01/Jan/2030:00:00:00 +0000] "GET /weather HTTP/1.1" 200 -'
    assert "eyJ" not in clean  # the Authorization header is not part of the request line


def test_the_log_line_of_a_refusal_has_its_status() -> None:
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    api = ResourceServer(API, auth)
    api.handle(Request.get(f"{API}/weather"))
    assert auth.wire.last is not None
    assert access_log_line(auth.wire.last).endswith('"GET /weather HTTP/1.1" 401 -')


def test_request_target() -> None:
    assert request_target("https://a.example") == "/"
    assert request_target("https://a.example/x?y=1#frag") == "/x?y=1"
    assert request_target("https://a.example/x?") == "/x"


def test_access_log_line_needs_an_event() -> None:
    with pytest.raises(TypeError, match="Event"):
        access_log_line("GET /")  # type: ignore[arg-type]


PAGE = "https://user:pw@kitchen.example/cookie?access_token=eyJ.abc.def#top"
FULL = "https://kitchen.example/cookie?access_token=eyJ.abc.def"
ORIGIN = "https://kitchen.example/"
SAME = "https://kitchen.example/img/cookie.png"
CROSS = "https://cdn.example/analytics.js"
DOWN = "http://tracker.example/pixel.gif"


@pytest.mark.parametrize(("policy", "same", "cross", "down"), [
    ("no-referrer", None, None, None),
    ("no-referrer-when-downgrade", FULL, FULL, None),
    ("same-origin", FULL, None, None),
    ("origin", ORIGIN, ORIGIN, ORIGIN),
    ("strict-origin", ORIGIN, ORIGIN, None),
    ("origin-when-cross-origin", FULL, ORIGIN, ORIGIN),
    ("strict-origin-when-cross-origin", FULL, ORIGIN, None),
    ("unsafe-url", FULL, FULL, FULL),
])
def test_referrer_policies(policy: str, same: str | None, cross: str | None,
                           down: str | None) -> None:
    """W3C Referrer Policy §8.3, each policy to the same origin, another origin, plain http.
    User info and the fragment are always stripped (§8.4)."""
    assert (referer(PAGE, SAME, policy=policy), referer(PAGE, CROSS, policy=policy),
            referer(PAGE, DOWN, policy=policy)) == (same, cross, down)


def test_every_policy_is_tested_and_the_default_is_the_browsers() -> None:
    assert DEFAULT_POLICY == "strict-origin-when-cross-origin" and len(POLICIES) == 8
    assert referer(PAGE, SAME) == FULL and referer(PAGE, CROSS) == ORIGIN


def test_referer_from_a_recorded_event(events: tuple[Event, Event, str]) -> None:
    _, in_query, token = events
    sent = referer(in_query, f"{API}/logo.png")
    assert sent == in_query.url and token in sent
    assert referer(in_query, "https://cdn.example/app.js") == f"{API}/"


def test_origins_compare_scheme_host_and_port() -> None:
    assert referer("https://a.example:443/p?q=1", "https://a.example/x") == "https://a.example/p?q=1"
    assert referer("https://a.example:8443/p?q=1", "https://a.example/x") == "https://a.example:8443/"
    assert referer("https://A.Example/p?q=1", "https://a.example/x") == "https://a.example/p?q=1"
    assert referer("http://a.example/p?q=1", "https://a.example/x") == "http://a.example/"
    assert referer("http://localhost:8000/p", "http://localhost:8000/x", policy="strict-origin") == (
        "http://localhost:8000/")


def test_a_very_long_url_is_sent_as_its_origin() -> None:
    page = "https://a.example/p?access_token=" + "x" * 5000
    assert referer(page, "https://a.example/x") == "https://a.example/"


def test_nothing_to_refer_from_and_bad_input() -> None:
    assert referer("about:blank", SAME, policy="unsafe-url") is None
    assert referer("data:text/html,hi", SAME, policy="unsafe-url") is None
    with pytest.raises(ValueError, match="policy must be one of"):
        referer(PAGE, SAME, policy="always")
    with pytest.raises(TypeError):
        referer(PAGE, 42)  # type: ignore[arg-type]
