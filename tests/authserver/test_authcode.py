"""The authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636, RFC 9700 §2.1)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tokenlab import (
    AccessDeniedError,
    AuthorizationRedirect,
    AuthServer,
    ExpiredTokenError,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    RefreshTokenReuseError,
    RegisteredClient,
    ResourceServer,
    RevokedTokenError,
    SimClock,
    make_verifier,
    s256_challenge,
)
from tokenlab.authserver.authcode import CODE

from ..conftest import API, PASSWORD

WEB_CB = "https://web.example/cb"
SPA_CB = "https://spa.example/cb"


@pytest.fixture
def web(auth: AuthServer, api: ResourceServer) -> RegisteredClient:
    """A confidential web app with two registered redirect URIs."""
    auth.register_user("alice", PASSWORD)
    return auth.register_client("web", ["weather:read", "weather:write"],
                                redirect_uris=[WEB_CB, "https://web.example/other"])


@pytest.fixture
def spa(auth: AuthServer, web: RegisteredClient) -> RegisteredClient:
    """A public single-page app: no secret, one redirect URI."""
    return auth.register_client("spa", ["weather:read"], public=True, redirect_uris=[SPA_CB])


def login(auth: AuthServer, client: RegisteredClient, verifier: str | None = None,
          **kw: Any) -> AuthorizationRedirect:
    args: dict[str, Any] = {"redirect_uri": client.redirect_uris[0], "username": "alice",
                            "password": PASSWORD, "state": "st-123"}
    if verifier is not None:
        args.update(code_challenge=s256_challenge(verifier), code_challenge_method="S256")
    args.update(kw)
    return auth.authorize(client.client_id, **args)


def exchange(auth: AuthServer, client: RegisteredClient, code: str | None,
             verifier: str | None = None, **kw: Any) -> Any:
    assert code is not None
    args: dict[str, Any] = {"redirect_uri": client.redirect_uris[0], "code_verifier": verifier}
    args.update(kw)
    return auth.exchange_code(code, client.client_id, client.client_secret, **args)


def test_rfc6749_4_1_2_redirect_carries_code_and_state(auth: AuthServer,
                                                       web: RegisteredClient) -> None:
    state = "a state with spaces & = ? / ü"
    r = login(auth, web, make_verifier(), state=state)
    assert r.location.startswith(WEB_CB + "?")
    assert set(r.params) == {"code", "state"}
    assert r.state == state and r.error is None
    # RFC 6749 §10.10: 256 random bits, far beyond 2^-128 guessing odds.
    assert r.code is not None and len(r.code) == 43
    assert r.code[:6] in repr(r) and r.code not in repr(r)


def test_rfc6749_4_1_3_code_and_verifier_are_exchanged_for_tokens(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    verifier = make_verifier()
    r = login(auth, web, verifier, scope="weather:read")
    t = exchange(auth, web, r.code, verifier)
    assert t.refresh_token is not None and t.scope == "weather:read"
    claims = api.verify(t.access_token, scope="weather:read")
    assert (claims["sub"], claims["client_id"], claims["aud"]) == ("alice", web.client_id, API)


def test_rfc6749_3_1_2_redirect_uri_query_is_kept_and_parameters_appended(
        auth: AuthServer, web: RegisteredClient) -> None:
    """RFC 6749 §3.1.2: the redirection URI's query component MUST be retained."""
    app = auth.register_client("tenant-app", ["weather:read"],
                               redirect_uris=["https://t.example/cb?tenant=7"])
    r = login(auth, app, make_verifier())
    assert r.location.startswith("https://t.example/cb?tenant=7&code=")
    assert r.params["tenant"] == "7" and r.state == "st-123"


@pytest.mark.parametrize("registered", ["https://t.example/cb?", "https://t.example/cb?tenant=7&"])
def test_rfc6749_3_1_2_redirect_uri_ending_in_a_separator_still_carries_the_code(
        auth: AuthServer, web: RegisteredClient, registered: str) -> None:
    """A registered URI ending in '?' (an empty query) or '&' must not lose the code to a
    doubled separator ('cb??code=...' makes the parameter '?code')."""
    app = auth.register_client("tenant-app", ["weather:read"], redirect_uris=[registered])
    verifier = make_verifier()
    r = login(auth, app, verifier)
    assert "??" not in r.location and "&&" not in r.location and "?&" not in r.location
    assert r.code is not None and r.state == "st-123"
    assert exchange(auth, app, r.code, verifier).access_token


@pytest.mark.parametrize("uri", [
    "https://web.example/c",            # a prefix of the registered URI
    "https://web.example/cb/",          # trailing slash
    "https://web.example/cb/evil",      # registered URI as a prefix
    "https://web.example:8443/cb",      # other port
    "https://web.example:443/cb",       # the same origin, spelled differently
    "https://web.example/cb?x=1",       # added query
    "https://web.example/cb#frag",      # fragment
    "https://WEB.example/cb",           # case of the host
    "http://web.example/cb",            # other scheme
    "https://evil.example/cb",          # other host
    "",
])
def test_rfc9700_2_1_redirect_uri_exact_match_or_no_redirect(
        auth: AuthServer, web: RegisteredClient, uri: str) -> None:
    """RFC 9700 §2.1: exact string matching; RFC 6749 §4.1.2.1: MUST NOT redirect to it."""
    with pytest.raises(InvalidRequestError, match="not registered"):
        login(auth, web, make_verifier(), redirect_uri=uri)
    assert auth.store.count(CODE) == 0


def test_rfc6749_4_1_2_1_unknown_client_raises_and_never_redirects(
        auth: AuthServer, web: RegisteredClient) -> None:
    with pytest.raises(InvalidRequestError, match="unknown client_id") as ei:
        auth.authorize("nobody", WEB_CB, username="alice", password=PASSWORD, state="s",
                       code_challenge=s256_challenge(make_verifier()),
                       code_challenge_method="S256")
    assert ei.value.error == "invalid_request"
    assert auth.store.count(CODE) == 0


def test_rfc6749_3_1_2_3_redirect_uri_required_when_several_are_registered(
        auth: AuthServer, web: RegisteredClient, spa: RegisteredClient) -> None:
    with pytest.raises(InvalidRequestError, match="redirect_uri is required"):
        login(auth, web, make_verifier(), redirect_uri=None)
    r = login(auth, spa, make_verifier(), redirect_uri=None)  # one registered: that one
    assert r.location.startswith(SPA_CB + "?") and r.code


@pytest.mark.parametrize("method", ["plain", None, "s256", "S512", ""])
def test_rfc7636_4_4_1_only_s256_is_supported_error_on_the_redirect(
        auth: AuthServer, web: RegisteredClient, method: str | None) -> None:
    verifier = make_verifier()
    challenge = verifier if method == "plain" else s256_challenge(verifier)
    r = login(auth, web, code_challenge=challenge, code_challenge_method=method)
    assert r.location.startswith(WEB_CB + "?")
    assert r.error == "invalid_request" and r.state == "st-123" and r.code is None
    assert "S256" in (r.error_description or "")
    assert auth.store.count(CODE) == 0


@pytest.mark.parametrize("challenge", [
    "A" * 42, "A" * 44, "A" * 42 + "+", "A" * 42 + "/", "A" * 43 + "=", "A" * 42 + ".", "",
    "A" * 128,
])
def test_rfc7636_4_2_challenge_must_be_base64url_sha256(
        auth: AuthServer, web: RegisteredClient, challenge: str) -> None:
    r = login(auth, web, code_challenge=challenge, code_challenge_method="S256")
    assert r.error == "invalid_request" and r.state == "st-123" and r.code is None
    assert "43 characters" in (r.error_description or "")


def test_rfc7636_4_2_a_valid_challenge_is_accepted(auth: AuthServer, web: RegisteredClient) -> None:
    # The RFC 7636 Appendix B example pair.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    r = login(auth, web, verifier)
    assert r.code is not None and r.error is None


def test_rfc9700_2_1_1_public_client_without_pkce_gets_an_error_redirect(
        auth: AuthServer, spa: RegisteredClient) -> None:
    r = login(auth, spa)
    assert r.location.startswith(SPA_CB + "?")
    assert r.error == "invalid_request" and r.state == "st-123" and r.code is None
    assert "PKCE" in (r.error_description or "")


def test_rfc7636_4_3_method_without_challenge_is_an_error_on_the_redirect(
        auth: AuthServer, web: RegisteredClient) -> None:
    r = login(auth, web, code_challenge_method="S256")
    assert r.error == "invalid_request" and r.state == "st-123" and r.code is None


@pytest.mark.parametrize(("kw", "error"), [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "admin"}, "invalid_scope"),
    ({"scope": "weather:read bad\\scope"}, "invalid_scope"),
    ({"resource": "https://elsewhere.example"}, "invalid_target"),
    ({"resource": "not a uri"}, "invalid_target"),
])
def test_rfc6749_4_1_2_1_errors_after_the_redirect_uri_is_validated_come_back_with_state(
        auth: AuthServer, web: RegisteredClient, kw: dict[str, Any], error: str) -> None:
    r = login(auth, web, make_verifier(), **kw)
    assert urlsplit(r.location)._replace(query="").geturl() == WEB_CB
    assert r.error == error and r.state == "st-123" and r.code is None
    assert r.error_description
    assert auth.store.count(CODE) == 0


def test_rfc6749_4_1_2_1_state_is_omitted_when_none_was_sent(
        auth: AuthServer, web: RegisteredClient) -> None:
    r = login(auth, web, make_verifier(), state=None, scope="admin")
    assert r.error == "invalid_scope" and "state" not in r.params
    ok = login(auth, web, make_verifier(), state=None)
    assert set(ok.params) == {"code"}


def test_rfc6749_4_1_2_1_wrong_password_is_access_denied(
        auth: AuthServer, web: RegisteredClient) -> None:
    for user, pw in (("alice", "wrong"), ("mallory", PASSWORD)):
        with pytest.raises(AccessDeniedError) as ei:
            login(auth, web, make_verifier(), username=user, password=pw)
        assert ei.value.error == "access_denied"
    assert auth.store.count(CODE) == 0


def test_rfc6749_4_1_2_code_reuse_revokes_issued_tokens(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer, clock: SimClock) -> None:
    """RFC 6749 §4.1.2 / §10.5: a code used twice is denied, and the tokens issued from it are
    revoked — including those issued later by refreshing."""
    verifier = make_verifier()
    r = login(auth, web, verifier)
    first = exchange(auth, web, r.code, verifier)
    clock.advance(10)
    rotated = auth.refresh(first.refresh_token, web.client_id, web.client_secret)
    assert api.verify(first.access_token) and api.verify(rotated.access_token)

    with pytest.raises(InvalidGrantError, match="already used") as ei:
        exchange(auth, web, r.code, verifier)
    assert ei.value.error == "invalid_grant"
    assert "access tokens not expired yet: 2" in ei.value.description
    for token in (first.access_token, rotated.access_token):
        with pytest.raises(RevokedTokenError) as rev:
            api.verify(token)
        assert rev.value.error == "invalid_token"
        assert auth.introspect(token, web.client_id, web.client_secret) == {"active": False}
    assert rotated.refresh_token is not None
    with pytest.raises(InvalidGrantError) as ref:
        auth.refresh(rotated.refresh_token, web.client_id, web.client_secret)
    assert type(ref.value) is InvalidGrantError and ref.value.error == "invalid_grant"
    # A third presentation is still refused, and still issues nothing.
    with pytest.raises(InvalidGrantError, match="already used"):
        exchange(auth, web, r.code, verifier)


def test_rfc6749_4_1_2_code_reuse_after_code_ttl_is_still_detected(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer, clock: SimClock) -> None:
    verifier = make_verifier()
    r = login(auth, web, verifier)
    t = exchange(auth, web, r.code, verifier)
    clock.advance(auth.code_ttl + 100)
    with pytest.raises(InvalidGrantError, match="already used"):
        exchange(auth, web, r.code, verifier)
    with pytest.raises(RevokedTokenError):
        api.verify(t.access_token)


def test_rfc6749_4_1_2_code_expires_on_or_after_code_ttl(clock: SimClock) -> None:
    auth = AuthServer("https://auth.example", clock=clock, seed=1, code_ttl=30)
    ResourceServer(API, auth)
    auth.register_user("alice", PASSWORD)
    web = auth.register_client("web", ["weather:read"], redirect_uris=[WEB_CB])
    v1, v2 = make_verifier(), make_verifier()
    early, late = login(auth, web, v1), login(auth, web, v2)
    clock.advance(29)
    assert exchange(auth, web, early.code, v1).access_token
    clock.advance(1)  # now == issued + code_ttl: on the boundary, expired
    with pytest.raises(ExpiredTokenError, match="codes live 30 s") as ei:
        exchange(auth, web, late.code, v2)
    assert (ei.value.error, ei.value.status) == ("invalid_grant", 400)
    assert ei.value.exp == ei.value.now == clock.time()
    auth.store.purge(clock.time())  # and once purged it is simply unknown
    with pytest.raises(InvalidGrantError, match="unknown authorization code"):
        exchange(auth, web, late.code, v2)


def test_rfc6749_4_1_3_code_is_bound_to_its_client(
        auth: AuthServer, web: RegisteredClient, app: RegisteredClient) -> None:
    verifier = make_verifier()
    r = login(auth, web, verifier)
    assert r.code is not None
    with pytest.raises(InvalidGrantError, match="another client"):
        auth.exchange_code(r.code, app.client_id, app.client_secret, redirect_uri=WEB_CB,
                           code_verifier=verifier)
    # Client authentication comes first: the right client_id with a wrong secret is invalid_client.
    with pytest.raises(InvalidClientError):
        auth.exchange_code(r.code, web.client_id, "wrong", redirect_uri=WEB_CB,
                           code_verifier=verifier)
    with pytest.raises(InvalidClientError):
        auth.exchange_code(r.code, web.client_id, None, redirect_uri=WEB_CB,
                           code_verifier=verifier)
    assert exchange(auth, web, r.code, verifier).access_token  # the rightful client still can


def test_rfc6749_4_1_3_code_is_bound_to_its_redirect_uri(
        auth: AuthServer, web: RegisteredClient) -> None:
    verifier = make_verifier()
    r = login(auth, web, verifier)
    for other in ("https://web.example/other", WEB_CB + "/", "https://web.example/c"):
        with pytest.raises(InvalidGrantError, match="redirect_uri differs"):
            exchange(auth, web, r.code, verifier, redirect_uri=other)
    assert exchange(auth, web, r.code, verifier).access_token


def test_rfc7636_4_5_missing_verifier_when_a_challenge_was_sent(
        auth: AuthServer, web: RegisteredClient) -> None:
    verifier = make_verifier()
    r = login(auth, web, verifier)
    with pytest.raises(InvalidGrantError, match="code_verifier missing") as ei:
        exchange(auth, web, r.code, None)
    assert ei.value.error == "invalid_grant"


def test_rfc7636_4_6_wrong_verifier_is_invalid_grant(
        auth: AuthServer, web: RegisteredClient) -> None:
    verifier = make_verifier()
    r = login(auth, web, verifier)
    for wrong in (make_verifier(), verifier[:-1] + ("A" if verifier[-1] != "A" else "B"),
                  s256_challenge(verifier), "short", verifier + "!", "x" * 129):
        with pytest.raises(InvalidGrantError, match="does not match") as ei:
            exchange(auth, web, r.code, wrong)
        assert ei.value.error == "invalid_grant"
    assert exchange(auth, web, r.code, verifier).access_token


def test_rfc9700_2_1_1_verifier_for_a_code_issued_without_challenge_is_a_downgrade(
        auth: AuthServer, web: RegisteredClient) -> None:
    """RFC 9700 §2.1.1: a token request with a code_verifier is accepted only if a
    code_challenge was present in the authorization request."""
    r = login(auth, web)  # a confidential client may omit PKCE...
    assert r.code is not None
    with pytest.raises(InvalidGrantError, match="downgrade"):
        exchange(auth, web, r.code, make_verifier())
    assert exchange(auth, web, r.code, None).access_token  # ...and then sends no verifier


def test_rfc9700_2_1_1_public_client_full_flow_with_pkce(
        auth: AuthServer, spa: RegisteredClient, api: ResourceServer) -> None:
    verifier = make_verifier()
    r = login(auth, spa, verifier)
    t = auth.exchange_code(r.code or "", spa.client_id, None, redirect_uri=SPA_CB,
                           code_verifier=verifier)
    assert api.verify(t.access_token)["client_id"] == spa.client_id
    with pytest.raises(InvalidRequestError, match="public"):
        auth.exchange_code(r.code or "", spa.client_id, "secret", redirect_uri=SPA_CB,
                           code_verifier=verifier)
    assert t.refresh_token is not None
    t2 = auth.refresh(t.refresh_token, spa.client_id)
    with pytest.raises(RefreshTokenReuseError):
        auth.refresh(t.refresh_token, spa.client_id)
    with pytest.raises(RevokedTokenError):
        api.verify(t2.access_token)


@pytest.mark.parametrize("code", ["", "never-issued", "x" * 43])
def test_rfc6749_5_2_unknown_code_is_invalid_grant(
        auth: AuthServer, web: RegisteredClient, code: str) -> None:
    exc = InvalidRequestError if code == "" else InvalidGrantError
    with pytest.raises(exc):
        auth.exchange_code(code, web.client_id, web.client_secret, redirect_uri=WEB_CB)


@pytest.mark.parametrize("uri", ["/cb", "web.example/cb", "https://web.example/cb#top"])
def test_rfc6749_3_1_2_registered_redirect_uri_is_absolute_without_fragment(
        auth: AuthServer, uri: str) -> None:
    with pytest.raises(ValueError, match=r"RFC 6749 §3\.1\.2"):
        auth.register_client("bad", ["weather:read"], redirect_uris=[uri])
    assert len(auth.clients) == 0
