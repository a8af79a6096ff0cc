"""The authorization server over HTTP: token, revocation, introspection, authorization,
metadata and JWKS endpoints (RFC 6749, 7009, 7662, 8414)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenlab import AuthServer, RegisteredClient, Request, ResourceServer, Response, SimClock
from tokenlab.authserver.grants import NOTE_ROPC_GRANT
from tokenlab.authserver.http import NOTE_CREDENTIAL_IN_URL, NOTE_LOGIN_IN_URL
from tokenlab.authserver.pkce import s256_challenge

from ..conftest import API, ISSUER, PASSWORD

TOKEN = f"{ISSUER}/token"
REVOKE = f"{ISSUER}/revoke"
INTROSPECT = f"{ISSUER}/introspect"
AUTHORIZE = f"{ISSUER}/authorize"
CALLBACK = "https://app.example/callback"
VERIFIER = "v" * 43


def basic(client_id: str, secret: str | None) -> dict[str, str]:
    raw = f"{client_id}:{secret or ''}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.fixture
def web(auth: AuthServer) -> RegisteredClient:
    """A confidential web app with a redirect URI."""
    return auth.register_client("web", ["weather:read", "weather:write"],
                                redirect_uris=[CALLBACK])


@pytest.fixture
def spa(auth: AuthServer) -> RegisteredClient:
    return auth.register_client("spa", ["weather:read"], public=True, redirect_uris=[CALLBACK])


@pytest.fixture(autouse=True)
def world(auth: AuthServer, api: ResourceServer) -> None:
    auth.register_user("alice", PASSWORD)


def post(auth: AuthServer, url: str, form: dict[str, str], headers: dict[str, str] | None = None,
         sender: str = "client") -> Response:
    return auth.handle(Request.post(url, form, headers), sender=sender)


def cc(auth: AuthServer, app: RegisteredClient, **form: str) -> Response:
    return post(auth, TOKEN, {"grant_type": "client_credentials", **form},
                basic(app.client_id, app.client_secret))


def password_tokens(auth: AuthServer, client: RegisteredClient) -> dict[str, str]:
    form = {"grant_type": "password", "username": "alice", "password": PASSWORD}
    return post(auth, TOKEN, form, basic(client.client_id, client.client_secret)).json()


# -- client authentication (RFC 6749 §2.3) ---------------------------------------------------------


def test_rfc6749_2_3_1_http_basic(auth: AuthServer, app: RegisteredClient,
                                  api: ResourceServer) -> None:
    r = cc(auth, app, scope="weather:read")
    assert r.status == 200
    assert api.verify(r.json()["access_token"])["client_id"] == app.client_id


def test_rfc6749_2_3_1_basic_parts_are_form_urlencoded(auth: AuthServer,
                                                       app: RegisteredClient) -> None:
    """Each part is application/x-www-form-urlencoded before base64: '%2D' is '-'."""
    client_id = app.client_id.replace("-", "%2D")
    assert client_id != app.client_id
    r = post(auth, TOKEN, {"grant_type": "client_credentials"}, basic(client_id, app.client_secret))
    assert r.status == 200


def test_rfc6749_2_3_1_credentials_in_the_body(auth: AuthServer, app: RegisteredClient) -> None:
    assert app.client_secret is not None
    r = post(auth, TOKEN, {"grant_type": "client_credentials", "client_id": app.client_id,
                           "client_secret": app.client_secret})
    assert r.status == 200 and "WWW-Authenticate" not in r.headers


def test_rfc6749_2_3_two_authentication_methods_is_invalid_request(
        auth: AuthServer, app: RegisteredClient) -> None:
    assert app.client_secret is not None
    r = post(auth, TOKEN, {"grant_type": "client_credentials",
                           "client_secret": app.client_secret},
             basic(app.client_id, app.client_secret))
    assert (r.status, r.json()["error"]) == (400, "invalid_request")
    assert "more than one method" in r.json()["error_description"]


def test_basic_and_a_different_body_client_id_is_invalid_request(
        auth: AuthServer, app: RegisteredClient, spa: RegisteredClient) -> None:
    r = post(auth, TOKEN, {"grant_type": "client_credentials", "client_id": spa.client_id},
             basic(app.client_id, app.client_secret))
    assert (r.status, r.json()["error"]) == (400, "invalid_request")


def test_rfc6749_5_2_invalid_client_with_basic_is_401_with_challenge(
        auth: AuthServer, app: RegisteredClient) -> None:
    r = post(auth, TOKEN, {"grant_type": "client_credentials"}, basic(app.client_id, "wrong"))
    assert (r.status, r.json()["error"]) == (401, "invalid_client")
    assert r.headers["WWW-Authenticate"] == f'Basic realm="{ISSUER}"'


@pytest.mark.parametrize("header", ["Basic !!!notbase64", "Basic " + base64.b64encode(
    b"no-colon").decode(), "Bearer abc", "Basic " + base64.b64encode(b"\xff:x").decode()])
def test_rfc6749_5_2_unusable_authorization_header_is_invalid_client(
        auth: AuthServer, header: str) -> None:
    r = post(auth, TOKEN, {"grant_type": "client_credentials"}, {"Authorization": header})
    assert (r.status, r.json()["error"]) == (401, "invalid_client")
    assert r.headers["WWW-Authenticate"].startswith("Basic realm=")


@pytest.mark.parametrize("form", [
    {"grant_type": "client_credentials"},  # no authentication at all
    {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
])
def test_rfc6749_5_2_failed_body_authentication_is_invalid_client(
        auth: AuthServer, form: dict[str, str]) -> None:
    r = post(auth, TOKEN, form)
    assert (r.status, r.json()["error"]) == (401, "invalid_client")
    assert "WWW-Authenticate" in r.headers  # RFC 9110 §11.6.1: a 401 names a scheme


def test_rfc6749_2_1_public_client_sends_only_its_id(auth: AuthServer,
                                                     spa: RegisteredClient) -> None:
    r = post(auth, TOKEN, {"grant_type": "password", "client_id": spa.client_id,
                           "username": "alice", "password": PASSWORD})
    assert r.status == 200 and "refresh_token" in r.json()
    r = post(auth, TOKEN, {"grant_type": "client_credentials", "client_id": spa.client_id})
    assert (r.status, r.json()["error"]) == (400, "unauthorized_client")


# -- the token endpoint (RFC 6749 §3.2, §5) ---------------------------------------------------------


def test_rfc6749_5_1_success_is_json_and_never_cached(auth: AuthServer,
                                                      app: RegisteredClient) -> None:
    r = cc(auth, app, scope="weather:read")
    assert r.status == 200
    assert r.headers["Cache-Control"] == "no-store" and r.headers["Pragma"] == "no-cache"
    assert r.headers["Content-Type"].startswith("application/json")
    assert set(r.json()) == {"access_token", "token_type", "expires_in", "scope"}
    assert (r.json()["token_type"], r.json()["expires_in"]) == ("Bearer", 300)


def test_rfc6749_5_2_error_is_json_400(auth: AuthServer, app: RegisteredClient) -> None:
    r = cc(auth, app, scope="admin")
    assert r.status == 400 and r.headers["Cache-Control"] == "no-store"
    assert set(r.json()) == {"error", "error_description"}
    assert r.json()["error"] == "invalid_scope"


def test_rfc6749_5_2_unknown_grant_type(auth: AuthServer, app: RegisteredClient) -> None:
    r = post(auth, TOKEN, {"grant_type": "urn:ietf:params:oauth:grant-type:device_code"},
             basic(app.client_id, app.client_secret))
    assert (r.status, r.json()["error"]) == (400, "unsupported_grant_type")


def test_rfc6749_3_2_missing_grant_type(auth: AuthServer, app: RegisteredClient) -> None:
    r = post(auth, TOKEN, {"scope": "weather:read"}, basic(app.client_id, app.client_secret))
    assert (r.status, r.json()["error"]) == (400, "invalid_request")
    assert "grant_type" in r.json()["error_description"]


def test_rfc6749_3_1_repeated_parameter(auth: AuthServer, app: RegisteredClient) -> None:
    r = auth.handle(Request.post(TOKEN, {"grant_type": "client_credentials",
                                         "scope": ["weather:read", "weather:write"]},
                                 basic(app.client_id, app.client_secret)))
    assert (r.status, r.json()["error"]) == (400, "invalid_request")
    assert "'scope' is sent 2 times" in r.json()["error_description"]


def test_rfc6749_3_1_empty_parameter_counts_as_omitted(auth: AuthServer,
                                                       app: RegisteredClient) -> None:
    r = cc(auth, app, scope="")
    assert r.status == 200 and r.json()["scope"] == "weather:read weather:write"


@pytest.mark.parametrize(("grant", "missing"), [
    ("password", "username"), ("authorization_code", "code"), ("refresh_token", "refresh_token")])
def test_rfc6749_missing_grant_parameter(auth: AuthServer, app: RegisteredClient, grant: str,
                                         missing: str) -> None:
    r = post(auth, TOKEN, {"grant_type": grant}, basic(app.client_id, app.client_secret))
    assert (r.status, r.json()["error"]) == (400, "invalid_request")
    assert repr(missing) in r.json()["error_description"]


def test_rfc6749_3_2_token_endpoint_is_post_only(auth: AuthServer) -> None:
    r = auth.handle(Request.get(TOKEN))
    assert r.status == 405 and r.headers["Allow"] == "POST"


def test_rfc6749_3_2_parameters_come_in_a_form_body(auth: AuthServer,
                                                    app: RegisteredClient) -> None:
    r = auth.handle(Request("POST", TOKEN, {"Content-Type": "application/json",
                                            **basic(app.client_id, app.client_secret)},
                            {"grant_type": "client_credentials"}))
    assert (r.status, r.json()["error"]) == (400, "invalid_request")


def test_rfc6749_2_3_1_credentials_in_the_url_are_refused_and_flagged(
        auth: AuthServer, app: RegisteredClient) -> None:
    assert app.client_secret is not None
    url = f"{TOKEN}?" + urlencode({"client_id": app.client_id,
                                   "client_secret": app.client_secret})
    r = auth.handle(Request.post(url, {"grant_type": "client_credentials"}))
    assert (r.status, r.json()["error"]) == (400, "invalid_request")
    assert auth.wire.last is not None and NOTE_CREDENTIAL_IN_URL in auth.wire.last.notes


def test_unknown_path_is_404_and_the_host_is_ignored(auth: AuthServer,
                                                     app: RegisteredClient) -> None:
    assert auth.handle(Request.get(f"{ISSUER}/nothing-here")).status == 404
    r = post(auth, "https://elsewhere.example/token", {"grant_type": "client_credentials"},
             basic(app.client_id, app.client_secret))
    assert r.status == 200


def test_password_grant_over_http_is_flagged(auth: AuthServer, web: RegisteredClient,
                                             api: ResourceServer) -> None:
    tokens = password_tokens(auth, web)
    assert api.verify(tokens["access_token"])["sub"] == "alice"
    assert auth.wire.last is not None and NOTE_ROPC_GRANT in auth.wire.last.notes
    r = post(auth, TOKEN, {"grant_type": "password", "username": "alice", "password": "nope"},
             basic(web.client_id, web.client_secret))
    assert (r.status, r.json()["error"]) == (400, "invalid_grant")


def test_rfc6749_6_refresh_rotates_and_rfc9700_4_14_2_reuse_revokes(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    first = password_tokens(auth, web)
    form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = post(auth, TOKEN, form, basic(web.client_id, web.client_secret))
    assert second.status == 200 and second.json()["refresh_token"] != first["refresh_token"]
    again = post(auth, TOKEN, form, basic(web.client_id, web.client_secret))
    assert (again.status, again.json()["error"]) == (400, "invalid_grant")
    assert "already exchanged" in again.json()["error_description"]
    with pytest.raises(Exception, match="revoked"):
        api.verify(second.json()["access_token"])


# -- revocation (RFC 7009) -------------------------------------------------------------------------


def test_rfc7009_2_2_revocation_is_200_with_an_empty_body(auth: AuthServer, web: RegisteredClient,
                                                          api: ResourceServer) -> None:
    tokens = password_tokens(auth, web)
    r = post(auth, REVOKE, {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
             basic(web.client_id, web.client_secret))
    assert (r.status, r.body) == (200, None)
    with pytest.raises(Exception, match="revoked"):
        api.verify(tokens["access_token"])  # the family went with it


def test_rfc7009_2_2_unknown_token_is_also_200(auth: AuthServer, web: RegisteredClient) -> None:
    r = post(auth, REVOKE, {"token": "never-issued"}, basic(web.client_id, web.client_secret))
    assert (r.status, r.body) == (200, None)


def test_rfc7009_2_1_token_is_required_and_client_authenticated(
        auth: AuthServer, web: RegisteredClient) -> None:
    r = post(auth, REVOKE, {}, basic(web.client_id, web.client_secret))
    assert (r.status, r.json()["error"]) == (400, "invalid_request")
    r = post(auth, REVOKE, {"token": "x"}, basic(web.client_id, "wrong"))
    assert (r.status, r.json()["error"]) == (401, "invalid_client")


def test_rfc7009_2_1_another_clients_token_is_refused(auth: AuthServer, web: RegisteredClient,
                                                      app: RegisteredClient) -> None:
    tokens = password_tokens(auth, web)
    r = post(auth, REVOKE, {"token": tokens["refresh_token"]},
             basic(app.client_id, app.client_secret))
    assert (r.status, r.json()["error"]) == (400, "unauthorized_client")


# -- introspection (RFC 7662) ----------------------------------------------------------------------


def test_rfc7662_2_2_active_and_inactive(auth: AuthServer, web: RegisteredClient,
                                         app: RegisteredClient, clock: SimClock) -> None:
    tokens = password_tokens(auth, web)
    caller = basic(app.client_id, app.client_secret)
    r = post(auth, INTROSPECT, {"token": tokens["access_token"]}, caller)
    assert r.status == 200 and r.json()["active"] is True and r.json()["sub"] == "alice"
    clock.advance(300)
    r = post(auth, INTROSPECT, {"token": tokens["access_token"]}, caller)
    assert r.json() == {"active": False}


def test_rfc7662_2_1_caller_must_authenticate(auth: AuthServer, spa: RegisteredClient) -> None:
    for form, status, error in (({"token": "x"}, 401, "invalid_client"),
                                ({}, 400, "invalid_request")):
        r = post(auth, INTROSPECT, {**form, "client_id": spa.client_id})
        assert (r.status, r.json()["error"]) == (status, error)


# -- discovery (RFC 8414, RFC 7517) ------------------------------------------------------------------


def test_rfc8414_3_metadata_and_its_endpoints_are_served(auth: AuthServer) -> None:
    r = auth.handle(Request.get(f"{ISSUER}/.well-known/oauth-authorization-server"))
    assert r.status == 200 and r.json() == auth.metadata()
    jwks = auth.handle(Request.get(r.json()["jwks_uri"]))
    assert jwks.status == 200 and jwks.json() == auth.jwks()
    for name in ("token_endpoint", "revocation_endpoint", "introspection_endpoint"):
        assert auth.handle(Request.get(r.json()[name])).status == 405  # there, POST only
    assert auth.handle(Request.post(r.json()["jwks_uri"], {})).status == 405


def test_rfc8414_3_1_issuer_with_a_path(clock: SimClock) -> None:
    auth = AuthServer(issuer="https://auth.example/tenant", clock=clock, seed=1)
    app = auth.register_client("a", ["x"])
    ResourceServer(audience=API, auth=auth)
    well_known = "https://auth.example/.well-known/oauth-authorization-server/tenant"
    assert auth.handle(Request.get(well_known)).json()["issuer"] == "https://auth.example/tenant"
    assert cc(auth, app).status == 404  # /token is not this issuer's
    r = post(auth, "https://auth.example/tenant/token", {"grant_type": "client_credentials"},
             basic(app.client_id, app.client_secret))
    assert r.status == 200


# -- the authorization endpoint (RFC 6749 §4.1, RFC 7636) -------------------------------------------


def authorize_params(client: RegisteredClient, **extra: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": client.client_id, "redirect_uri": CALLBACK,
            "state": "s-123", "code_challenge": s256_challenge(VERIFIER),
            "code_challenge_method": "S256", **extra}


def test_rfc6749_4_1_1_authorize_shows_the_login_page(auth: AuthServer,
                                                      spa: RegisteredClient) -> None:
    r = auth.handle(Request.get(f"{AUTHORIZE}?{urlencode(authorize_params(spa))}"),
                    sender="browser")
    assert r.status == 200 and isinstance(r.body, str) and "Sign in" in r.body
    assert "Location" not in r.headers
    assert auth.wire.last is not None and auth.wire.last.sender == "browser"


def test_rfc6749_4_1_2_login_redirects_with_code_and_state_then_exchange(
        auth: AuthServer, spa: RegisteredClient, api: ResourceServer) -> None:
    form = {**authorize_params(spa), "username": "alice", "password": PASSWORD}
    r = post(auth, AUTHORIZE, form, sender="browser")
    assert r.status == 302
    location = urlsplit(r.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params["state"] == "s-123" and len(params["code"]) >= 40
    assert auth.wire.last is not None and auth.wire.last.outcome == "302 Found: redirect with a code"
    exchange = {"grant_type": "authorization_code", "code": params["code"],
                "redirect_uri": CALLBACK, "client_id": spa.client_id}
    bad = post(auth, TOKEN, {**exchange, "code_verifier": "w" * 43})
    assert (bad.status, bad.json()["error"]) == (400, "invalid_grant")  # RFC 7636 §4.6
    ok = post(auth, TOKEN, {**exchange, "code_verifier": VERIFIER})
    assert ok.status == 200 and api.verify(ok.json()["access_token"])["sub"] == "alice"


def test_authorize_credentials_in_the_query_work_but_are_flagged(
        auth: AuthServer, spa: RegisteredClient) -> None:
    query = urlencode({**authorize_params(spa), "username": "alice", "password": PASSWORD})
    r = auth.handle(Request.get(f"{AUTHORIZE}?{query}"), sender="browser")
    assert r.status == 302 and "code=" in r.headers["Location"]
    assert auth.wire.last is not None and NOTE_LOGIN_IN_URL in auth.wire.last.notes


def test_wrong_password_shows_the_login_page_again(auth: AuthServer,
                                                  spa: RegisteredClient) -> None:
    form = {**authorize_params(spa), "username": "alice", "password": "wrong"}
    r = post(auth, AUTHORIZE, form, sender="browser")
    assert r.status == 200 and "Location" not in r.headers
    assert isinstance(r.body, str) and "wrong user name or password" in r.body


@pytest.mark.parametrize("change", [
    {"redirect_uri": "https://evil.example/callback"},
    {"redirect_uri": CALLBACK + "/"},  # character for character
    {"client_id": "nobody"},
    {"client_id": ""},
])
def test_rfc6749_4_1_2_1_bad_client_or_redirect_uri_is_400_without_redirect(
        auth: AuthServer, spa: RegisteredClient, change: dict[str, str]) -> None:
    form = {**authorize_params(spa), "username": "alice", "password": PASSWORD, **change}
    for r in (auth.handle(Request.get(f"{AUTHORIZE}?{urlencode(form)}")),
              post(auth, AUTHORIZE, form)):
        assert r.status == 400 and "Location" not in r.headers
        assert isinstance(r.body, str) and "not redirected" in r.body


def test_rfc6749_4_1_2_1_repeated_redirect_uri_is_400_without_redirect(
        auth: AuthServer, spa: RegisteredClient) -> None:
    url = f"{AUTHORIZE}?{urlencode(authorize_params(spa))}&redirect_uri=https://evil.example/"
    r = auth.handle(Request.get(url))
    assert r.status == 400 and "Location" not in r.headers


@pytest.mark.parametrize(("change", "error"), [
    ({"response_type": ""}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"code_challenge": ""}, "invalid_request"),  # public client without PKCE, RFC 9700 §2.1.1
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"scope": "admin"}, "invalid_scope"),
])
def test_rfc6749_4_1_2_1_other_errors_redirect_with_state(
        auth: AuthServer, spa: RegisteredClient, change: dict[str, str], error: str) -> None:
    form = {**authorize_params(spa), "username": "alice", "password": PASSWORD, **change}
    r = post(auth, AUTHORIZE, form, sender="browser")
    assert r.status == 302
    params = {k: v[0] for k, v in parse_qs(urlsplit(r.headers["Location"]).query).items()}
    assert params["error"] == error and params["state"] == "s-123" and "code" not in params


def test_rfc6749_3_1_repeated_authorization_parameter_redirects_invalid_request(
        auth: AuthServer, spa: RegisteredClient) -> None:
    url = f"{AUTHORIZE}?{urlencode(authorize_params(spa))}&scope=a&scope=b"
    r = auth.handle(Request.get(url))
    params = parse_qs(urlsplit(r.headers["Location"]).query)
    assert r.status == 302 and params["error"] == ["invalid_request"]


def test_rfc6749_4_1_3_exchange_needs_redirect_uri(auth: AuthServer, spa: RegisteredClient) -> None:
    form = {**authorize_params(spa), "username": "alice", "password": PASSWORD}
    code = parse_qs(urlsplit(post(auth, AUTHORIZE, form).headers["Location"]).query)["code"][0]
    r = post(auth, TOKEN, {"grant_type": "authorization_code", "code": code,
                           "client_id": spa.client_id, "code_verifier": VERIFIER})
    assert (r.status, r.json()["error"]) == (400, "invalid_request")


def test_authorize_post_must_be_a_form(auth: AuthServer) -> None:
    r = auth.handle(Request("POST", AUTHORIZE, {"Content-Type": "application/json"}, {}))
    assert (r.status, "Location" in r.headers) == (400, False)
    assert auth.handle(Request("PUT", AUTHORIZE)).status == 405


# -- the wire and malformed input --------------------------------------------------------------------


def test_every_request_is_recorded_with_its_sender(auth: AuthServer, app: RegisteredClient) -> None:
    cc(auth, app)
    auth.handle(Request.get(f"{ISSUER}/jwks.json"), sender="api")
    auth.handle(Request.get(f"{ISSUER}/nope"), sender="attacker")
    assert [(e.sender, e.receiver, e.method, e.path, e.status) for e in auth.wire] == [
        ("client", "auth server", "POST", "/token", 200),
        ("api", "auth server", "GET", "/jwks.json", 200),
        ("attacker", "auth server", "GET", "/nope", 404),
    ]


@pytest.mark.parametrize("request_", [
    Request("POST", TOKEN, {}, {"grant_type": 1}),  # type: ignore[dict-item]
    Request("POST", TOKEN, {}, {"grant_type": None}),  # type: ignore[dict-item]
    Request("POST", TOKEN, {}, ["grant_type"]),  # type: ignore[arg-type]
    Request("POST", TOKEN, {"Authorization": 7}, {}),  # type: ignore[dict-item]
    Request(None, TOKEN),  # type: ignore[arg-type]
    Request("POST", None),  # type: ignore[arg-type]
    Request("GET", "not a url"),
    Request("GET", "https://[::1/x"),
])
def test_malformed_http_is_a_400_never_a_type_error(auth: AuthServer, request_: Request) -> None:
    r = auth.handle(request_)
    assert (r.status, r.json()["error"]) == (400, "invalid_request")
    assert auth.wire.last is not None and auth.wire.last.status == 400
    with pytest.raises(TypeError, match="Request"):  # not HTTP at all: a programming error
        auth.handle({"method": "GET"})  # type: ignore[arg-type]


_text = st.text(max_size=12)
_value = st.one_of(_text, st.none(), st.integers(), st.lists(_text, max_size=3))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(["GET", "POST", "PUT", "get"]),
       path=st.sampled_from(["/token", "/revoke", "/introspect", "/authorize", "/jwks.json",
                             "/.well-known/oauth-authorization-server", "/x"]),
       query=_text,
       headers=st.dictionaries(st.sampled_from(["Authorization", "Content-Type", "X"]),
                               st.one_of(_text, st.sampled_from(
                                   ["Basic Og==", "Basic eDp5", "Bearer x"]))),
       body=st.one_of(st.none(), st.dictionaries(st.sampled_from(
           ["grant_type", "client_id", "client_secret", "token", "code", "scope", "username",
            "password", "refresh_token", "redirect_uri", "response_type"]), _value)))
def test_no_http_input_raises(method: str, path: str, query: str, headers: dict[str, str],
                              body: dict[str, object] | None) -> None:
    auth = AuthServer(issuer=ISSUER, clock=SimClock(), seed=1)
    auth.register_client("web", ["weather:read"], redirect_uris=[CALLBACK])
    r = auth.handle(Request(method, f"{ISSUER}{path}?{query}", headers, body))  # type: ignore[arg-type]
    assert isinstance(r, Response) and 200 <= r.status < 500
    assert len(auth.wire) == 1
