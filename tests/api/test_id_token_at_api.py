"""A hardened API refuses an ID token presented as an access token (RFC 9068 §4, RFC 8725 §3.11).

The ID token is a real one, issued by the authorization server in the code flow to the client
that then (by mistake, or as an attacker who holds it) sends it to the API."""

from __future__ import annotations

import pytest

from tokenlab import (
    AuthServer,
    InvalidAudienceError,
    InvalidHeaderError,
    Request,
    ResourceServer,
    SimClock,
    make_verifier,
    s256_challenge,
)
from tokenlab.api.http import parse_challenge
from tokenlab.jose.policy import VerifierPolicy
from tokenlab.jose.verify import Verifier

from ..conftest import API, ISSUER, PASSWORD

CB = "https://web.example/cb"


@pytest.fixture
def id_token(auth: AuthServer, api: ResourceServer) -> str:
    auth.register_user("alice", PASSWORD)
    web = auth.register_client("web", ["openid", "weather:read"], redirect_uris=[CB])
    verifier = make_verifier()
    r = auth.authorize(web.client_id, CB, username="alice", password=PASSWORD,
                       scope="openid weather:read", nonce="n-1",
                       code_challenge=s256_challenge(verifier), code_challenge_method="S256")
    assert r.code is not None
    t = auth.exchange_code(r.code, web.client_id, web.client_secret, redirect_uri=CB,
                           code_verifier=verifier)
    assert t.id_token is not None
    api.verify(t.access_token, scope="weather:read")  # the access token of the same response works
    return t.id_token


def test_rfc9068_4_api_refuses_an_id_token_as_an_access_token(
        api: ResourceServer, id_token: str) -> None:
    with pytest.raises(InvalidHeaderError) as ei:
        api.verify(id_token, scope="weather:read")
    assert ei.value.parameter == "typ" and ei.value.error == "invalid_token"
    assert "'JWT'" in ei.value.description and "RFC 8725 §3.11" in ei.value.description
    # The signature is the server's own and it passed: the typ check is what refused it.
    assert ei.value.report is not None
    assert ei.value.report.step("signature").status == "passed"


def test_rfc6750_3_1_id_token_sent_as_a_bearer_token_is_401_invalid_token(
        api: ResourceServer, id_token: str) -> None:
    r = api.handle(Request.get(f"{API}/weather", {"Authorization": f"Bearer {id_token}"}))
    assert r.status == 401
    scheme, params = parse_challenge(r.headers["WWW-Authenticate"])
    assert scheme == "Bearer" and params["error"] == "invalid_token"
    assert "typ" in params["error_description"]


def test_rfc8725_3_11_aud_of_an_id_token_is_the_client_not_the_api(
        auth: AuthServer, clock: SimClock, id_token: str) -> None:
    """Even a verifier that took typ ``JWT`` (a mistake) refuses it: its ``aud`` is the client."""
    lax_typ = VerifierPolicy(issuer=ISSUER, audience=API, typ=("JWT",),
                             required_claims=("iss", "exp", "aud", "sub", "iat"))
    verifier = Verifier(lax_typ, lambda kid, now: auth.keys.find(kid, now))
    with pytest.raises(InvalidAudienceError) as ei:
        verifier.verify(id_token, now=clock.time())
    assert API in ei.value.description

