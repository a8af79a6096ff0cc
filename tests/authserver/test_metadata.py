"""Authorization server metadata (RFC 8414) and the JWK Set (RFC 7517)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import jwt
import pytest

from tokenlab import AuthServer, RegisteredClient, ResourceServer, SimClock

from ..conftest import API, ISSUER

ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "revocation_endpoint",
             "introspection_endpoint")


def test_rfc8414_2_required_and_recommended_fields(auth: AuthServer,
                                                   app: RegisteredClient) -> None:
    auth.register_client("spa", ["profile"], public=True, redirect_uris=["https://spa.example/cb"])
    meta = auth.metadata()
    for required in ("issuer", "authorization_endpoint", "token_endpoint",
                     "response_types_supported"):
        assert meta[required], required
    assert meta["scopes_supported"] == ["profile", "weather:read", "weather:write"]  # RECOMMENDED
    assert meta["response_types_supported"] == ["code"]  # no implicit grant (RFC 9700 §2.1.2)
    assert set(meta["grant_types_supported"]) == {"authorization_code", "client_credentials",
                                                  "refresh_token", "password"}
    assert "client_secret_basic" in meta["token_endpoint_auth_methods_supported"]
    assert "none" not in meta["introspection_endpoint_auth_methods_supported"]  # RFC 7662 §2.1
    assert json.loads(json.dumps(meta)) == meta  # served as JSON


def test_rfc8414_3_3_issuer_is_identical_and_endpoints_live_under_it(auth: AuthServer) -> None:
    meta = auth.metadata()
    assert meta["issuer"] == ISSUER == auth.issuer
    for name in ENDPOINTS:
        url = meta[name]
        assert url.startswith(ISSUER + "/"), name
        parts = urlsplit(url)
        assert parts.scheme == "https" and not parts.query and not parts.fragment
    assert len({meta[n] for n in ENDPOINTS}) == len(ENDPOINTS)


def test_rfc8414_2_issuer_with_a_path_or_trailing_slash(clock: SimClock) -> None:
    for issuer, base in (("https://auth.example/", "https://auth.example"),
                         ("https://idp.example/tenant-1", "https://idp.example/tenant-1")):
        meta = AuthServer(issuer, clock=clock, seed=1).metadata()
        assert meta["issuer"] == issuer
        assert meta["token_endpoint"] == base + "/token"
        assert "//" not in meta["token_endpoint"].removeprefix("https://")


@pytest.mark.parametrize("issuer", [
    "http://auth.example", "https://auth.example?x=1", "https://auth.example#f", "auth.example",
    "https://", "ftp://auth.example",
])
def test_rfc8414_2_issuer_is_https_without_query_or_fragment(issuer: str) -> None:
    with pytest.raises(ValueError, match="RFC 8414"):
        AuthServer(issuer, clock=SimClock(), seed=1)


@pytest.mark.parametrize("issuer", ["http://localhost:8000", "http://127.0.0.1:8000"])
def test_rfc8414_2_plain_http_only_for_localhost(issuer: str) -> None:
    assert AuthServer(issuer, clock=SimClock(), seed=1).metadata()["issuer"] == issuer


def test_rfc9700_2_1_1_pkce_support_is_published(auth: AuthServer) -> None:
    assert auth.metadata()["code_challenge_methods_supported"] == ["S256"]


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_rfc7517_5_jwks_has_the_signing_key_public_half_only(alg: str) -> None:
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1, algorithm=alg)
    app = auth.register_client("app", ["s"])
    ResourceServer(API, auth)
    token = auth.client_credentials(app.client_id, app.client_secret).access_token
    (jwk,) = auth.jwks()["keys"]
    header = jwt.get_unverified_header(token)
    assert (jwk["kid"], jwk["alg"], jwk["use"]) == (header["kid"], alg, "sig")
    assert not {"d", "p", "q", "dp", "dq", "qi", "k", "oth"} & set(jwk)
    assert json.loads(json.dumps(auth.jwks())) == auth.jwks()


def test_rfc7517_5_jwks_publishes_old_and_new_key_across_a_rotation(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, clock: SimClock) -> None:
    old = auth.client_credentials(app.client_id, app.client_secret).access_token
    new_key = auth.rotate_keys("ES256")
    kids = [k["kid"] for k in auth.jwks()["keys"]]
    assert kids == [jwt.get_unverified_header(old)["kid"], new_key.kid]
    assert [k["alg"] for k in auth.jwks()["keys"]] == ["EdDSA", "ES256"]
    clock.advance(auth.access_ttl)
    assert [k["kid"] for k in auth.jwks()["keys"]] == [new_key.kid]
