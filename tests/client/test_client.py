"""The client app: grants, token storage, refresh, giving up, logout — all over the wire."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from urllib.parse import parse_qs, urlsplit

import pytest

import tokenlab
from tokenlab import (
    AuthServer,
    Client,
    RegisteredClient,
    Request,
    ResourceServer,
    SimClock,
    TokenError,
)
from tokenlab.api.http import NOTE_URL_QUERY
from tokenlab.authserver.grants import NOTE_ROPC_GRANT
from tokenlab.authserver.pkce import s256_challenge
from tokenlab.client.storage import CookieStorage, LocalStorage, MemoryStorage, make_storage
from tokenlab.net.messages import Response
from tokenlab.net.wire import Event

from ..conftest import API, ISSUER, PASSWORD

CALLBACK = "https://app.example/callback"


@pytest.fixture
def spa(auth: AuthServer) -> RegisteredClient:
    return auth.register_client("spa", ["weather:read", "weather:write"], public=True,
                                redirect_uris=[CALLBACK])


@pytest.fixture
def web(auth: AuthServer) -> RegisteredClient:
    return auth.register_client("web", ["weather:read", "weather:write"],
                                redirect_uris=[CALLBACK])


@pytest.fixture(autouse=True)
def alice(auth: AuthServer) -> None:
    auth.register_user("alice", PASSWORD)


def calls(auth: AuthServer, since: int = 0) -> list[tuple[str, str, str, int]]:
    """``(sender, method, path, status)`` of each event on the wire."""
    return [(e.sender, e.method, e.path, e.status) for e in auth.wire.events[since:]]


def form_of(event: Event) -> dict[str, str]:
    assert event.body is not None
    return {k: v for k, v in event.body.items() if isinstance(v, str)}


def code_client(auth: AuthServer, reg: RegisteredClient, api: ResourceServer,
                **kw: object) -> Client:
    client = Client(auth, reg, api, grant="authorization_code", **kw)  # type: ignore[arg-type]
    assert client.login("alice", PASSWORD), client.last_error
    return client


def test_client_is_exported() -> None:
    assert tokenlab.Client is Client and "Client" in tokenlab.__all__


# -- client credentials --------------------------------------------------------------------------


def test_client_credentials_app_gets_a_token_and_calls(auth: AuthServer, app: RegisteredClient,
                                                      api: ResourceServer) -> None:
    client = Client(auth, app, api, scope="weather:read")
    r = client.get("/weather")
    assert r.status == 200 and r.json()["city"] == "Amsterdam"
    assert calls(auth) == [("weather-app", "POST", "/token", 200),
                           ("weather-app", "GET", "/weather", 200)]
    token_request = auth.wire.events[0]
    assert form_of(token_request) == {"grant_type": "client_credentials", "scope": "weather:read",
                                      "resource": API}
    assert token_request.headers["Authorization"].startswith("Basic ")  # RFC 6749 §2.3.1
    assert auth.wire.events[1].headers["Authorization"] == f"Bearer {client.access_token}"


def test_client_credentials_app_asks_again_when_expired(auth: AuthServer, app: RegisteredClient,
                                                       api: ResourceServer,
                                                       clock: SimClock) -> None:
    client = Client(auth, app, api)
    assert client.login() and client.refresh_token is None  # RFC 6749 §4.4.3
    first = client.access_token
    clock.advance(300)  # obtained_at + expires_in <= now: the app knows
    assert client.get("/me").status == 200
    assert client.access_token != first
    assert calls(auth, 1) == [("weather-app", "POST", "/token", 200),
                              ("weather-app", "GET", "/me", 200)]


# -- password grant ------------------------------------------------------------------------------


def test_password_app_posts_the_password_and_is_flagged(auth: AuthServer, web: RegisteredClient,
                                                        api: ResourceServer) -> None:
    client = Client(auth, web, api, grant="password")
    assert client.login("alice", PASSWORD) and client.logged_in
    event = auth.wire.events[0]
    assert form_of(event)["password"] == PASSWORD and NOTE_ROPC_GRANT in event.notes
    assert client.get("/me").json()["sub"] == "alice"


def test_password_app_wrong_password(auth: AuthServer, web: RegisteredClient,
                                     api: ResourceServer) -> None:
    client = Client(auth, web, api, grant="password")
    assert not client.login("alice", "nope")
    assert not client.logged_in
    assert client.last_error == "invalid_grant: wrong user name or password"
    with pytest.raises(ValueError, match="username and password"):
        client.login()


def test_rfc6749_6_refreshes_before_the_call_when_expired(auth: AuthServer, web: RegisteredClient,
                                                         api: ResourceServer,
                                                         clock: SimClock) -> None:
    client = Client(auth, web, api, grant="password")
    client.login("alice", PASSWORD)
    old_access, old_refresh = client.access_token, client.refresh_token
    clock.advance(299)
    assert client.get("/me").status == 200 and client.access_token == old_access
    clock.advance(1)
    n = len(auth.wire)
    assert client.get("/me").status == 200
    assert calls(auth, n) == [("web", "POST", "/token", 200), ("web", "GET", "/me", 200)]
    assert form_of(auth.wire.events[n])["grant_type"] == "refresh_token"
    assert client.access_token != old_access and client.refresh_token != old_refresh  # rotated


def test_rfc6750_3_1_refreshes_once_after_a_401_invalid_token(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    client = Client(auth, web, api, grant="password")
    client.login("alice", PASSWORD)
    assert web.client_secret is not None
    auth.revoke(client.access_token or "", web.client_id, web.client_secret)  # behind its back
    n = len(auth.wire)
    r = client.get("/weather")
    assert r.status == 200
    assert calls(auth, n) == [("web", "GET", "/weather", 401), ("web", "POST", "/token", 200),
                              ("web", "GET", "/weather", 200)]


# -- giving up cleanly ---------------------------------------------------------------------------


def test_rfc9700_4_14_2_gives_up_after_a_thief_refreshed_first(
        auth: AuthServer, spa: RegisteredClient, api: ResourceServer, clock: SimClock) -> None:
    client = code_client(auth, spa, api, storage="localStorage")
    stolen = client.storage.readable_by_script()["refresh_token"]  # XSS reads localStorage
    clock.advance(200)
    thief = auth.handle(Request.post(f"{ISSUER}/token", {
        "grant_type": "refresh_token", "refresh_token": stolen, "client_id": spa.client_id}),
        sender="attacker")
    assert thief.status == 200
    clock.advance(100)  # the app's access token runs out; the thief's has 200 s left
    n = len(auth.wire)
    r = client.get("/weather")  # the app refreshes with the spent token: reuse
    assert calls(auth, n) == [("spa", "POST", "/token", 400), ("spa", "GET", "/weather", 401)]
    assert r.status == 401 and "WWW-Authenticate" in r.headers
    assert not client.logged_in and client.access_token is None and client.refresh_token is None
    assert client.last_error is not None and client.last_error.startswith("invalid_grant: ")
    assert "already exchanged" in client.last_error
    with pytest.raises(TokenError, match="revoked"):  # the thief's tokens died with the family
        api.verify(thief.json()["access_token"])


def test_gives_up_after_a_401_when_the_family_is_revoked(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    client = Client(auth, web, api, grant="password")
    client.login("alice", PASSWORD)
    assert auth.change_password("alice", PASSWORD, "new password") == 1  # revokes every family
    n = len(auth.wire)
    r = client.get("/me")
    assert calls(auth, n) == [("web", "GET", "/me", 401), ("web", "POST", "/token", 400)]
    assert r.status == 401 and r.json()["error"] == "invalid_token"  # the API's answer
    assert not client.logged_in
    assert client.last_error is not None and "password changed" in client.last_error


def test_without_a_token_the_api_gets_no_token(auth: AuthServer, web: RegisteredClient,
                                               api: ResourceServer) -> None:
    client = Client(auth, web, api, grant="password")
    r = client.get("/me")
    assert r.status == 401 and r.headers["WWW-Authenticate"] == f'Bearer realm="{API}"'
    assert calls(auth) == [("web", "GET", "/me", 401)]  # no refresh loop


# -- logout (RFC 7009) -----------------------------------------------------------------------------


def test_rfc7009_logout_revokes_both_tokens(auth: AuthServer, web: RegisteredClient,
                                            api: ResourceServer) -> None:
    client = Client(auth, web, api, grant="password", storage="localStorage")
    client.login("alice", PASSWORD)
    access, refresh = client.access_token, client.refresh_token
    assert access and refresh
    n = len(auth.wire)
    assert client.logout()
    assert calls(auth, n) == [("web", "POST", "/revoke", 200), ("web", "POST", "/revoke", 200)]
    assert [form_of(e)["token_type_hint"] for e in auth.wire.events[n:]] == [
        "refresh_token", "access_token"]
    assert not client.logged_in and client.storage.readable_by_script() == {}
    with pytest.raises(TokenError, match="revoked"):
        api.verify(access)
    with pytest.raises(TokenError, match="revoked"):
        auth.refresh(refresh, web.client_id, web.client_secret)


def test_client_credentials_logout_revokes_the_access_token(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> None:
    client = Client(auth, app, api)
    client.login()
    token = client.access_token
    assert token is not None and client.logout()
    assert [form_of(e)["token"] for e in auth.wire.events[1:]] == [token]
    with pytest.raises(TokenError, match="revoked"):
        api.verify(token)


# -- authorization code + PKCE + state -------------------------------------------------------------


def test_rfc6749_4_1_round_trip_with_pkce_and_state(auth: AuthServer, spa: RegisteredClient,
                                                    api: ResourceServer) -> None:
    client = code_client(auth, spa, api)
    assert calls(auth) == [("browser", "GET", "/authorize", 200),
                           ("browser", "POST", "/authorize", 302),
                           ("browser", "GET", "/callback", 200),
                           ("spa", "POST", "/token", 200)]
    login_page, login, callback, exchange = auth.wire.events
    request = login_page.query
    assert request["code_challenge_method"] == "S256" and request["redirect_uri"] == CALLBACK
    returned = parse_qs(urlsplit(login.response_headers["Location"]).query)
    assert returned["state"] == [request["state"]]  # RFC 6749 §10.12
    assert callback.receiver == "spa" and callback.url == login.response_headers["Location"]
    sent = form_of(exchange)
    assert sent["code"] == returned["code"][0] and sent["redirect_uri"] == CALLBACK
    assert s256_challenge(sent["code_verifier"]) == request["code_challenge"]  # RFC 7636 §4.6
    assert sent["client_id"] == spa.client_id and "Authorization" not in exchange.headers
    # The user's password went to the authorization server only — never to the app.
    assert [e.receiver for e in auth.wire if "password" in (e.body or {})] == ["auth server"]
    assert "password" not in login_page.query
    assert client.get("/me").json()["sub"] == "alice"


def test_confidential_code_client_authenticates_with_basic(auth: AuthServer, web: RegisteredClient,
                                                           api: ResourceServer) -> None:
    code_client(auth, web, api)
    exchange = auth.wire.events[-1]
    assert exchange.headers["Authorization"].startswith("Basic ")
    assert "client_id" not in (exchange.body or {})


def test_code_flow_wrong_password(auth: AuthServer, spa: RegisteredClient,
                                  api: ResourceServer) -> None:
    client = Client(auth, spa, api, grant="authorization_code")
    assert not client.login("alice", "nope")
    assert client.last_error == "access_denied: wrong user name or password: the login page asks again"
    assert calls(auth) == [("browser", "GET", "/authorize", 200),
                           ("browser", "POST", "/authorize", 200)]


def test_code_flow_error_redirect_is_reported(auth: AuthServer, spa: RegisteredClient,
                                              api: ResourceServer) -> None:
    client = Client(auth, spa, api, grant="authorization_code", scope="admin")
    assert not client.login("alice", PASSWORD)
    assert client.last_error is not None and client.last_error.startswith("invalid_scope: ")
    assert calls(auth)[-1] == ("browser", "GET", "/callback", 200)


def test_rfc6749_10_12_forged_callback_is_refused(auth: AuthServer, spa: RegisteredClient,
                                                  api: ResourceServer) -> None:
    """Login CSRF: the attacker gets a code for *their* account and sends the victim's browser
    to the app's callback with it. No login in progress, or a different state: refused."""
    auth.register_user("mallory", "mallory's password")
    victim = Client(auth, spa, api, grant="authorization_code")
    attacker_code = auth.authorize(spa.client_id, CALLBACK, username="mallory",
                                   password="mallory's password",
                                   code_challenge=s256_challenge("m" * 43),
                                   code_challenge_method="S256", state="attacker").code
    assert attacker_code is not None
    assert not victim.callback(f"{CALLBACK}?code={attacker_code}&state=attacker")
    assert victim.last_error is not None and victim.last_error.startswith("state_mismatch: ")
    assert not victim.logged_in
    assert calls(auth) == [("browser", "GET", "/callback", 400)]  # no POST /token, ever


def test_rfc6749_10_12_forged_callback_does_not_spoil_the_real_login(
        auth: AuthServer, spa: RegisteredClient, api: ResourceServer) -> None:
    client = Client(auth, spa, api, grant="authorization_code")
    real_callback = client.callback

    def browser_arrives(url: str) -> bool:
        assert not real_callback(f"{CALLBACK}?code=x&state=forged")  # the attacker's link first
        assert client.last_error is not None and "state does not match" in client.last_error
        return real_callback(url)

    client.callback = browser_arrives  # type: ignore[method-assign]
    assert client.login("alice", PASSWORD) and client.last_error is None
    assert [e.status for e in auth.wire if e.path == "/callback"] == [400, 200]


def test_rfc6749_10_12_state_is_single_use(auth: AuthServer, spa: RegisteredClient,
                                           api: ResourceServer) -> None:
    client = code_client(auth, spa, api)
    replay = next(e.url for e in auth.wire if e.path == "/callback")
    assert not client.callback(replay)  # e.g. from the browser history
    assert client.last_error is not None and "no login in progress" in client.last_error
    assert not client.callback("https://evil.example/callback?code=x&state=forged")
    assert client.last_error is not None and "not this app's redirect URI" in client.last_error
    assert client.logged_in  # the session is untouched


def test_rfc6749_4_1_the_login_can_be_walked_one_message_at_a_time(
        auth: AuthServer, spa: RegisteredClient, api: ResourceServer) -> None:
    """start_login → (the browser: login page, password) → receive_redirect → exchange_code."""
    client = Client(auth, spa, api, grant="authorization_code")
    url = client.start_login()
    params = dict(parse_qs(urlsplit(url).query, keep_blank_values=True))
    assert {k: v[0] for k, v in params.items()}.keys() >= {"state", "code_challenge", "client_id"}
    assert auth.handle(Request.get(url), sender="browser").status == 200
    answer = auth.handle(Request.post(url.split("?")[0], {
        **{k: v[0] for k, v in params.items()}, "username": "alice", "password": PASSWORD}),
        sender="browser")
    assert answer.status == 302
    assert client.receive_redirect(answer.headers["Location"])
    assert not client.logged_in and calls(auth)[-1] == ("browser", "GET", "/callback", 200)
    assert client.exchange_code() and client.logged_in
    assert calls(auth)[-1] == ("spa", "POST", "/token", 200)
    assert not client.exchange_code()  # the code was used: nothing waits any more
    assert client.last_error == "invalid_request: no authorization code received to exchange"


def test_receive_redirect_refuses_a_forged_state_and_keeps_no_code(
        auth: AuthServer, spa: RegisteredClient, api: ResourceServer) -> None:
    client = Client(auth, spa, api, grant="authorization_code")
    client.start_login()
    assert not client.receive_redirect(f"{CALLBACK}?code=x&state=forged")
    assert not client.exchange_code()
    assert [c[1:] for c in calls(auth)] == [("GET", "/callback", 400)]


def test_start_login_is_only_for_the_code_flow(auth: AuthServer, app: RegisteredClient,
                                               api: ResourceServer) -> None:
    with pytest.raises(ValueError, match="authorization_code"):
        Client(auth, app, api).start_login()


def test_rfc6749_6_refresh_now_rotates_without_calling_the_api(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    client = code_client(auth, web, api)
    old = client.refresh_token
    assert client.refresh() and client.refresh_token not in (None, old)
    assert calls(auth)[-1] == ("web", "POST", "/token", 200)
    assert client.logout()
    assert not client.refresh()  # no refresh token any more: the user has to log in again
    assert client.last_error is not None and client.last_error.startswith("login_required")


def test_code_client_needs_a_redirect_uri(auth: AuthServer, app: RegisteredClient,
                                          api: ResourceServer) -> None:
    with pytest.raises(ValueError, match="redirect_uri"):
        Client(auth, app, api, grant="authorization_code")


@pytest.mark.parametrize(("kw", "match"), [({"grant": "implicit"}, "grant"),
                                           ({"token_in": "cookie"}, "token_in"),
                                           ({"storage": "sessionStorage"}, "storage")])
def test_client_refuses_unknown_options(auth: AuthServer, app: RegisteredClient,
                                        api: ResourceServer, kw: dict[str, str],
                                        match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Client(auth, app, api, **kw)  # type: ignore[arg-type]


def test_seeded_worlds_replay_identically() -> None:
    def world(seed: int | None) -> list[tuple[str, str, str]]:
        auth = AuthServer(issuer=ISSUER, clock=SimClock(), seed=seed)
        spa = auth.register_client("spa", ["weather:read"], public=True, redirect_uris=[CALLBACK])
        api = ResourceServer(audience=API, auth=auth)
        auth.register_user("alice", PASSWORD)
        code_client(auth, spa, api).get("/weather")
        return [(e.method, e.url, repr(e.response_body)) for e in auth.wire]

    assert world(1) == world(1)
    assert world(None) != world(None)


def test_client_seed_is_separate_from_the_servers(auth: AuthServer, spa: RegisteredClient,
                                                  api: ResourceServer) -> None:
    a = code_client(auth, spa, api, seed=7)
    state_a = auth.wire.events[0].query["state"]
    b = code_client(auth, spa, api, seed=8)
    assert auth.wire.events[4].query["state"] != state_a and a.random.seed == 7
    assert b.random.seed == 8


# -- how the token is sent ---------------------------------------------------------------------------


def test_rfc6750_2_3_token_in_query_is_flagged_leaky(auth: AuthServer, app: RegisteredClient,
                                                     api: ResourceServer) -> None:
    client = Client(auth, app, api, token_in="query")
    assert client.get("/weather?city=Oslo").json()["city"] == "Oslo"
    event = auth.wire.events[-1]
    assert event.query["access_token"] == client.access_token
    assert "Authorization" not in event.headers
    assert event.headers["Cache-Control"] == "no-store"  # RFC 6750 §2.3
    assert NOTE_URL_QUERY in event.notes


def test_post_sends_a_form(auth: AuthServer, app: RegisteredClient, api: ResourceServer) -> None:
    client = Client(auth, app, api)
    r = client.post("/weather", {"city": "Oslo", "sky": "snow"})
    assert r.status == 200 and r.json()["accepted"] == {"city": "Oslo", "sky": "snow"}


# -- where the tokens live ----------------------------------------------------------------------------


def test_memory_storage_is_lost_on_reload_and_unreadable(auth: AuthServer, web: RegisteredClient,
                                                         api: ResourceServer) -> None:
    client = Client(auth, web, api, grant="password")
    client.login("alice", PASSWORD)
    assert isinstance(client.storage, MemoryStorage) and not client.storage.survives_reload
    assert client.storage.readable_by_script() == {}
    client.reload()
    assert not client.logged_in and client.get("/me").status == 401


def test_local_storage_survives_reload_and_xss_reads_both_tokens(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    client = Client(auth, web, api, grant="password", storage="localStorage")
    client.login("alice", PASSWORD)
    client.reload()
    assert client.logged_in
    stolen = client.storage.readable_by_script()
    assert stolen["access_token"] == client.access_token
    assert stolen["refresh_token"] == client.refresh_token
    assert api.verify(stolen["access_token"])["sub"] == "alice"  # usable from anywhere


def test_cookie_storage_survives_reload_and_script_reads_nothing(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    client = Client(auth, web, api, grant="password", storage="cookie")
    client.login("alice", PASSWORD)
    client.reload()
    assert client.logged_in and client.storage.readable_by_script() == {}
    assert isinstance(client.storage, CookieStorage)
    assert set(client.storage.cookie_attributes) == {"HttpOnly", "Secure", "SameSite=Strict"}


def test_each_storage_explains_itself_in_one_line() -> None:
    for kind, word in (("memory", "reload"), ("localStorage", "XSS"), ("cookie", "CSRF")):
        text = make_storage(kind).explain()
        assert "\n" not in text and word in text
    own = LocalStorage()
    assert make_storage(own) is own


# -- the token type (RFC 6749 §7.1) ----------------------------------------------------------------

#: A token response without any token_type.
DROP = object()


def _rewrite_token_type(monkeypatch: pytest.MonkeyPatch, auth: AuthServer, token_type: object,
                        *, only_grant: str | None = None) -> None:
    """A fake authorization server: its token responses say ``token_type`` (``DROP``: none)."""
    real = auth.handle

    def handle(request: Request, sender: str = "client") -> Response:
        response = real(request, sender)
        grant = (request.body or {}).get("grant_type")
        if response.status == 200 and "access_token" in response.json() and (
                only_grant is None or grant == only_grant):
            body = {k: v for k, v in response.json().items() if k != "token_type"}
            if token_type is not DROP:
                body["token_type"] = token_type
            return dataclasses.replace(response, body=body)
        return response

    monkeypatch.setattr(auth, "handle", handle)


@pytest.mark.parametrize("token_type", ["mac", "DPoP", "Bearer2", "", 1, DROP],
                         ids=["mac", "DPoP", "Bearer2", "empty", "number", "missing"])
def test_rfc6749_7_1_client_refuses_a_token_type_it_does_not_understand(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer,
        monkeypatch: pytest.MonkeyPatch, token_type: object) -> None:
    _rewrite_token_type(monkeypatch, auth, token_type)
    client = Client(auth, app, api)
    assert not client.login()
    assert not client.logged_in and client.access_token is None and client.storage.load() == {}
    assert client.last_error is not None
    assert client.last_error.startswith("unsupported_token_type: ") and "RFC 6749 §7.1" in client.last_error
    assert ("no token_type" if token_type is DROP else repr(token_type)) in client.last_error
    assert client.get("/me").status == 401  # it asks again, is refused again, sends no token
    assert "Authorization" not in auth.wire.events[-1].headers


@pytest.mark.parametrize("token_type", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_rfc6749_5_1_token_type_is_case_insensitive(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer,
        monkeypatch: pytest.MonkeyPatch, token_type: str) -> None:
    """RFC 6749 §5.1: token_type "Value is case insensitive"; RFC 6750 §2.1 sends "Bearer"."""
    _rewrite_token_type(monkeypatch, auth, token_type)
    client = Client(auth, app, api)
    assert client.login(), client.last_error
    assert client.get("/me").status == 200
    assert auth.wire.events[-1].headers["Authorization"] == f"Bearer {client.access_token}"


def test_rfc6749_7_1_refresh_with_an_unknown_token_type_keeps_no_token(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    client = Client(auth, web, api, grant="password")
    assert client.login("alice", PASSWORD) and client.refresh_token is not None
    _rewrite_token_type(monkeypatch, auth, "mac", only_grant="refresh_token")
    assert not client.refresh()
    assert not client.logged_in and client.storage.load() == {}
    assert client.last_error is not None and client.last_error.startswith("unsupported_token_type")


def test_rfc6749_7_1_a_client_that_understands_more_types_can_say_so(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook a DPoP-capable client (RFC 9449) uses: the types it understands, and the
    Authorization scheme each is sent with."""

    class Understands(Client):
        token_types = MappingProxyType({**Client.token_types, "dpop": "DPoP"})

    _rewrite_token_type(monkeypatch, auth, "dpop")
    assert not Client(auth, app, api).login()
    client = Understands(auth, app, api)
    assert client.login(), client.last_error
    assert client.token_type == "DPoP"
    client.get("/me")
    assert auth.wire.events[-1].headers["Authorization"] == f"DPoP {client.access_token}"
