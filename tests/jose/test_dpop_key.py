"""The client's proof key (RFC 9449 §4.2): what a proof carries, that its jti is fresh, that a
seeded key is reproducible, that nothing private shows — and that an independent JOSE library
(PyJWT used directly, and joserfc) reads and verifies its proofs with the embedded key."""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc import jwt as jose_jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, OKPKey
from jwt.utils import base64url_decode, base64url_encode

import tokenlab
from tokenlab import DPoPKey, SimClock, jwk_thumbprint
from tokenlab.jose.dpop import DPOP_TYP, access_token_hash
from tokenlab.jose.keys import generate_key
from tokenlab.jose.thumbprint import PRIVATE_MEMBERS
from tokenlab.randomness import RandomSource

ALGS = ["ES256", "EdDSA"]
URL = "https://api.example/weather"

#: RFC 9449 §7.1 Figures 13 and 14: the access token and the ath of its proof.
RFC9449_TOKEN = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
RFC9449_ATH = "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"


def parts(proof: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a proof, read without verifying anything."""
    return jwt.get_unverified_header(proof), jwt.decode(proof, options={"verify_signature": False})


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


@pytest.mark.parametrize("alg", ALGS)
def test_rfc9449_4_2_header_has_typ_alg_and_the_public_jwk(alg: str, clock: SimClock) -> None:
    key = DPoPKey.generate(alg, clock=clock)
    header, _ = parts(key.proof("GET", URL))
    assert header["typ"] == DPOP_TYP == "dpop+jwt"
    assert header["alg"] == alg == key.algorithm
    assert header["jwk"] == key.public_jwk
    assert header["jwk"]["kty"] == {"ES256": "EC", "EdDSA": "OKP"}[alg]
    assert PRIVATE_MEMBERS.isdisjoint(header["jwk"])
    assert set(header) == {"typ", "alg", "jwk"}


@pytest.mark.parametrize("alg", ALGS)
def test_rfc9449_4_2_claims_jti_htm_htu_iat(alg: str, clock: SimClock) -> None:
    clock.advance(12.75)
    key = DPoPKey.generate(alg, clock=clock)
    _, claims = parts(key.proof("POST", "https://auth.example/token"))
    assert set(claims) == {"jti", "htm", "htu", "iat"}
    assert claims["htm"] == "POST"
    assert claims["htu"] == "https://auth.example/token"
    assert claims["iat"] == math.floor(clock.time()) and isinstance(claims["iat"], int)


@pytest.mark.parametrize(("url", "htu"), [
    ("https://api.example/weather?city=Paris", "https://api.example/weather"),
    ("https://api.example/weather#today", "https://api.example/weather"),
    ("https://api.example/weather?city=Paris&day=1#x", "https://api.example/weather"),
    ("https://api.example:8443/a/b?", "https://api.example:8443/a/b"),
    ("http://localhost:8000/", "http://localhost:8000/"),
])
def test_rfc9449_4_2_htu_is_the_url_without_query_and_fragment(url: str, htu: str, clock: SimClock) -> None:
    """§4.2: htu is "The HTTP target URI ... without query and fragment parts"."""
    _, claims = parts(DPoPKey.generate(clock=clock).proof("GET", url))
    assert claims["htu"] == htu


def test_rfc9449_4_2_ath_is_base64url_of_the_sha256_of_the_token(clock: SimClock) -> None:
    """§4.2: ath is "the result of a base64url encoding ... the SHA-256 [SHS] hash of the ASCII
    encoding of the associated access token's value" — the RFC's own example (Figure 14)."""
    assert access_token_hash(RFC9449_TOKEN) == RFC9449_ATH
    _, claims = parts(DPoPKey.generate(clock=clock).proof("GET", URL, access_token=RFC9449_TOKEN))
    assert claims["ath"] == RFC9449_ATH
    assert len(base64url_decode(claims["ath"].encode())) == 32


def test_rfc9449_4_2_nonce_only_when_given(clock: SimClock) -> None:
    key = DPoPKey.generate(clock=clock)
    _, claims = parts(key.proof("GET", URL, nonce="eyJ7S_zG.eyJH0-Z.HX4w-7v"))
    assert claims["nonce"] == "eyJ7S_zG.eyJH0-Z.HX4w-7v"
    _, claims = parts(key.proof("GET", URL))
    assert "nonce" not in claims and "ath" not in claims


@pytest.mark.parametrize("alg", ALGS)
def test_rfc9449_4_2_every_jti_is_fresh_with_at_least_96_random_bits(alg: str, clock: SimClock) -> None:
    """§4.2: "at least 96 bits of pseudorandom data"; 1,000 proofs at the same instant for the
    same request all differ in jti (and so in signature input)."""
    key = DPoPKey.generate(alg, clock=clock)
    jtis = [parts(key.proof("GET", URL))[1]["jti"] for _ in range(1000)]
    assert len(set(jtis)) == 1000
    assert all(len(base64url_decode(j.encode())) * 8 >= 96 for j in jtis)


def test_a_jti_can_be_chosen_for_a_lesson(clock: SimClock) -> None:
    _, claims = parts(DPoPKey.generate(clock=clock).proof("GET", URL, jti="replay-me"))
    assert claims["jti"] == "replay-me"


@pytest.mark.parametrize("alg", ALGS)
def test_seeded_keys_and_their_proofs_are_reproducible(alg: str) -> None:
    """A seeded world makes the same key and, on the same clock, byte-identical proofs (ES256
    signs with RFC 6979 deterministic nonces, so even its signatures repeat)."""
    a = DPoPKey.generate(alg, random=RandomSource(seed=1), clock=SimClock())
    b = DPoPKey.generate(alg, random=RandomSource(seed=1), clock=SimClock())
    assert a.public_jwk == b.public_jwk and a.thumbprint == b.thumbprint
    assert a.proof("GET", URL, access_token="t") == b.proof("GET", URL, access_token="t")
    assert a.proof("GET", URL) != a.proof("GET", URL)  # still a fresh jti each time
    other = DPoPKey.generate(alg, random=RandomSource(seed=2), clock=SimClock())
    assert other.thumbprint != a.thumbprint
    unseeded = [DPoPKey.generate(alg, clock=SimClock()) for _ in range(2)]
    assert unseeded[0].thumbprint != unseeded[1].thumbprint


def test_two_keys_from_one_seeded_source_differ() -> None:
    random = RandomSource(seed=1)
    assert DPoPKey.generate(random=random).thumbprint != DPoPKey.generate(random=random).thumbprint


@pytest.mark.parametrize("alg", ALGS)
def test_a_seeded_proof_key_is_never_the_servers_signing_key(alg: str) -> None:
    """Client and server of a seeded world share the seed: their keys must still differ."""
    server = generate_key(alg, RandomSource(seed=1), created_at=0).public_jwk()
    assert server is not None
    client = DPoPKey.generate(alg, random=RandomSource(seed=1)).public_jwk
    assert client["x"] != server["x"]


@pytest.mark.parametrize("alg", ALGS)
def test_repr_shows_the_thumbprint_never_private_material(alg: str) -> None:
    seeded = DPoPKey.generate(alg, random=RandomSource(seed=1))
    private = seeded._private  # white-box: the values that must never show
    secrets = ([base64url_encode(private.private_bytes_raw()).decode()] if alg == "EdDSA" else
               [str(private.private_numbers().private_value),
                base64url_encode(private.private_numbers().private_value.to_bytes(32, "big")).decode()])
    for text in (repr(seeded), str(seeded)):
        assert seeded.thumbprint in text and alg in text and "demo-only" in text
        assert not any(s in text for s in secrets)
    assert "demo-only" not in repr(DPoPKey.generate(alg))


def test_public_jwk_is_a_copy_and_the_thumbprint_is_rfc7638s(clock: SimClock) -> None:
    key = DPoPKey.generate(clock=clock)
    jwk = key.public_jwk
    jwk["x"] = "changed"
    assert key.public_jwk["x"] != "changed"
    assert key.thumbprint == jwk_thumbprint(key.public_jwk)
    assert tokenlab.DPoPKey is DPoPKey and "DPoPKey" in tokenlab.__all__


def test_time_comes_from_now_or_the_clock(clock: SimClock) -> None:
    clock.advance(30)
    with_clock = DPoPKey.generate(clock=clock)
    assert parts(with_clock.proof("GET", URL))[1]["iat"] == int(clock.time())
    assert parts(with_clock.proof("GET", URL, now=clock.time() + 7))[1]["iat"] == int(clock.time()) + 7
    no_clock = DPoPKey.generate()
    assert parts(no_clock.proof("GET", URL, now=1_900_000_000.5))[1]["iat"] == 1_900_000_000
    with pytest.raises(TypeError, match="clock"):
        no_clock.proof("GET", URL)


@pytest.mark.parametrize("alg", ALGS)
def test_rfc9449_4_3_pyjwt_verifies_a_proof_with_the_embedded_jwk(alg: str, clock: SimClock) -> None:
    """An independent check: PyJWT, given only the proof, builds the key from the header's jwk
    and verifies the signature; a proof altered by one claim fails the same check."""
    proof = DPoPKey.generate(alg, clock=clock).proof("GET", URL, access_token="tok")
    header = jwt.get_unverified_header(proof)
    key = jwt.PyJWK(header["jwk"], algorithm=header["alg"])
    claims = jwt.decode(proof, key, algorithms=[alg], options={"verify_iat": False})
    assert claims["htu"] == URL and claims["ath"] == access_token_hash("tok")
    head, _, sig = proof.split(".")
    forged = base64url_encode(json.dumps({**claims, "htm": "POST"}).encode()).decode()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(f"{head}.{forged}.{sig}", key, algorithms=[alg], options={"verify_iat": False})


@pytest.mark.parametrize("alg", ALGS)
def test_rfc9449_4_3_joserfc_verifies_a_proof_with_the_embedded_jwk(alg: str, clock: SimClock) -> None:
    proof = DPoPKey.generate(alg, clock=clock).proof("PUT", URL)
    header = jwt.get_unverified_header(proof)
    kind = ECKey if alg == "ES256" else OKPKey
    with warnings.catch_warnings():
        # joserfc warns that "EdDSA" is deprecated by RFC 9864 in favour of "Ed25519"
        warnings.simplefilter("ignore", SecurityWarning)
        token = jose_jwt.decode(proof, kind.import_key(header["jwk"]), algorithms=[alg])
    assert token.header["typ"] == "dpop+jwt" and token.claims["htm"] == "PUT"


@pytest.mark.parametrize("alg", ["HS256", "none", "RS256", "ES384", "es256", ""])
def test_only_es256_and_eddsa_proof_keys(alg: str) -> None:
    with pytest.raises(ValueError, match="ES256"):
        DPoPKey.generate(alg)


@pytest.mark.parametrize(("private", "alg"), [
    (ec.derive_private_key(7, ec.SECP256R1()), "ES256"),
    (ed25519.Ed25519PrivateKey.from_private_bytes(bytes(32)), "EdDSA"),
])
def test_a_key_made_elsewhere_can_be_wrapped(private: Any, alg: str, clock: SimClock) -> None:
    key = DPoPKey(private, clock=clock)
    assert key.algorithm == alg and not key.demo
    assert parts(key.proof("GET", URL))[0]["jwk"] == key.public_jwk


@pytest.mark.parametrize("private", [
    ec.derive_private_key(7, ec.SECP384R1()),
    rsa.generate_private_key(public_exponent=65537, key_size=2048),
    ec.derive_private_key(7, ec.SECP256R1()).public_key(),
    b"a shared secret is not a proof key",
])
def test_other_keys_are_refused(private: Any) -> None:
    with pytest.raises((TypeError, ValueError), match=r"P-256|Ed25519"):
        DPoPKey(private)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"method": ""}, ValueError, "method"),
    ({"method": "GE T"}, ValueError, "method"),
    ({"method": 7}, TypeError, "method"),
    ({"url": "/weather"}, ValueError, "absolute"),
    ({"url": "ftp://api.example/x"}, ValueError, "http"),
    ({"url": "https:///weather"}, ValueError, "host"),
    ({"url": b"https://api.example"}, TypeError, "url"),
    ({"nonce": "two words"}, ValueError, "nonce"),
    ({"nonce": ""}, ValueError, "nonce"),
    ({"nonce": 5}, TypeError, "nonce"),
    ({"access_token": ""}, ValueError, "access token"),
    ({"access_token": "tök"}, ValueError, "ASCII"),
    ({"access_token": b"tok"}, TypeError, "access token"),
    ({"jti": ""}, ValueError, "jti"),
    ({"now": math.nan}, ValueError, "now"),
    ({"now": "12"}, TypeError, "now"),
])
def test_bad_arguments_get_a_clear_error(kwargs: dict[str, Any], error: type[Exception], match: str,
                                         clock: SimClock) -> None:
    args: dict[str, Any] = {"method": "GET", "url": URL, **kwargs}
    with pytest.raises(error, match=match):
        DPoPKey.generate(clock=clock).proof(args.pop("method"), args.pop("url"), **args)


def test_a_refused_call_draws_nothing_so_a_seeded_world_stays_reproducible() -> None:
    """Bad input changes no state: after refused calls, the next proof's jti is the one a twin
    key that saw no mistakes draws."""
    key = DPoPKey.generate(random=RandomSource(seed=4), clock=SimClock())
    twin = DPoPKey.generate(random=RandomSource(seed=4), clock=SimClock())
    for bad in ({"nonce": "two words"}, {"access_token": "tök"}, {"now": math.inf}):
        with pytest.raises(ValueError):
            key.proof("GET", URL, **bad)
    with pytest.raises(ValueError):
        key.proof("GET", "/relative")
    assert parts(key.proof("GET", URL))[1]["jti"] == parts(twin.proof("GET", URL))[1]["jti"]
