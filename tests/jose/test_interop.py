"""Interoperability: the published JWK Set and the tokens it signs work in other JOSE libraries —
PyJWT's ``PyJWKSet``/``PyJWK`` and joserfc — for every asymmetric algorithm (RFC 7517, RFC 9068)."""

from __future__ import annotations

import contextlib
import json
import time
import warnings
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

# joserfc is a test dependency (pyproject's "test" extra, pinned in binder/requirements.txt):
# imported unconditionally, so a missing install fails loudly instead of skipping.
from joserfc import jwt as jose_jwt
from joserfc.errors import BadSignatureError, SecurityWarning
from joserfc.errors import ExpiredTokenError as JoseExpiredTokenError
from joserfc.jwk import KeySet

from tokenlab import AuthServer, ExpiredTokenError, ResourceServer, SimClock
from tokenlab.jose.keys import generate_key
from tokenlab.randomness import RandomSource

from ..conftest import API, ISSUER, PASSWORD

ASYMMETRIC = ["EdDSA", "ES256", "RS256"]


def world(alg: str, start: float | None = None) -> tuple[AuthServer, SimClock, str]:
    clock = SimClock(start) if start is not None else SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1, algorithm=alg)
    app = auth.register_client("weather-app", ["weather:read"])
    ResourceServer(API, auth)
    auth.register_user("alice", PASSWORD)
    token = auth.password_grant(app.client_id, app.client_secret, "alice", PASSWORD).access_token
    return auth, clock, token


def jwks_of(auth: AuthServer) -> Any:
    """The JWK Set as plain JSON data, the way a client fetches it from ``jwks_uri``."""
    return json.loads(json.dumps(auth.jwks()))


@contextlib.contextmanager
def joserfc_alg_warning(alg: str) -> Iterator[None]:
    """joserfc warns that "EdDSA" is deprecated by RFC 9864 (in favour of "Ed25519"); for the
    other algorithms it must say nothing (pytest turns any warning into an error)."""
    if alg == "EdDSA":
        with pytest.warns(SecurityWarning, match="RFC 9864"):
            yield
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            yield


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_rfc7517_pyjwt_pyjwkset_and_pyjwk_verify_tokens(alg: str) -> None:
    # PyJWT checks exp and iat against the wall clock: run this world on today's time.
    auth, _, token = world(alg, start=time.time())
    header = jwt.get_unverified_header(token)
    assert header == {"alg": alg, "kid": auth.keys.current.kid, "typ": "at+jwt"}
    jwks = auth.jwks()
    by_set = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    by_key = jwt.PyJWK(jwks["keys"][0])
    assert by_set.algorithm_name == by_key.algorithm_name == alg
    for key in (by_set, by_key):
        claims = jwt.decode(token, key, algorithms=[alg], audience=API, issuer=ISSUER,
                            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]})
        assert claims["sub"] == "alice" and claims["scope"] == "weather:read"
        assert claims["exp"] - claims["iat"] == auth.access_ttl
    with pytest.raises(jwt.InvalidAlgorithmError):
        other = "ES256" if alg != "ES256" else "EdDSA"
        jwt.decode(token, by_key, algorithms=[other], audience=API, issuer=ISSUER)


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_rfc9068_joserfc_keyset_verifies_tokens_and_claims(alg: str) -> None:
    auth, clock, token = world(alg)
    keyset = KeySet.import_key_set(jwks_of(auth))
    with joserfc_alg_warning(alg):
        decoded = jose_jwt.decode(token, keyset, algorithms=[alg])
    assert decoded.header == {"alg": alg, "kid": auth.keys.current.kid, "typ": "at+jwt"}
    claims = decoded.claims
    assert set(claims) == {"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope"}
    registry = jose_jwt.JWTClaimsRegistry(
        now=int(clock.time()),
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": API},
        sub={"essential": True, "value": "alice"},
        exp={"essential": True}, iat={"essential": True}, jti={"essential": True},
    )
    registry.validate(claims)


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_rfc7519_4_1_4_joserfc_and_tokenlab_agree_on_the_exp_boundary(alg: str) -> None:
    """Both libraries reject a token on or after ``exp`` and accept it one second before."""
    auth, clock, token = world(alg)
    api = ResourceServer(API, auth)
    keyset = KeySet.import_key_set(jwks_of(auth))
    with joserfc_alg_warning(alg):
        claims = jose_jwt.decode(token, keyset, algorithms=[alg]).claims
    exp = claims["exp"]
    for now, valid in ((exp - 1, True), (exp, False), (exp + 1, False)):
        clock.advance(now - clock.time())
        registry = jose_jwt.JWTClaimsRegistry(now=int(now), exp={"essential": True})
        if valid:
            registry.validate(claims)
            assert api.verify(token)
        else:
            with pytest.raises(JoseExpiredTokenError):
                registry.validate(claims)
            with pytest.raises(ExpiredTokenError):
                api.verify(token)


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_rfc7515_joserfc_and_pyjwt_reject_a_signature_by_another_key_under_our_kid(
        alg: str) -> None:
    auth, _, token = world(alg)
    claims = jwt.decode(token, options={"verify_signature": False})
    intruder = generate_key(alg, RandomSource(), created_at=0)  # random, never published
    forged = jwt.encode(claims, intruder._private, algorithm=alg,
                        headers={"kid": auth.keys.current.kid, "typ": "at+jwt"})
    keyset = KeySet.import_key_set(jwks_of(auth))
    with joserfc_alg_warning(alg), pytest.raises(BadSignatureError):
        jose_jwt.decode(forged, keyset, algorithms=[alg])
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, jwt.PyJWK(auth.jwks()["keys"][0]), algorithms=[alg],
                   options={"verify_exp": False, "verify_iat": False, "verify_aud": False})
