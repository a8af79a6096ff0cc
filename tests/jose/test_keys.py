"""Keys: the four algorithms, seeded derivation, JWKS export and rotation."""

from __future__ import annotations

import jwt
import pytest

from tokenlab import AuthServer, RegisteredClient, ResourceServer, SimClock, TokenError, UnknownKeyError
from tokenlab.jose.keys import SUPPORTED_ALGORITHMS, VerificationKey, generate_key
from tokenlab.randomness import RandomSource

from ..conftest import API, ISSUER, jti


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


# -- retention: the issuer's decision, on the issuer's clock (issue #8, items 3 and 10) ------------


def _kids(auth: AuthServer) -> list[str]:
    return [k["kid"] for k in auth.jwks()["keys"]]


def _machine_token(auth: AuthServer, app: RegisteredClient) -> str:
    return auth.client_credentials(app.client_id, app.client_secret).access_token


def test_rfc7519_4_1_4_a_token_inside_the_api_leeway_after_a_rotation_verifies(clock: SimClock) -> None:
    """RFC 7519 §4.1.4 lets an API allow "some small leeway ... to account for clock skew"; the
    key that signed a token must stay trusted for as long as an API may accept the token."""
    auth = AuthServer(ISSUER, clock=clock, seed=1, access_ttl=300)
    app = auth.register_client("app", ["s"])
    api = ResourceServer(API, auth, leeway=30)
    auth.keys.retain_for_leeway(30)  # what AuthServer.register_resource(leeway=30) does
    old_kid = auth.keys.current.kid
    token = _machine_token(auth, app)
    auth.rotate_keys()
    clock.advance(300 + 29)  # past exp, one second before the API's leeway runs out
    assert api.verify(token)["client_id"] == app.client_id
    assert old_kid in _kids(auth)
    clock.advance(1)  # exp + leeway: the last moment any API could accept the token is over
    assert old_kid not in _kids(auth)
    with pytest.raises(UnknownKeyError):
        api.verify(token)


def test_rfc7519_4_1_4_register_resource_tells_the_key_ring_the_api_leeway(clock: SimClock) -> None:
    """The same as above, with the leeway learnt the way a course learns it: from the API."""
    auth = AuthServer(ISSUER, clock=clock, seed=1, access_ttl=300)
    app = auth.register_client("app", ["s"])
    api = ResourceServer(API, auth, leeway=30)
    token = _machine_token(auth, app)
    auth.rotate_keys()
    clock.advance(300 + 29)
    assert api.verify(token)["client_id"] == app.client_id


def test_rfc7519_4_1_4_an_api_clock_ahead_does_not_unpublish_the_issuers_keys(clock: SimClock) -> None:
    """An API whose clock runs an hour ahead judges tokens by its clock, but which keys the issuer
    publishes is the issuer's decision, on the issuer's clock."""
    auth = AuthServer(ISSUER, clock=clock, seed=1)
    app = auth.register_client("app", ["s"])
    api = ResourceServer(API, auth)
    ahead = ResourceServer(API, auth, clock=SimClock(clock.time() + 3600))
    old_kid = auth.keys.current.kid
    token = _machine_token(auth, app)
    new_kid = auth.rotate_keys().kid
    with pytest.raises(TokenError):  # an hour ahead, the token has expired
        ahead.verify(token)
    assert _kids(auth) == [old_kid, new_kid]
    assert api.verify(token)["client_id"] == app.client_id


def test_rfc7517_5_reading_the_key_ring_never_changes_it(clock: SimClock) -> None:
    """JWKS, iteration, len, repr and look-ups are reads: a retired key whose tokens are over is
    no longer shown, but only a write on the issuer's clock (a signature, a rotation) drops it."""
    auth = AuthServer(ISSUER, clock=clock, seed=1, access_ttl=300)
    app = auth.register_client("app", ["s"])
    ResourceServer(API, auth)
    ring = auth.keys
    old_kid = ring.current.kid
    _machine_token(auth, app)
    new_kid = auth.rotate_keys().kid
    clock.advance(300)  # the old key's last token is over
    state = (dict(ring._keys), dict(ring._last_exp))
    assert _kids(auth) == [new_kid]
    assert [k.kid for k in ring.published()] == [k.kid for k in ring] == [new_kid]
    assert len(ring) == 1 and old_kid not in repr(ring)
    assert ring.find(old_kid, clock.time()) is None
    assert ring.find(new_kid, clock.time() + 10**6) is not None
    assert (dict(ring._keys), dict(ring._last_exp)) == state
    _machine_token(auth, app)  # a write on the issuer's clock
    assert list(ring._keys) == [new_kid]


def test_rfc7517_5_a_leaked_retired_key_is_refused_once_its_tokens_are_over(clock: SimClock) -> None:
    """Retiring a key is what makes a leak of it stop mattering. The scenario: the old key leaked,
    so signing with it is the attacker's real capability. Once every token it signed is over
    (+ the API's leeway), a fresh token signed with it is refused — with nobody having read the
    JWKS first (a read that used to prune the ring and hid a verifier trusting retired keys)."""
    auth = AuthServer(ISSUER, clock=clock, seed=1, access_ttl=300)
    app = auth.register_client("app", ["s"])
    api = ResourceServer(API, auth, leeway=30)
    auth.keys.retain_for_leeway(30)
    leaked = auth.keys.current
    honest = _machine_token(auth, app)
    claims = jwt.decode(honest, options={"verify_signature": False})

    def forge_with_leaked_key() -> str:
        now = int(clock.time())
        return jwt.encode({**claims, "iat": now, "exp": now + 300, "jti": f"forged-{now}"},
                          leaked._private, algorithm=leaked.algorithm,
                          headers={"kid": leaked.kid, "typ": "at+jwt"})

    assert api.verify(forge_with_leaked_key())["jti"] != jti(honest)  # the forgery is sound
    auth.rotate_keys()
    clock.advance(300 + 30)
    with pytest.raises(UnknownKeyError):
        api.verify(forge_with_leaked_key())


def test_the_ring_keeps_the_largest_leeway_it_is_told_and_refuses_nonsense() -> None:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=1)
    for seconds in (30, 5, 60.5, 0):
        auth.keys.retain_for_leeway(seconds)
    assert auth.keys.leeway == 60.5
    with pytest.raises(TypeError, match="number of seconds"):
        auth.keys.retain_for_leeway(True)
    for bad in (-1, float("inf"), float("nan"), 10**400):
        with pytest.raises(ValueError, match="finite number of seconds >= 0"):
            auth.keys.retain_for_leeway(bad)
