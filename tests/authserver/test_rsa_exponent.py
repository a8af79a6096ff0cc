"""RSA public exponent of an RS256 server: 65537 by default; 3 only when asked.

RFC 8017 §3.1 allows any odd e ≥ 3; FIPS 186-5 §5.4 wants e > 2^16, which is why 65537 is the
default. The course's notebook 10 asks for e = 3 so that the attacker's modulus recovery from two
tokens (gcd(s1^e - m1, s2^e - m2)) runs in milliseconds instead of half a minute.
"""

from __future__ import annotations

import jwt
import pytest
from jwt.utils import base64url_decode

from tokenlab import AuthServer, ResourceServer, SimClock
from tokenlab.attacker.rsa_modulus import recover_rsa_modulus

ISSUER = "https://auth.example"
API = "https://api.example"


def _exponent(auth: AuthServer) -> int:
    (jwk,) = auth.jwks()["keys"]
    return int.from_bytes(base64url_decode(jwk["e"]), "big")


def _two_tokens(auth: AuthServer) -> tuple[str, str]:
    reg = auth.register_client("svc", scopes=["weather:read"])
    return tuple(auth.client_credentials(reg.client_id, reg.client_secret).access_token
                 for _ in range(2))  # type: ignore[return-value]


def test_default_exponent_is_65537_fips_186_5() -> None:
    assert _exponent(AuthServer(ISSUER, clock=SimClock(), seed=1, algorithm="RS256")) == 65537


@pytest.mark.parametrize("seed", [1, None])
def test_rfc8017_3_1_exponent_3_when_asked(seed: int | None) -> None:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=seed, algorithm="RS256",
                      rsa_public_exponent=3)
    assert _exponent(auth) == 3
    api = ResourceServer(API, auth)
    token, _ = _two_tokens(auth)
    assert api.check(token).ok
    assert "e=3" in repr(auth)


def test_exponent_3_kept_on_rotation() -> None:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=1, algorithm="RS256", rsa_public_exponent=3)
    new = auth.rotate_keys()
    jwk = next(k for k in auth.jwks()["keys"] if k["kid"] == new.kid)
    assert jwk["e"] == "Aw"


def test_seeded_exponent_3_server_is_reproducible() -> None:
    make = lambda: AuthServer(ISSUER, clock=SimClock(), seed=8, algorithm="RS256",  # noqa: E731
                              rsa_public_exponent=3)
    assert make().jwks() == make().jwks()


def test_modulus_recovered_from_two_tokens_with_e_3() -> None:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=2, algorithm="RS256", rsa_public_exponent=3)
    ResourceServer(API, auth)
    t1, t2 = _two_tokens(auth)
    (jwk,) = auth.jwks()["keys"]
    n = int.from_bytes(base64url_decode(jwk["n"]), "big")
    assert recover_rsa_modulus(t1, t2, e=3) == n
    assert jwt.get_unverified_header(t1)["alg"] == "RS256"


@pytest.mark.parametrize("value", [5, 65539, 1, 0, -3, "3", 3.0, True, None])
def test_other_exponents_refused(value: object) -> None:
    with pytest.raises((TypeError, ValueError), match="rsa_public_exponent must be"):
        AuthServer(ISSUER, clock=SimClock(), seed=1, algorithm="RS256", rsa_public_exponent=value)


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "HS256"])
def test_exponent_only_for_rs256(algorithm: str) -> None:
    with pytest.raises(ValueError, match="RS256"):
        AuthServer(ISSUER, clock=SimClock(), seed=1, algorithm=algorithm, rsa_public_exponent=3)
