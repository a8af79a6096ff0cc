"""The resource server over HTTP: RFC 6750 bearer tokens, its challenges, and the demo API."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab import (
    AuthServer,
    RegisteredClient,
    Request,
    ResourceServer,
    Response,
    SimClock,
)
from tokenlab.api.http import NOTE_PLAIN_HTTP, NOTE_URL_QUERY, bearer_challenge, parse_challenge
from tokenlab.jose.verify import VerifiedClaims

from ..conftest import API, ISSUER, Forge

WEATHER = f"{API}/weather"
ME = f"{API}/me"


@pytest.fixture
def token(auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> str:
    return auth.client_credentials(app.client_id, app.client_secret,
                                   scope="weather:read").access_token


@pytest.fixture
def writer(auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> str:
    return auth.client_credentials(app.client_id, app.client_secret,
                                   scope="weather:write").access_token


def bearer(token: str, scheme: str = "Bearer") -> dict[str, str]:
    return {"Authorization": f"{scheme} {token}"}


def challenge(r: Response) -> dict[str, str]:
    scheme, params = parse_challenge(r.headers["WWW-Authenticate"])
    assert scheme == "Bearer"
    return params


# -- where the token comes from (RFC 6750 §2) -----------------------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_rfc6750_2_1_authorization_header_scheme_is_case_insensitive(
        api: ResourceServer, token: str, scheme: str) -> None:
    r = api.handle(Request.get(WEATHER, {"authorization": f"{scheme} {token}"}))
    assert r.status == 200 and r.json()["city"] == "Amsterdam"
    assert api.wire.last is not None and api.wire.last.notes == ()


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b", "Bearer ñ", "Bearer a,b"])
def test_rfc6750_2_1_malformed_bearer_header_is_invalid_request(api: ResourceServer,
                                                                header: str) -> None:
    r = api.handle(Request.get(WEATHER, {"Authorization": header}))
    assert r.status == 400 and challenge(r)["error"] == "invalid_request"


def test_rfc6750_2_2_form_body_token_on_post(api: ResourceServer, writer: str) -> None:
    seen: list[Request] = []

    def handler(request: Request, claims: VerifiedClaims) -> dict[str, str]:
        seen.append(request)
        return {"ok": "yes"}

    api.route("POST", "/reports", "weather:write", handler)
    r = api.handle(Request.post(f"{API}/reports", {"access_token": writer, "city": "Oslo"}))
    assert r.status == 200 and r.json() == {"ok": "yes"}
    assert seen[0].body == {"city": "Oslo"}  # the handler never sees the token


def test_rfc6750_2_2_no_body_token_on_get(api: ResourceServer, token: str) -> None:
    r = api.handle(Request("GET", WEATHER, {}, {"access_token": token}))
    assert r.status == 400 and challenge(r)["error"] == "invalid_request"


def test_rfc6750_2_2_body_token_only_in_a_form(api: ResourceServer, writer: str) -> None:
    r = api.handle(Request("POST", WEATHER, {"Content-Type": "application/json"},
                           {"access_token": writer}))
    assert r.status == 401 and "error" not in challenge(r)  # no token found at all


def test_rfc6750_2_3_query_token_is_accepted_but_flagged_leaky(api: ResourceServer,
                                                               token: str) -> None:
    r = api.handle(Request.get(f"{WEATHER}?city=Oslo&access_token={token}"))
    assert r.status == 200 and r.json()["city"] == "Oslo"
    assert r.headers["Cache-Control"] == "private"  # RFC 6750 §2.3
    event = api.wire.last
    assert event is not None and NOTE_URL_QUERY in event.notes
    assert token in event.url  # what the access log keeps
    assert "RFC 6750 §2.3" in NOTE_URL_QUERY and "RFC 9700 §4.3.2" in NOTE_URL_QUERY


def test_rfc6750_2_3_handler_never_sees_the_query_token(api: ResourceServer, token: str) -> None:
    seen: list[Request] = []
    api.route("GET", "/echo", None, lambda request, claims: seen.append(request) or {})
    api.handle(Request.get(f"{API}/echo?a=1&access_token={token}"))
    assert seen[0].query == [("a", "1")] and token not in seen[0].url


@pytest.mark.parametrize("how", ["header+query", "header+body", "query+body"])
def test_rfc6750_2_token_in_more_than_one_way_is_invalid_request(
        api: ResourceServer, writer: str, how: str) -> None:
    url = f"{WEATHER}?access_token={writer}" if "query" in how else WEATHER
    headers = bearer(writer) if "header" in how else {}
    body = {"access_token": writer} if "body" in how else {}
    r = api.handle(Request.post(url, body, headers))
    assert r.status == 400
    assert challenge(r)["error"] == "invalid_request" and r.json()["error"] == "invalid_request"
    assert "more than one method" in r.json()["error_description"]


def test_rfc6750_3_1_repeated_query_token_is_invalid_request(api: ResourceServer,
                                                             token: str) -> None:
    r = api.handle(Request.get(f"{WEATHER}?access_token={token}&access_token={token}"))
    assert r.status == 400 and challenge(r)["error"] == "invalid_request"


# -- refusals (RFC 6750 §3) -----------------------------------------------------------------------


def test_rfc6750_3_1_no_token_gets_bare_challenge(api: ResourceServer) -> None:
    r = api.handle(Request.get(WEATHER))
    assert r.status == 401
    assert r.headers["WWW-Authenticate"] == f'Bearer realm="{API}"'
    assert r.body is None
    assert api.wire.last is not None and "no token" in api.wire.last.outcome


def test_rfc6750_3_1_another_scheme_is_no_bearer_token(api: ResourceServer) -> None:
    r = api.handle(Request.get(WEATHER, {"Authorization": "Basic dXNlcjpwYXNz"}))
    assert r.status == 401 and r.headers["WWW-Authenticate"] == f'Bearer realm="{API}"'


def test_rfc6750_3_1_invalid_token(api: ResourceServer, token: str, clock: SimClock) -> None:
    clock.advance(312)
    r = api.handle(Request.get(WEATHER, bearer(token)))
    assert r.status == 401
    params = challenge(r)
    assert params["realm"] == API and params["error"] == "invalid_token"
    assert params["error_description"].startswith("expired 12 s ago, at 2030-01-01 00:05:00 UTC")
    assert r.json() == {"error": "invalid_token", "error_description": params["error_description"]}
    assert api.wire.last is not None
    assert api.wire.last.outcome.startswith("401 invalid_token: expired 12 s ago")


def test_rfc6750_3_1_garbage_and_revoked_tokens_are_invalid_token(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, token: str) -> None:
    assert challenge(api.handle(Request.get(WEATHER, bearer("abc"))))["error"] == "invalid_token"
    auth.revoke(token, app.client_id, app.client_secret)
    r = api.handle(Request.get(WEATHER, bearer(token)))
    assert r.status == 401 and "revoked" in challenge(r)["error_description"]


def test_rfc6750_3_insufficient_scope_is_403_with_the_scope(api: ResourceServer,
                                                            token: str) -> None:
    r = api.handle(Request.post(WEATHER, {"city": "Oslo"}, bearer(token)))
    assert r.status == 403
    params = challenge(r)
    assert (params["error"], params["scope"]) == ("insufficient_scope", "weather:write")
    assert r.json()["error"] == "insufficient_scope" and r.json()["scope"] == "weather:write"


def test_rfc6750_3_error_description_stays_in_its_character_set(api: ResourceServer,
                                                                forge: Forge) -> None:
    """RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E — no quote, no backslash,
    nothing outside printable ASCII — so the quoted-string never breaks."""
    evil = forge(header={"kid": 'k"é\\§—x'})
    r = api.handle(Request.get(WEATHER, bearer(evil)))
    header = r.headers["WWW-Authenticate"]
    description = challenge(r)["error_description"]
    assert all(0x20 <= ord(c) <= 0x7E and c not in '"\\' for c in description)
    assert header.count('"') == 2 * 3  # realm, error, error_description: nothing escapes a quote
    assert "kid 'k'e//section -x'" in description  # the repr doubled the backslash
    assert 'k"é' in r.json()["error_description"]  # the JSON body keeps the original


def test_rfc9110_5_6_4_challenge_quotes_are_escaped() -> None:
    header = bearer_challenge('a "realm" \\ x', error="invalid_token", scope="a b")
    assert header == r'Bearer realm="a \"realm\" \\ x", error="invalid_token", scope="a b"'
    assert parse_challenge(header) == ("Bearer", {"realm": 'a "realm" \\ x',
                                                  "error": "invalid_token", "scope": "a b"})


# -- routes and the demo API ----------------------------------------------------------------------


def test_demo_weather_is_deterministic(api: ResourceServer, token: str) -> None:
    first = api.handle(Request.get(WEATHER, bearer(token))).json()
    again = api.handle(Request.get(WEATHER, bearer(token))).json()
    oslo = api.handle(Request.get(f"{WEATHER}?city=Oslo", bearer(token))).json()
    assert first == again and len(first["forecast"]) == 3 and oslo["city"] == "Oslo"
    assert oslo["forecast"] != first["forecast"]


def test_demo_weather_update_echoes(api: ResourceServer, writer: str,
                                    app: RegisteredClient) -> None:
    r = api.handle(Request.post(WEATHER, {"city": "Oslo", "sky": "snow"}, bearer(writer)))
    assert r.status == 200
    assert r.json() == {"accepted": {"city": "Oslo", "sky": "snow"}, "by": app.client_id,
                        "client_id": app.client_id}


def test_demo_me_takes_any_valid_token(auth: AuthServer, api: ResourceServer,
                                       app: RegisteredClient) -> None:
    other = auth.register_client("reader", ["profile"])
    t = auth.client_credentials(other.client_id, other.client_secret).access_token
    r = api.handle(Request.get(ME, bearer(t)))
    assert r.json() == {"sub": other.client_id, "client_id": other.client_id, "scope": "profile"}
    assert api.handle(Request.get(WEATHER, bearer(t))).status == 403


def test_unknown_path_404_and_wrong_method_405(api: ResourceServer, token: str) -> None:
    assert api.handle(Request.get(f"{API}/nothing", bearer(token))).status == 404
    r = api.handle(Request("DELETE", WEATHER, bearer(token)))
    assert r.status == 405 and r.headers["Allow"] == "GET, POST"


def test_route_can_answer_with_a_whole_response(api: ResourceServer, token: str) -> None:
    api.route("GET", "/teapot", "weather:read", lambda request, claims: Response(418))
    assert api.handle(Request.get(f"{API}/teapot", bearer(token))).status == 418


@pytest.mark.parametrize(("method", "path"), [("get", "/x"), ("GET", "x"), ("GET", "/x?y")])
def test_route_refuses_bad_definitions(api: ResourceServer, method: str, path: str) -> None:
    with pytest.raises(ValueError):
        api.route(method, path, None, lambda request, claims: {})


@pytest.mark.parametrize("request_", [
    Request("GET", WEATHER, {"Authorization": None}),  # type: ignore[dict-item]
    Request("GET", 3),  # type: ignore[arg-type]
    Request("POST", WEATHER, {}, {"access_token": 5}),  # type: ignore[dict-item]
])
def test_malformed_http_is_a_400_never_a_type_error(api: ResourceServer,
                                                    request_: Request) -> None:
    r = api.handle(request_)
    assert r.status == 400 and r.json()["error"] == "invalid_request"


# -- the wire ---------------------------------------------------------------------------------------


def test_api_requests_are_recorded(api: ResourceServer, token: str) -> None:
    api.handle(Request.get(WEATHER, bearer(token)), sender="weather-app")
    api.handle(Request.get(WEATHER), sender="attacker")
    assert [(e.sender, e.receiver, e.status) for e in api.wire] == [
        ("weather-app", "api", 200), ("attacker", "api", 401)]


def test_rfc6750_5_3_bearer_over_plain_http_is_flagged(api: ResourceServer, token: str) -> None:
    api.handle(Request.get("http://api.example/weather", bearer(token)))
    assert api.wire.last is not None and NOTE_PLAIN_HTTP in api.wire.last.notes


def test_jwks_only_api_serves_over_http(auth: AuthServer, token: str, clock: SimClock) -> None:
    api = ResourceServer(audience=API, issuer=ISSUER, jwks=auth.jwks(), clock=clock)
    assert api.handle(Request.get(WEATHER, bearer(token))).status == 200
    assert len(api.wire) == 1 and len(auth.wire) == 0


_text = st.text(max_size=16)


@settings(max_examples=300, deadline=None)
@given(method=st.sampled_from(["GET", "POST", "HEAD", "DELETE"]),
       path=st.sampled_from(["/weather", "/me", "/x", ""]),
       query=st.one_of(_text, st.just("access_token=a&access_token=b")),
       headers=st.dictionaries(st.sampled_from(["Authorization", "Content-Type", "X"]),
                               st.one_of(_text, st.sampled_from(["Bearer x", "Bearer", "bearer a.b.c"]))),
       body=st.one_of(st.none(), st.dictionaries(st.sampled_from(["access_token", "city"]),
                                                 st.one_of(_text, st.lists(_text, max_size=3),
                                                           st.integers()))))
def test_no_http_input_raises(method: str, path: str, query: str, headers: dict[str, str],
                              body: dict[str, object] | None) -> None:
    auth = AuthServer(issuer=ISSUER, clock=SimClock(), seed=1)
    api = ResourceServer(audience=API, auth=auth)
    r = api.handle(Request(method, f"{API}{path}?{query}", headers, body))  # type: ignore[arg-type]
    assert 400 <= r.status < 500 and len(api.wire) == 1
