"""The authorization server issues ID tokens in the code flow when the scope has ``openid``
(OpenID Connect Core 1.0 §2, §3.1.2.1, §3.1.3.3, §3.1.3.6); without ``openid`` nothing changes."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
import pytest

from tokenlab import (
    AuthorizationRedirect,
    AuthServer,
    RegisteredClient,
    Request,
    ResourceServer,
    SimClock,
    TokenResponse,
    make_verifier,
    s256_challenge,
)
from tokenlab.jose.idtoken import token_hash
from tokenlab.jose.tokens import shorten

from ..conftest import API, ISSUER, PASSWORD

CB = "https://web.example/cb"


@pytest.fixture
def web(auth: AuthServer, api: ResourceServer) -> RegisteredClient:
    """A confidential web app that may ask for ``openid`` — registered like any other scope."""
    auth.register_user("alice", PASSWORD)
    return auth.register_client("web", ["openid", "weather:read"], redirect_uris=[CB])


def login(auth: AuthServer, client: RegisteredClient, verifier: str, **kw: Any
          ) -> AuthorizationRedirect:
    args: dict[str, Any] = {"redirect_uri": CB, "username": "alice", "password": PASSWORD,
                            "state": "st-1", "code_challenge": s256_challenge(verifier),
                            "code_challenge_method": "S256"}
    args.update(kw)
    return auth.authorize(client.client_id, **args)


def code_flow(auth: AuthServer, client: RegisteredClient, **kw: Any) -> TokenResponse:
    verifier = make_verifier()
    r = login(auth, client, verifier, **kw)
    assert r.code is not None, r
    return auth.exchange_code(r.code, client.client_id, client.client_secret, redirect_uri=CB,
                              code_verifier=verifier)


def decode(auth: AuthServer, token: str, client_id: str) -> dict[str, Any]:
    """An independent check: PyJWT with the key of the published JWKS that the ``kid`` names."""
    kid = jwt.get_unverified_header(token)["kid"]
    (jwk,) = [k for k in auth.jwks()["keys"] if k["kid"] == kid]
    return jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=[jwk["alg"]], audience=client_id,
                      issuer=ISSUER, options={"verify_exp": False, "verify_iat": False})


def test_oidc_core_3_1_3_3_code_flow_with_openid_returns_an_id_token(
        auth: AuthServer, web: RegisteredClient, clock: SimClock) -> None:
    verifier = make_verifier()
    r = login(auth, web, verifier, scope="openid weather:read", nonce="n-0S6_WzA2Mj")
    logged_in_at = clock.time()
    clock.advance(7)  # the exchange comes a little after the login: auth_time is the login
    assert r.code is not None
    t = auth.exchange_code(r.code, web.client_id, web.client_secret, redirect_uri=CB,
                           code_verifier=verifier)
    assert t.id_token is not None
    assert t.to_dict()["id_token"] == t.id_token
    header = jwt.get_unverified_header(t.id_token)
    assert header == {"alg": "EdDSA", "kid": auth.keys.current.kid, "typ": "JWT"}
    claims = decode(auth, t.id_token, web.client_id)
    now = int(clock.time())
    assert claims == {
        "iss": ISSUER, "sub": "alice", "aud": web.client_id, "iat": now,
        "exp": now + auth.access_ttl, "auth_time": int(logged_in_at), "nonce": "n-0S6_WzA2Mj",
        "at_hash": token_hash(t.access_token, "EdDSA", "Ed25519")}
    assert claims["auth_time"] == claims["iat"] - 7
    # The repr shortens it like the other tokens.
    assert t.id_token not in repr(t) and "id_token='eyJ" in repr(t)


def test_oidc_core_3_1_2_1_nonce_is_carried_over_http_from_authorize_to_the_id_token(
        auth: AuthServer, web: RegisteredClient) -> None:
    verifier = make_verifier()
    query = {"response_type": "code", "client_id": web.client_id, "redirect_uri": CB,
             "scope": "openid weather:read", "state": "st-1", "nonce": "n-over-http",
             "code_challenge": s256_challenge(verifier), "code_challenge_method": "S256"}
    page = auth.handle(Request.get(f"{ISSUER}/authorize?{urlencode(query)}"), sender="browser")
    assert page.status == 200  # the login page
    back = auth.handle(Request.post(f"{ISSUER}/authorize",
                                    {**query, "username": "alice", "password": PASSWORD}),
                       sender="browser")
    assert back.status == 302
    code = dict(parse_qsl(urlsplit(back.headers["Location"]).query))["code"]
    response = auth.handle(Request.post(f"{ISSUER}/token", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": CB,
        "code_verifier": verifier, "client_id": web.client_id,
        "client_secret": web.client_secret or ""}))
    assert response.status == 200, response.body
    body = response.json()
    assert decode(auth, body["id_token"], web.client_id)["nonce"] == "n-over-http"


def test_oidc_core_3_1_2_1_without_a_nonce_the_id_token_has_none(
        auth: AuthServer, web: RegisteredClient) -> None:
    t = code_flow(auth, web, scope="openid")
    assert t.id_token is not None and "nonce" not in decode(auth, t.id_token, web.client_id)


def test_without_openid_nothing_changes(auth: AuthServer, web: RegisteredClient) -> None:
    t = code_flow(auth, web, scope="weather:read", nonce="ignored")
    assert t.id_token is None
    assert list(t.to_dict()) == ["access_token", "token_type", "expires_in", "scope",
                                 "refresh_token"]
    assert repr(t) == (
        f"TokenResponse(access_token={shorten(t.access_token)!r}, token_type='Bearer', "
        f"expires_in=300, scope='weather:read', refresh_token={shorten(t.refresh_token)!r})")


def test_openid_is_a_scope_the_client_must_be_registered_for(
        auth: AuthServer, web: RegisteredClient) -> None:
    other = auth.register_client("no-oidc", ["weather:read"], redirect_uris=[CB])
    r = login(auth, other, make_verifier(), scope="openid weather:read")
    assert r.error == "invalid_scope" and "openid" in (r.error_description or "")
    assert "openid" in auth.metadata()["scopes_supported"]


def test_omitted_scope_means_every_registered_scope_openid_included(
        auth: AuthServer, web: RegisteredClient) -> None:
    t = code_flow(auth, web, nonce="n-1")
    assert t.scope == "openid weather:read" and t.id_token is not None


def test_id_token_is_signed_with_the_current_key_after_a_rotation(
        auth: AuthServer, web: RegisteredClient) -> None:
    new = auth.rotate_keys("ES256")
    t = code_flow(auth, web, scope="openid", nonce="n-2")
    assert t.id_token is not None
    assert jwt.get_unverified_header(t.id_token)["kid"] == new.kid
    claims = decode(auth, t.id_token, web.client_id)
    assert claims["at_hash"] == token_hash(t.access_token, "ES256")


def test_nonce_must_be_text(auth: AuthServer, web: RegisteredClient) -> None:
    with pytest.raises(TypeError, match="nonce"):
        login(auth, web, make_verifier(), scope="openid", nonce=42)


def test_an_empty_nonce_is_refused_on_the_redirect(auth: AuthServer,
                                                   web: RegisteredClient) -> None:
    r = login(auth, web, make_verifier(), scope="openid", nonce="")
    assert r.error == "invalid_request" and "nonce" in (r.error_description or "")
    assert r.state == "st-1"


def test_a_server_signing_with_a_shared_secret_refuses_openid_clearly(clock: SimClock) -> None:
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=1, algorithm="HS256")
    ResourceServer(audience=API, auth=auth)
    auth.register_user("alice", PASSWORD)
    web = auth.register_client("web", ["openid", "weather:read"], redirect_uris=[CB])
    r = login(auth, web, make_verifier(), scope="openid")
    assert r.error == "invalid_scope" and "HS256" in (r.error_description or "")
    # Without openid the HS256 server works as before.
    assert code_flow(auth, web, scope="weather:read").id_token is None


def test_oidc_core_12_2_a_refresh_returns_no_id_token(auth: AuthServer,
                                                      web: RegisteredClient) -> None:
    t = code_flow(auth, web, scope="openid weather:read", nonce="n-3")
    assert t.refresh_token is not None
    again = auth.refresh(t.refresh_token, web.client_id, web.client_secret)
    assert again.id_token is None and again.scope == "openid weather:read"


def test_seeded_worlds_issue_the_same_id_token() -> None:
    def one() -> tuple[str | None, str]:
        clock = SimClock()
        auth = AuthServer(issuer=ISSUER, clock=clock, seed=5)
        ResourceServer(audience=API, auth=auth)
        auth.register_user("alice", PASSWORD)
        app = auth.register_client("web", ["openid", "weather:read"], redirect_uris=[CB])
        verifier = "v" * 43
        r = login(auth, app, verifier, scope="openid", nonce="n")
        assert r.code is not None
        t = auth.exchange_code(r.code, app.client_id, app.client_secret, redirect_uri=CB,
                               code_verifier=verifier)
        return t.id_token, t.access_token

    assert one() == one()
