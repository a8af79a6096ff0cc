"""Keys: the four algorithms, seeded derivation, JWKS export and rotation."""

from __future__ import annotations

import jwt
import pytest

from tokenlab import AuthServer, ResourceServer, SimClock, UnknownKeyError
from tokenlab.keys import SUPPORTED_ALGORITHMS, VerificationKey, generate_key
from tokenlab.randomness import RandomSource

from .conftest import API, ISSUER


@pytest.mark.parametrize("alg", SUPPORTED_ALGORITHMS)
def test_each_algorithm_signs_and_verifies(alg: str) -> None:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=1, algorithm=alg)
    app = auth.register_client("app", ["s"])
    api = ResourceServer(API, auth)
    token = auth.client_credentials(app.client_id, app.client_secret).access_token
    assert jwt.get_unverified_header(token)["alg"] == alg
    assert api.verify(token)["client_id"] == app.client_id


@pytest.mark.parametrize("alg", SUPPORTED_ALGORITHMS)
def test_seeded_keys_are_reproducible_and_labelled(alg: str) -> None:
    a = generate_key(alg, RandomSource(seed=3), created_at=0)
    b = generate_key(alg, RandomSource(seed=3), created_at=0)
    assert a.kid == b.kid
    assert a.public_jwk() == b.public_jwk()
    assert "demo-only" in repr(a)
    sig_a = a.sign({"x": 1}, typ="at+jwt")
    assert b.verification.verify(*_split(sig_a))


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "HS256"])
def test_derived_keys_differ_between_seeds(alg: str) -> None:
    a = generate_key(alg, RandomSource(seed=1), created_at=0)
    b = generate_key(alg, RandomSource(seed=2), created_at=0)
    assert not b.verification.verify(*_split(a.sign({"x": 1}, typ="at+jwt")))


@pytest.mark.parametrize("alg", SUPPORTED_ALGORITHMS)
def test_unseeded_keys_are_random(alg: str) -> None:
    a = generate_key(alg, RandomSource(), created_at=0)
    b = generate_key(alg, RandomSource(), created_at=0)
    assert a.kid != b.kid and "random" in repr(a)
    assert not b.verification.verify(*_split(a.sign({"x": 1}, typ="at+jwt")))


def _split(token: str) -> tuple[bytes, bytes]:
    signing_input, _, sig = token.rpartition(".")
    return signing_input.encode(), jwt.utils.base64url_decode(sig)


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_jwks_has_public_keys_only(alg: str) -> None:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=1, algorithm=alg)
    (jwk,) = auth.jwks()["keys"]
    assert jwk["kid"] == auth.keys.current.kid and jwk["alg"] == alg and jwk["use"] == "sig"
    assert not {"d", "p", "q", "dp", "dq", "qi", "k"} & set(jwk)


def test_jwks_never_carries_an_hs256_secret() -> None:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=1, algorithm="HS256")
    assert auth.jwks() == {"keys": []}


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_jwks_read_by_pyjwt_verifies_tokens(alg: str) -> None:
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1, algorithm=alg)
    app = auth.register_client("app", ["s"])
    ResourceServer(API, auth)
    token = auth.client_credentials(app.client_id, app.client_secret).access_token
    jwk_set = jwt.PyJWKSet.from_dict(auth.jwks())
    key = jwk_set[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key, algorithms=[alg], audience=API, issuer=ISSUER,
                        options={"verify_exp": False, "verify_iat": False})
    assert claims["client_id"] == app.client_id
    # And a ResourceServer built from the JWKS alone (no AuthServer object) accepts it.
    remote = ResourceServer(API, issuer=ISSUER, jwks=auth.jwks(), clock=clock)
    assert remote.verify(token)["sub"] == app.client_id


def test_key_repr_shows_no_key_material() -> None:
    key = generate_key("HS256", RandomSource(seed=1), created_at=0)
    assert key._private.hex() not in repr(key)
    assert "BEGIN" not in repr(key)


def test_verification_key_from_jwk_needs_kid_and_alg() -> None:
    jwk = generate_key("EdDSA", RandomSource(seed=1), created_at=0).public_jwk()
    assert jwk is not None
    assert VerificationKey.from_jwk(jwk).algorithm == "EdDSA"
    with pytest.raises(ValueError, match="'alg'"):
        VerificationKey.from_jwk({k: v for k, v in jwk.items() if k != "alg"})
    with pytest.raises(ValueError, match="'kid'"):
        VerificationKey.from_jwk({k: v for k, v in jwk.items() if k != "kid"})


def test_rotation_keeps_old_key_until_its_last_token_expires() -> None:
    clock = SimClock()
    auth = AuthServer(ISSUER, clock=clock, seed=1, access_ttl=300)
    app = auth.register_client("app", ["s"])
    api = ResourceServer(API, auth)
    old_kid = auth.keys.current.kid
    old = auth.client_credentials(app.client_id, app.client_secret).access_token
    clock.advance(100)
    new_key = auth.rotate_keys()
    assert new_key.kid != old_kid
    new = auth.client_credentials(app.client_id, app.client_secret).access_token
    assert jwt.get_unverified_header(new)["kid"] == new_key.kid
    assert [k["kid"] for k in auth.jwks()["keys"]] == [old_kid, new_key.kid]
    assert api.verify(old) and api.verify(new)
    clock.advance(200)  # the old key's last token expires now
    assert [k["kid"] for k in auth.jwks()["keys"]] == [new_key.kid]
    with pytest.raises(UnknownKeyError):
        api.verify(old)
    assert api.verify(new)


def test_rotation_can_change_algorithm() -> None:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=1)
    assert auth.rotate_keys("ES256").algorithm == "ES256"
    assert auth.keys.current.algorithm == "ES256"
    with pytest.raises(ValueError, match="unsupported algorithm"):
        auth.rotate_keys("PS256")


@pytest.mark.parametrize("seed", [1, 2, 3, "x"])
def test_seeded_rsa_rotation_changes_the_key(seed: object) -> None:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=seed, algorithm="RS256")  # type: ignore[arg-type]
    moduli = [auth.keys.current.public_jwk()["n"]]  # type: ignore[index]
    for _ in range(2):
        moduli.append(auth.rotate_keys().public_jwk()["n"])  # type: ignore[index]
    assert len(set(moduli)) == 3
