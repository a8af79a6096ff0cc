"""ID tokens at the JOSE level (OpenID Connect Core 1.0 §2, §3.1.3.6): the token-hash rule with
independent test vectors, and the shape of an issued ID token, checked with PyJWT alone."""

from __future__ import annotations

import jwt
import pytest

from tokenlab import SimClock
from tokenlab.jose.idtoken import ID_TOKEN_TYP, issue_id_token, token_hash
from tokenlab.jose.keys import KeyRing
from tokenlab.randomness import RandomSource

#: The example access token of panva/oidc-token-hash's README (an independent implementation
#: used by node-openid-client), with the hashes it documents for each algorithm.
VECTOR_TOKEN = ("YmJiZTAwYmYtMzgyOC00NzhkLTkyOTItNjJjNDM3MGYzOWIy9sFhvH8K_x8UIHj1osisS57f5DduL-ar_"
                "qw5jl3lthwpMjm283aVMQXDmoqqqydDSqJfbhptzw8rUVwkuQbolw")


@pytest.mark.parametrize(("alg", "crv", "expected"), [
    ("RS256", None, "x7vk7f6BvQj0jQHYFIk4ag"),
    ("HS384", None, "ups_76_7CCye_J1WIyGHKVG7AAs2olYm"),
    ("ES512", None, "EGEAhGYyfuwDaVTifvrWSoD5MSy_5hZPy6I7Vm-7pTQ"),
    # OpenID Connect WG, connect issue #1125 (call of 2019-11-25): Ed25519 hashes with SHA-512,
    # Ed448 with SHAKE256 (114 bytes, as EdDSA itself uses it).
    ("EdDSA", "Ed25519", "EGEAhGYyfuwDaVTifvrWSoD5MSy_5hZPy6I7Vm-7pTQ"),
    ("EdDSA", "Ed448", "jxsy68_eG9-91VnHsZ2VnCr_WqDMv4nspiSuUPRdNZnv1y5lNV3rPVYYWNiY_TbUB1JRwlgiDTzZ"),
])
def test_oidc_core_3_1_3_6_at_hash_is_the_left_half_of_the_algs_hash(
        alg: str, crv: str | None, expected: str) -> None:
    assert token_hash(VECTOR_TOKEN, alg, crv) == expected


def test_oidc_core_3_1_3_6_at_hash_of_another_token_differs() -> None:
    # The README's negative example: 'foobar' under RS256.
    assert token_hash("foobar", "RS256") == "w6uP8Tcg6K2QR905Rms8iQ"


def test_at_hash_refuses_what_names_no_hash() -> None:
    with pytest.raises(ValueError, match="curve"):
        token_hash("t", "EdDSA")
    with pytest.raises(ValueError, match="none"):
        token_hash("t", "none")
    with pytest.raises(ValueError, match="Ed25519"):
        token_hash("t", "EdDSA", "X25519")


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "RS256"])
def test_oidc_core_2_id_token_has_the_required_claims_and_typ_jwt(algorithm: str) -> None:
    clock = SimClock()
    keys = KeyRing(algorithm, RandomSource(3), clock)
    now = clock.time() + 0.75
    token, claims = issue_id_token(
        keys, issuer="https://auth.example", subject="alice", client_id="app-1",
        access_token="the-access-token", auth_time=now - 30.5, nonce="n-0S6_WzA2Mj", ttl=300,
        now=now)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": algorithm, "kid": keys.current.kid, "typ": ID_TOKEN_TYP}
    assert ID_TOKEN_TYP == "JWT"
    # Checked by PyJWT with the public JWK of the JWKS, not with tokenlab's verifier.
    (jwk,) = keys.jwks()["keys"]
    decoded = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=[algorithm], audience="app-1",
                         issuer="https://auth.example", options={"verify_exp": False,
                                                                 "verify_iat": False})
    iat = int(now)
    crv = "Ed25519" if algorithm == "EdDSA" else None
    assert decoded == claims == {
        "iss": "https://auth.example", "sub": "alice", "aud": "app-1", "exp": iat + 300,
        "iat": iat, "auth_time": int(now - 30.5), "nonce": "n-0S6_WzA2Mj",
        "at_hash": token_hash("the-access-token", algorithm, crv)}


def test_oidc_core_3_1_2_1_no_nonce_sent_means_no_nonce_claim() -> None:
    clock = SimClock()
    keys = KeyRing("ES256", RandomSource(3), clock)
    _, claims = issue_id_token(keys, issuer="https://auth.example", subject="alice",
                               client_id="app-1", access_token="t", auth_time=clock.time(),
                               nonce=None, ttl=300, now=clock.time())
    assert "nonce" not in claims


def test_id_tokens_cannot_be_signed_with_a_shared_secret() -> None:
    clock = SimClock()
    keys = KeyRing("HS256", RandomSource(3), clock)
    with pytest.raises(ValueError, match="HS256"):
        issue_id_token(keys, issuer="https://auth.example", subject="alice", client_id="app-1",
                       access_token="t", auth_time=clock.time(), nonce=None, ttl=300,
                       now=clock.time())
