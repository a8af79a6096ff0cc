"""The simulated wire: messages, the event log, and a rendering that never shows a secret."""

from __future__ import annotations

import base64

import pytest

from tokenlab import (
    AuthServer,
    Event,
    RegisteredClient,
    Request,
    ResourceServer,
    Response,
    SimClock,
    Wire,
)
from tokenlab.jose.tokens import shorten
from tokenlab.net.masking import MASK
from tokenlab.net.messages import FORM, Headers

from ..conftest import API, ISSUER, PASSWORD

TOKEN_URL = f"{ISSUER}/token"


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


# -- messages -------------------------------------------------------------------------------------


def test_rfc9110_5_1_header_lookups_ignore_case() -> None:
    r = Request.get(f"{API}/me", {"AuThOrIzAtIoN": "Bearer abc"})
    assert r.headers["authorization"] == r.headers.get("AUTHORIZATION") == "Bearer abc"
    assert "Authorization" in r.headers and list(r.headers) == ["AuThOrIzAtIoN"]
    assert r.headers == {"authorization": "Bearer abc"}


def test_rfc9110_5_3_same_field_twice_is_combined() -> None:
    h = Headers({"Accept": "a", "accept": "b"})
    assert h["ACCEPT"] == "a, b" and len(h) == 1


def test_post_is_a_form_and_body_keeps_repeats() -> None:
    r = Request.post(TOKEN_URL, {"grant_type": "password", "scope": ["a", "b"]})
    assert r.headers["content-type"] == FORM and r.is_form
    assert r.form() == [("grant_type", "password"), ("scope", "a"), ("scope", "b")]
    assert not Request("POST", TOKEN_URL, {"Content-Type": "application/json"}, {}).is_form
    assert Request("POST", TOKEN_URL, {}, {"a": "b"}).is_form  # form fields are the default
    assert not Request.get(TOKEN_URL).is_form


def test_recorded_body_cannot_be_edited() -> None:
    form = {"grant_type": "password"}
    r = Request.post(TOKEN_URL, form)
    form["grant_type"] = "changed"  # the caller's dict is copied
    assert r.body is not None and r.body["grant_type"] == "password"
    with pytest.raises(TypeError):
        r.body["grant_type"] = "changed"  # type: ignore[index]


def test_query_and_path() -> None:
    r = Request.get(f"{API}/weather?city=Oslo&city=Bergen&empty=")
    assert r.path == "/weather"
    assert r.query == [("city", "Oslo"), ("city", "Bergen"), ("empty", "")]
    assert Request.get("https://api.example").path == "/"


@pytest.mark.parametrize(("request_", "why"), [
    (Request(None, TOKEN_URL), "method"),  # type: ignore[arg-type]
    (Request("POST", 42), "URL must be text"),  # type: ignore[arg-type]
    (Request("GET", "/relative"), "absolute"),
    (Request("GET", "https://[::1/x"), "cannot be parsed"),
    (Request("GET", TOKEN_URL, {1: "x"}), "header"),  # type: ignore[dict-item]
    (Request("GET", TOKEN_URL, None), None),  # type: ignore[arg-type]
    (Request("POST", TOKEN_URL, {}, {"a": 1}), "form field"),  # type: ignore[dict-item]
    (Request("POST", TOKEN_URL, {}, {"a": ["x", None]}), "form field"),  # type: ignore[list-item]
    (Request("POST", TOKEN_URL, {}, "grant_type=x"), "form fields"),  # type: ignore[arg-type]
])
def test_malformed_requests_are_named_not_raised(request_: Request, why: str | None) -> None:
    problem = request_.malformed()
    if why is None:
        assert problem is None
    else:
        assert problem is not None and why in problem


def test_response_helpers() -> None:
    r = Response(401, {"WWW-Authenticate": 'Bearer realm="x"'})
    assert r.reason == "Unauthorized" and not r.ok and r.json() == {}
    assert r.headers["www-authenticate"] == 'Bearer realm="x"'
    assert Response(299).reason == ""


# -- the log -------------------------------------------------------------------------------------


def test_wire_keeps_an_ordered_log_stamped_by_the_clock(clock: SimClock) -> None:
    wire = Wire(clock)
    assert len(wire) == 0 and wire.last is None and list(wire) == []
    first = wire.record(Request.get(f"{API}/me"), Response(401), sender="app", receiver="api")
    clock.advance(12)
    second = wire.record(Request.get(f"{API}/me"), Response(200), sender="app", receiver="api",
                         outcome="200 fine", notes=["n", "n", "m"])
    assert wire.events == (first, second) and list(wire) == [first, second] and wire[0] is first
    assert wire.last is second and len(wire) == 2
    assert second.time - first.time == 12
    assert (first.outcome, second.outcome) == ("401 Unauthorized", "200 fine")
    assert second.notes == ("n", "m")  # each note once, in order
    assert isinstance(first, Event) and first.sender == "app" and first.receiver == "api"
    wire.clear()
    assert len(wire) == 0


def test_servers_share_one_wire(auth: AuthServer, clock: SimClock) -> None:
    assert isinstance(auth.wire, Wire) and auth.wire.clock is clock
    api = ResourceServer(audience=API, auth=auth)
    assert api.wire is auth.wire
    own = Wire(clock)
    assert ResourceServer(audience="https://calendar.example", auth=auth, wire=own).wire is own


def test_jwks_only_api_gets_its_own_wire(auth: AuthServer) -> None:
    api = ResourceServer(audience=API, issuer=ISSUER, jwks=auth.jwks())
    assert isinstance(api.wire, Wire) and api.wire is not auth.wire


# -- the rendering --------------------------------------------------------------------------------


@pytest.fixture
def token_exchange(auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> Event:
    assert app.client_secret is not None
    auth.handle(Request.post(TOKEN_URL, {"grant_type": "client_credentials"},
                             {"Authorization": basic(app.client_id, app.client_secret)}))
    assert auth.wire.last is not None
    return auth.wire.last


def test_render_shortens_jwts(token_exchange: Event) -> None:
    assert isinstance(token_exchange.response_body, dict)
    token = token_exchange.response_body["access_token"]  # the raw event keeps the truth
    assert token.count(".") == 2 and len(token) > 100
    text = token_exchange.render()
    assert token not in text and shorten(token) in text
    assert token in token_exchange.render(shorten=False)


def test_render_never_shows_client_secrets(auth: AuthServer, app: RegisteredClient,
                                           token_exchange: Event) -> None:
    assert app.client_secret is not None
    raw = token_exchange.headers["Authorization"]
    assert raw == basic(app.client_id, app.client_secret)  # on the wire, as an attacker sees it
    auth.handle(Request.post(TOKEN_URL, {"grant_type": "client_credentials",
                                         "client_id": app.client_id,
                                         "client_secret": app.client_secret}))
    for shortened in (True, False):
        text = auth.wire.render(shorten=shortened)
        assert app.client_secret not in text and app.client_secret[:8] not in text
        assert raw.split()[1] not in text  # the base64 would give the secret away
        assert f"client_secret={MASK}" in text and f"Basic {MASK} ({app.client_id}:{MASK})" in text


def test_render_never_shows_passwords(auth: AuthServer) -> None:
    spa = auth.register_client("spa", ["weather:read"], public=True,
                               redirect_uris=["https://app.example/cb"])
    ResourceServer(audience=API, auth=auth)
    auth.register_user("alice", PASSWORD)
    auth.handle(Request.post(TOKEN_URL, {"grant_type": "password", "client_id": spa.client_id,
                                         "username": "alice", "password": PASSWORD}))
    auth.handle(Request.get(f"{ISSUER}/authorize?response_type=code&client_id={spa.client_id}"
                            f"&username=alice&password={PASSWORD.replace(' ', '+')}"))
    events = auth.wire.events
    assert events[0].body is not None and events[0].body["password"] == PASSWORD
    assert "password=correct" in events[1].url
    for shortened in (True, False):
        text = auth.wire.render(shorten=shortened)
        assert "horse" not in text and text.count(f"password={MASK}") == 2


def test_render_shortens_opaque_tokens_in_known_fields(auth: AuthServer) -> None:
    spa = auth.register_client("spa", ["weather:read"], public=True,
                               redirect_uris=["https://app.example/cb"])
    ResourceServer(audience=API, auth=auth)
    auth.register_user("alice", PASSWORD)
    auth.handle(Request.post(TOKEN_URL, {"grant_type": "password", "client_id": spa.client_id,
                                         "username": "alice", "password": PASSWORD}))
    body = auth.wire.events[0].response_body
    assert isinstance(body, dict)
    refresh = body["refresh_token"]
    auth.handle(Request.post(TOKEN_URL, {"grant_type": "refresh_token", "client_id": spa.client_id,
                                         "refresh_token": refresh}))
    text = auth.wire.render()
    assert refresh not in text and text.count(shorten(refresh) or "") == 2
    assert refresh in auth.wire.render(shorten=False)


def test_render_shows_the_block_of_an_event(token_exchange: Event, app: RegisteredClient) -> None:
    lines = token_exchange.render(number=1).splitlines()
    assert lines[0] == "[1] 2030-01-01 00:00:00 UTC  client → auth server"
    assert lines[1] == f"    POST {TOKEN_URL}"
    assert "    grant_type=client_credentials" in lines
    assert "  ← 200 OK" in lines and "    Cache-Control: no-store" in lines


def test_str_of_wire_is_its_render(token_exchange: Event, auth: AuthServer) -> None:
    assert str(auth.wire) == auth.wire.render() and str(token_exchange) == token_exchange.render()
    assert repr(auth.wire) == "Wire(1 events)"


def test_show_prints_the_render(auth: AuthServer, token_exchange: Event,
                                capsys: pytest.CaptureFixture[str]) -> None:
    auth.wire.show()
    assert capsys.readouterr().out == auth.wire.render() + "\n"


def test_summary_is_one_line_per_event_with_secrets_masked() -> None:
    from tokenlab import AuthServer, Client, ResourceServer, SimClock

    clock = SimClock()
    auth = AuthServer("https://auth.example", clock=clock, seed=1)
    api = ResourceServer("https://api.example", auth)
    reg = auth.register_client("app", ["weather:read"])
    client = Client(auth, reg, api)
    assert client.get("/weather").status == 200
    lines = auth.wire.summary().splitlines()
    assert len(lines) == len(auth.wire) == 2
    assert lines[0].startswith("[1] 00:00:00  app → auth server: POST /token  ← 200")
    assert lines[1].startswith("[2] 00:00:00  app → api: GET /weather  ← 200")
    assert auth.wire.summary(start=1).splitlines() == lines[1:]
    assert reg.client_secret is not None and reg.client_secret not in auth.wire.summary()


def test_rfc3986_3_2_1_a_password_in_the_url_userinfo_is_masked(clock: SimClock) -> None:
    """RFC 3986 §3.2.1: "Applications should not render as clear text any data after the first
    colon (":") character found within a userinfo subcomponent"."""
    url = f"https://alice:{PASSWORD.replace(' ', '%20')}@api.example/weather?city=Oslo"
    wire = Wire(clock)
    event = wire.record(Request.get(url), Response(401), sender="app", receiver="api")
    for text in (event.render(), event.render(shorten=False), repr(event), repr(Request.get(url)),
                 event.summary()):
        assert "horse" not in text, text
    assert f"https://alice:{MASK}@api.example/weather?city=Oslo" in event.render()


@pytest.mark.parametrize("value", ["k3y-Secret-0123456789abcdef", "Digest k3y-Secret-0123456789abcdef"])
def test_rfc6749_10_1_an_authorization_header_of_an_unknown_scheme_is_masked(
        clock: SimClock, value: str) -> None:
    """A bare value (an API key sent without a scheme) is masked whole; a known scheme is kept."""
    event = Wire(clock).record(Request.get(f"{API}/me", {"Authorization": value}), Response(401),
                               sender="app", receiver="api")
    for text in (event.render(shorten=False), repr(event)):
        assert "k3y-Secret" not in text, text
    scheme = value.split()[0] + " " if " " in value else ""
    assert f"Authorization: {scheme}{MASK}" in event.render()


def test_malformed_request_names_the_field_and_its_type_never_the_value() -> None:
    problem = Request("POST", TOKEN_URL, {}, {"client_secret": 1234567}).malformed()  # type: ignore[dict-item]
    assert problem == "the value of form field 'client_secret' must be text, not int"
    problem = Request("POST", TOKEN_URL, {}, {"password": "\ud800hunter2"}).malformed()
    assert problem is not None and "'password' is not valid UTF-8 text" in problem
    assert "hunter2" not in problem and "ud800" not in problem and "\ud800" not in problem


def test_rfc3986_3_2_2_an_unbalanced_ip_literal_never_raises_when_shown(auth: AuthServer) -> None:
    """``https://[::1/token`` cannot be parsed (RFC 3986 §3.2.2: an IP literal is enclosed in
    brackets): the server answers 400, and every view of the event shows it without raising."""
    url = "https://[::1/token?password=hunter2"
    response = auth.handle(Request.post(url, {"grant_type": "client_credentials"}))
    event = auth.wire.last
    assert response.status == 400 and event is not None
    assert "cannot be parsed" in response.json()["error_description"]
    assert event.path == "" and event.query == {} and Request.post(url, {}).path == ""
    assert Request.post(url, {}).query == []
    assert "POST" in event.summary() and "POST" in auth.wire.summary()
    for text in (event.render(), repr(event), event.summary()):
        assert "hunter2" not in text, text


def test_wire_message_numbers_agree_with_the_printed_trace(auth: AuthServer) -> None:
    """``wire.message(n)`` is the event the summary and the rendering print as ``[n]``."""
    auth.handle(Request.get("https://auth.example/jwks.json"))
    auth.handle(Request.get("https://auth.example/.well-known/oauth-authorization-server"))
    for n, line in enumerate(auth.wire.summary().splitlines(), 1):
        assert line.startswith(f"[{n}] ") and line == f"[{n}] {auth.wire.message(n).summary()}"
    assert auth.wire.message(2) is auth.wire[1] and "[2]" in auth.wire.render()
    for bad in (0, 3, -1):
        with pytest.raises(IndexError, match="holds messages 1 to 2"):
            auth.wire.message(bad)
    with pytest.raises(TypeError):
        auth.wire.message("1")  # type: ignore[arg-type]


def test_a_wire_that_keeps_only_the_latest_exchanges_numbers_them_on() -> None:
    """A long-running server (``tokenlab serve``) must not grow without bound: a wire made with
    ``keep=N`` holds the latest N exchanges, counts the ones it let go, and keeps numbering on."""
    from tokenlab import SimClock
    from tokenlab.net.messages import Request, Response
    from tokenlab.net.wire import Wire

    wire = Wire(SimClock(), keep=3)
    for i in range(5):
        wire.record(Request.get(f"https://api.example/{i}"), Response(200), sender="app",
                    receiver="api")
    assert len(wire) == 3 and wire.dropped == 2
    assert [e.path for e in wire] == ["/2", "/3", "/4"]
    assert wire.summary().splitlines()[0].startswith("[3] ")
    assert wire.message(5).path == "/4"
    with pytest.raises(IndexError, match="let go"):
        wire.message(1)
    with pytest.raises(ValueError, match="keep"):
        Wire(SimClock(), keep=0)


def test_clearing_a_wire_starts_its_numbering_again() -> None:
    from tokenlab import SimClock
    from tokenlab.net.messages import Request, Response
    from tokenlab.net.wire import Wire

    wire = Wire(SimClock(), keep=2)
    for i in range(3):
        wire.record(Request.get(f"https://api.example/{i}"), Response(200), sender="app",
                    receiver="api")
    wire.clear()
    wire.record(Request.get("https://api.example/again"), Response(200), sender="app",
                receiver="api")
    assert wire.dropped == 0 and wire.message(1).path == "/again"
