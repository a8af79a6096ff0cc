"""Checking DPoP proofs (RFC 9449 §4.3): one test per item, each breaking exactly one thing in an
otherwise valid proof; the order the checks run in; the replay cache of §11.1 and its bound;
server nonces (§8, §9); and proofs made elsewhere — the RFC's own examples and proofs signed by
hand with PyJWT and cryptography, never by :class:`~tokenlab.DPoPKey`.

The attacker's proofs are built from what an attacker holds: their own keys, or a proof they
captured. Nothing here uses a server's private key.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm, get_default_algorithms
from jwt.utils import base64url_encode

import tokenlab
from tokenlab import (
    DPoPKey,
    InvalidDPoPProofError,
    MemoryStore,
    SimClock,
    TokenError,
    UseDPoPNonceError,
    jwk_thumbprint,
)
from tokenlab.jose.dpop import access_token_hash
from tokenlab.jose.dpop_nonce import DPoPNonces
from tokenlab.jose.dpop_verify import CHECKS, REPLAY_KIND, DPoPProofVerifier, VerifiedProof
from tokenlab.net.messages import Headers
from tokenlab.randomness import RandomSource

URL = "https://api.example/weather"
TOKEN = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"  # the access token sent along
#: The client's key, another key (the attacker's), an Ed25519 key and an RSA key.
CLIENT = ec.derive_private_key(0x1D0C_5EED, ec.SECP256R1())
ATTACKER = ec.derive_private_key(0xBAD_C0DE, ec.SECP256R1())
ED = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
Refusal = InvalidDPoPProofError | UseDPoPNonceError

#: RFC 9449 §4.1 Figure 2 (a proof for the token endpoint) and §7.1 Figure 13 (for an API, with
#: ath), made by the RFC's authors; the key's thumbprint is §6.1 Figure 9's jkt.
RFC9449_FIGURE_2 = (
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19"
    ".eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ"
    ".2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg")
RFC9449_FIGURE_13 = (
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19"
    ".eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9"
    ".2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA")
RFC9449_TOKEN = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
RFC9449_JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"


def b64(data: bytes) -> str:
    return base64url_encode(data).decode("ascii")


def public_jwk(private: Any) -> dict[str, Any]:
    kind = {ec.EllipticCurvePrivateKey: ECAlgorithm, ed25519.Ed25519PrivateKey: OKPAlgorithm,
            rsa.RSAPrivateKey: RSAAlgorithm}
    alg = next(a for t, a in kind.items() if isinstance(private, t))
    return dict(alg.to_jwk(private.public_key(), as_dict=True))


def sign(header: dict[str, Any], claims: dict[str, Any], key: Any) -> str:
    """A compact JWS over exactly this header and these claims, signed by hand: PyJWT's algorithm
    object for the header's ``alg`` and ``key`` (``none``, in any case: an empty signature; an
    algorithm PyJWT does not know: 64 zero bytes)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    alg = str(header.get("alg"))
    algorithm = get_default_algorithms().get(alg)
    signature = (b"" if alg.lower() == "none" else bytes(64) if algorithm is None
                 else algorithm.sign(signing_input.encode(), key))
    return f"{signing_input}.{b64(signature)}"


@dataclass
class Case:
    """One request with its proof: valid as made by :meth:`World.case`, then broken on purpose."""

    header: dict[str, Any]
    claims: dict[str, Any]
    key: Any = CLIENT
    copies: int = 1
    garble: bool = False
    method: str = "GET"
    url: str = URL
    access_token: str | None = TOKEN
    expected_jkt: str | None = field(default_factory=lambda: jwk_thumbprint(public_jwk(CLIENT)))

    def text(self) -> str:
        proof = sign(self.header, self.claims, self.key)
        return proof.rsplit(".", 1)[0] if self.garble else proof


class World:
    """A clock, a replay store, a nonce source and the verifier of an API using them."""

    def __init__(self, **options: Any) -> None:
        self.clock = SimClock()
        self.store = MemoryStore(self.clock)
        self.nonces = DPoPNonces(self.clock, RandomSource(seed=1))
        options.setdefault("nonces", self.nonces)
        self.verifier = DPoPProofVerifier(self.clock, store=self.store, **options)
        self._n = itertools.count()

    def case(self, **claims: Any) -> Case:
        """A valid request: a proof with a fresh jti, ath of TOKEN and the current nonce."""
        body = {"jti": f"jti-{next(self._n)}", "htm": "GET", "htu": URL,
                "iat": int(self.clock.time()), "ath": access_token_hash(TOKEN)}
        if self.verifier.nonces is not None:
            body["nonce"] = self.nonces.current()
        body.update(claims)
        return Case({"typ": "dpop+jwt", "alg": "ES256", "jwk": public_jwk(CLIENT)}, body)

    def verify(self, case: Case) -> VerifiedProof:
        text = case.text()
        proofs: Any = [text] * case.copies if case.copies != 1 else {"DPoP": text}
        return self.verifier.verify(proofs, case.method, case.url,
                                    access_token=case.access_token, expected_jkt=case.expected_jkt)

    def refused(self, case: Case) -> Refusal:
        with pytest.raises((InvalidDPoPProofError, UseDPoPNonceError)) as caught:
            self.verify(case)
        assert caught.value.description and "RFC" in caught.value.description
        return caught.value

    def baseline_passes(self) -> None:
        """The proofs of this world are valid until broken: the tests below can fail."""
        assert isinstance(self.verify(self.case()), VerifiedProof)


@pytest.fixture
def world() -> World:
    w = World()
    w.baseline_passes()
    return w


# --- §4.3, one item at a time ---------------------------------------------------------------------


def test_rfc9449_4_3_item_1_not_more_than_one_dpop_header(world: World) -> None:
    case = world.case()
    case.copies = 2
    assert world.refused(case).check == "one_header"
    text = world.case().text()
    combined = Headers([("DPoP", text), ("dpop", world.case().text())])  # RFC 9110 §5.3
    with pytest.raises(InvalidDPoPProofError, match="2 DPoP") as caught:
        world.verifier.verify(combined, "GET", URL, access_token=TOKEN)
    assert caught.value.check == "one_header"
    for none in ({}, Headers([("Authorization", f"DPoP {TOKEN}")]), []):
        with pytest.raises(InvalidDPoPProofError, match="no DPoP header") as caught:
            world.verifier.verify(none, "GET", URL, access_token=TOKEN)
        assert caught.value.check == "one_header"
    assert world.verifier.verify(Headers([("dPoP", text)]), "GET", URL, access_token=TOKEN)


@pytest.mark.parametrize(("mangle", "why"), [
    (lambda t: "", "empty"),
    (lambda t: t.rsplit(".", 1)[0], "three"),
    (lambda t: t + ".e30", "three"),
    (lambda t: t.replace(".", ".=", 1), "base64url"),
    (lambda t: "é" + t, "ASCII"),
    (lambda t: f"{b64(b'not json')}.{t.split('.', 1)[1]}", "header"),
    (lambda t: f"{t.split('.')[0]}.{b64(b'[1, 2]')}.{t.split('.')[2]}", "payload"),
    (lambda t: t + "A" * 9000, "long"),
])
def test_rfc9449_4_3_item_2_the_dpop_header_is_a_single_well_formed_jwt(world: World, mangle: Any,
                                                                        why: str) -> None:
    text = mangle(world.case().text())
    with pytest.raises(InvalidDPoPProofError, match=why) as caught:
        world.verifier.verify({"DPoP": text}, "GET", URL, access_token=TOKEN)
    assert caught.value.check == "well_formed"


def test_rfc9449_4_3_item_2_a_critical_extension_is_refused(world: World) -> None:
    """RFC 7515 §4.1.11: a ``crit`` naming extensions the server does not understand."""
    case = world.case()
    case.header["crit"] = ["exp"]
    case.header["exp"] = 1
    assert world.refused(case).check == "well_formed"


@pytest.mark.parametrize(("claim", "value"), [
    ("jti", None), ("htm", None), ("htu", None), ("iat", None),
    ("jti", ""), ("jti", 7), ("htm", ""), ("htm", ["GET"]), ("htu", 1), ("iat", "now"),
    ("iat", True), ("iat", 10**400),
])
def test_rfc9449_4_3_item_3_all_required_claims_are_present(world: World, claim: str,
                                                            value: Any) -> None:
    """§4.2: jti, htm, htu and iat, each of its kind (None here: the claim is left out)."""
    case = world.case()
    if value is None:
        del case.claims[claim]
    else:
        case.claims[claim] = value
    err = world.refused(case)
    assert err.check == "claims" and f"'{claim}'" in err.description


@pytest.mark.parametrize("typ", ["JWT", "at+jwt", "dpop", "dpop+jwt ", None, 1, "application/jwt"])
def test_rfc9449_4_3_item_4_typ_is_dpop_jwt(world: World, typ: Any) -> None:
    case = world.case()
    if typ is None:
        del case.header["typ"]
    else:
        case.header["typ"] = typ
    assert world.refused(case).check == "typ"


@pytest.mark.parametrize("typ", ["dpop+jwt", "DPoP+JWT", "application/dpop+jwt"])
def test_rfc9449_4_3_item_4_typ_is_a_media_type_compared_without_case(world: World, typ: str) -> None:
    """RFC 7515 §4.1.9: typ is a media type (case-insensitive; "application/" may be left out)."""
    case = world.case()
    case.header["typ"] = typ
    assert world.verify(case).header["typ"] == typ


@pytest.mark.parametrize("alg", ["none", "NONE", "None", "nOnE"])
def test_rfc9449_4_3_item_5_alg_none_in_any_case_is_refused_before_any_key_is_used(
        world: World, alg: str) -> None:
    """§4.2: alg "MUST NOT be none". Refused on the header alone: the jwk here would make any
    code that reads it first fail differently (it carries a private member)."""
    case = world.case()
    case.header["alg"] = alg
    case.header["jwk"] = {**public_jwk(CLIENT), "d": "AAAA"}
    err = world.refused(case)
    assert err.check == "alg" and "unsigned" in err.description


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_rfc9449_4_3_item_5_a_symmetric_mac_is_refused(world: World, alg: str) -> None:
    """§4.2: nor "an identifier for a symmetric algorithm (Message Authentication Code (MAC))":
    a proof signed with a secret shared with... whom? It proves nothing."""
    secret = bytes(range(64))
    case = world.case()
    case.header.update(alg=alg, jwk={"kty": "oct", "k": b64(secret)})
    case.key = secret
    err = world.refused(case)
    assert err.check == "alg" and "shared secret" in err.description


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES384", "ES256K", "HS", "", 7, None])
def test_rfc9449_4_3_item_5_an_alg_off_the_allow_list_is_refused(world: World, alg: Any) -> None:
    case = world.case()
    if alg is None:
        del case.header["alg"]
    else:
        case.header["alg"] = alg
    if alg in ("RS256", "PS256"):  # a real RSA signature: refused for the allow-list alone
        case.header["jwk"], case.key = public_jwk(RSA), RSA
    elif alg == "ES384":
        case.header["alg"] = "ES256"  # sign as ES256, then claim ES384
        text = case.text()
        header = {**case.header, "alg": "ES384"}
        text = f"{b64(json.dumps(header).encode())}.{text.split('.', 1)[1]}"
        with pytest.raises(InvalidDPoPProofError) as caught:
            world.verifier.verify({"DPoP": text}, "GET", URL, access_token=TOKEN)
        assert caught.value.check == "alg"
        return
    err = world.refused(case)
    assert err.check == "alg"
    assert "ES256" in err.description and "EdDSA" in err.description  # says what is accepted


def test_rfc9449_4_3_item_5_the_allow_list_is_configurable_and_asymmetric_only() -> None:
    world = World(algorithms=frozenset({"ES256", "RS256"}))
    case = world.case()
    case.header["jwk"], case.key, case.header["alg"] = public_jwk(RSA), RSA, "RS256"
    case.expected_jkt = jwk_thumbprint(public_jwk(RSA))
    assert world.verify(case).algorithm == "RS256"
    assert world.verifier.algorithms == ("ES256", "RS256")
    for bad in ({"HS256"}, {"none"}, {"ES256", "NONE"}, set(), {"XYZ"}, {"es256"}):
        with pytest.raises(ValueError, match="asymmetric"):
            DPoPProofVerifier(SimClock(), algorithms=frozenset(bad))


@pytest.mark.parametrize("how", ["another key", "claims changed after signing", "empty signature",
                                 "signature of another proof"])
def test_rfc9449_4_3_item_6_the_signature_verifies_with_the_public_key_in_jwk(
        world: World, how: str) -> None:
    case = world.case()
    if how == "another key":  # the attacker signs, but shows the client's public key
        case.key = ATTACKER
        text = case.text()
    else:
        text = case.text()
        head, body, sig = text.split(".")
        if how == "claims changed after signing":
            body = b64(json.dumps({**case.claims, "htm": "GET", "jti": "other"}).encode())
        elif how == "empty signature":
            sig = ""
        else:
            sig = world.case().text().split(".")[2]
        text = f"{head}.{body}.{sig}"
    with pytest.raises(InvalidDPoPProofError) as caught:
        world.verifier.verify({"DPoP": text}, "GET", URL, access_token=TOKEN)
    assert caught.value.check == "signature"


@pytest.mark.parametrize(("jwk", "why"), [
    (None, "no 'jwk'"),
    ("a key", "JSON object"),
    ({"kty": "EC", "crv": "P-256", "x": public_jwk(CLIENT)["x"]}, "'y'"),
    ({**public_jwk(CLIENT), "y": public_jwk(ATTACKER)["y"]}, "not a valid"),  # not on the curve
    (public_jwk(ec.derive_private_key(5, ec.SECP384R1())), "P-256"),
    (public_jwk(ED), "EC"),
    ({**public_jwk(CLIENT), "alg": "ES384"}, "ES384"),
    ({**public_jwk(CLIENT), "kty": "RSA"}, "'RSA'"),
])
def test_rfc9449_4_3_item_6_the_jwk_is_a_public_key_for_the_alg(world: World, jwk: Any,
                                                                  why: str) -> None:
    case = world.case()
    if jwk is None:
        del case.header["jwk"]
    else:
        case.header["jwk"] = jwk
    err = world.refused(case)
    assert err.check == "jwk" and why in err.description


def test_rfc9449_4_3_item_6_a_short_rsa_key_is_refused() -> None:
    """RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used with these algorithms"."""
    world = World(algorithms=frozenset({"RS256"}))
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    case = world.case()
    case.header.update(alg="RS256", jwk=public_jwk(short))
    case.key = short
    err = world.refused(case)
    assert err.check == "jwk" and "2048" in err.description


@pytest.mark.parametrize("private", [CLIENT, ED, RSA], ids=["EC", "OKP", "RSA"])
def test_rfc9449_4_3_item_7_the_jwk_does_not_contain_a_private_key(private: Any) -> None:
    """§4.2: jwk "MUST NOT contain a private key" — the whole private JWK, as a careless client
    would export it; the error names the members, never their values."""
    world = World(algorithms=frozenset({"ES256", "EdDSA", "RS256"}))
    kind = {"EC": ECAlgorithm, "OKP": OKPAlgorithm, "RSA": RSAAlgorithm}
    full = json.loads(next(a for k, a in kind.items() if public_jwk(private)["kty"] == k).to_jwk(private))
    alg = {"EC": "ES256", "OKP": "EdDSA", "RSA": "RS256"}[full["kty"]]
    case = world.case()
    case.header.update(alg=alg, jwk=full)
    case.key = private
    case.expected_jkt = None
    err = world.refused(case)
    assert err.check == "jwk" and "'d'" in err.description and "private" in err.description
    assert full["d"] not in err.description
    public = world.case()
    public.header.update(alg=alg, jwk=public_jwk(private))
    public.key, public.expected_jkt = private, None
    assert world.verify(public).algorithm == alg


@pytest.mark.parametrize(("htm", "method"), [("POST", "GET"), ("get", "GET"), ("GET", "HEAD")])
def test_rfc9449_4_3_item_8_htm_matches_the_method(world: World, htm: str, method: str) -> None:
    """Methods are case-sensitive (RFC 9110 §9.1)."""
    case = world.case(htm=htm)
    case.method = method
    err = world.refused(case)
    assert err.check == "htm" and repr(htm) in err.description and method in err.description


@pytest.mark.parametrize("htu", [
    "https://api.example/forecast",  # another resource on the same API
    "https://evil.example/weather",  # another host
    "http://api.example/weather",  # another scheme
    "https://api.example:8443/weather",  # another port
    "https://api.example/weather/",  # a trailing slash is another path
    "https://api.example/Weather",  # the path is case-sensitive
    "https://api.example/weather%2F",  # an encoded slash is not a slash
    "/weather",  # not absolute
    "https://user@api.example/weather",
])
def test_rfc9449_4_3_item_9_htu_matches_the_request_url(world: World, htu: str) -> None:
    err = world.refused(world.case(htu=htu))
    assert err.check == "htu"


@pytest.mark.parametrize(("htu", "url"), [
    (URL, URL + "?city=Paris"),  # "ignoring any query and fragment parts"
    (URL, URL + "#today"),
    (URL + "?city=Paris", URL + "?city=Rome"),
    ("HTTPS://API.EXAMPLE/weather", URL),  # §6.2.2.1: scheme and host are case-insensitive
    ("https://api.example:443/weather", URL),  # §6.2.3: the default port
    ("https://api.example:/weather", URL),  # §6.2.3: an empty port
    ("https://api.example", "https://api.example/"),  # §6.2.3: an empty path is "/"
    ("https://api.example/%77eather", URL),  # §6.2.2.2: %77 is "w", unreserved
    ("https://api.example/a%2fb", "https://api.example/a%2Fb"),  # §6.2.2.1: hex case
    ("https://api.example/x/../weather", URL),  # §6.2.2.3: dot segments
    ("http://localhost:80/t", "http://localhost/t"),
])
def test_rfc9449_4_3_item_9_htu_is_compared_after_rfc3986_normalisation(world: World, htu: str,
                                                                         url: str) -> None:
    """§4.3: "servers SHOULD employ syntax-based normalization (Section 6.2.2 of [RFC3986]) and
    scheme-based normalization (Section 6.2.3 of [RFC3986]) before comparing the htu claim"."""
    case = world.case(htu=htu)
    case.url = url
    assert world.verify(case).htu == htu


def test_rfc9449_4_3_item_10_the_nonce_is_the_one_the_server_provided(world: World) -> None:
    """§8/§9: no nonce, or not a current one → ``use_dpop_nonce`` with a fresh nonce to retry
    with; a retry with it passes."""
    for claims in ({"nonce": "a-nonce-this-server-never-issued"}, {"nonce": 17}):
        err = world.refused(world.case(**claims))
        assert isinstance(err, UseDPoPNonceError) and err.check == "nonce"
        assert err.error == "use_dpop_nonce" and err.nonce == world.nonces.current()
    case = world.case()
    del case.claims["nonce"]
    err = world.refused(case)
    assert isinstance(err, UseDPoPNonceError) and "requires" in err.description
    assert world.verify(world.case(nonce=err.nonce)).nonce == err.nonce


def test_rfc9449_8_a_nonce_goes_stale_and_the_refusal_carries_the_new_one(world: World) -> None:
    old = world.nonces.current()
    world.clock.advance(world.nonces.lifetime)
    new = world.nonces.current()  # rotated: a response may now carry the new one
    assert new != old
    assert world.verify(world.case(nonce=old)).nonce == old  # the one before is still good
    world.clock.advance(world.nonces.lifetime)
    err = world.refused(world.case(nonce=old))
    assert isinstance(err, UseDPoPNonceError) and err.nonce != old and "stale" in err.description


def test_rfc9449_4_3_item_10_a_server_without_nonces_requires_none() -> None:
    world = World(nonces=None)
    case = world.case()
    assert "nonce" not in case.claims
    assert world.verify(case).nonce is None
    assert world.verify(world.case(nonce="anything")).nonce == "anything"
    assert world.verify(world.case(nonce=17)).nonce is None  # not asked for: not read


@pytest.mark.parametrize(("offset", "accepted"), [
    (0, True), (-59, True), (-59.5, True), (-60, False), (-3600, False),
    (5, True), (5.5, False), (6, False), (10**6, False),
])
def test_rfc9449_4_3_item_11_iat_is_within_the_window(world: World, offset: float,
                                                       accepted: bool) -> None:
    """§11.1: "servers MUST only accept DPoP proofs for a limited time after their creation";
    the default window is up to 60 s old (a proof is refused once it is 60 s old, as a token on
    its exp) and 5 s ahead, for clock skew."""
    world.clock.advance(1000)
    case = world.case(iat=world.clock.time() + offset)
    if accepted:
        assert world.verify(case).iat == case.claims["iat"]
    else:
        err = world.refused(case)
        assert err.check == "iat"
        assert ("ahead" if offset > 0 else "old") in err.description


def test_rfc9449_4_3_item_11_the_window_is_configurable() -> None:
    world = World(max_age=10, max_skew_ahead=0)
    world.clock.advance(100)
    assert world.verify(world.case(iat=world.clock.time() - 9))
    assert world.refused(world.case(iat=world.clock.time() - 10)).check == "iat"
    assert world.refused(world.case(iat=world.clock.time() + 1)).check == "iat"
    for bad in ({"max_age": 0}, {"max_age": -1}, {"max_skew_ahead": -1}, {"max_skew_ahead": -0.5},
                {"max_age": math.nan}, {"max_age": True}, {"status": 200}, {"status": True}):
        with pytest.raises(ValueError, match=r"seconds|4xx"):
            DPoPProofVerifier(SimClock(), **bad)


@pytest.mark.parametrize("ath", [None, access_token_hash("another-token"), "", 5, TOKEN])
def test_rfc9449_4_3_item_12_ath_equals_the_hash_of_the_access_token(world: World, ath: Any) -> None:
    """§7: with an access token "The DPoP proof MUST include the ath claim with a valid hash of
    the associated access token" — a proof captured with one token is no good with another."""
    case = world.case()
    if ath is None:
        del case.claims["ath"]
    else:
        case.claims["ath"] = ath
    assert world.refused(case).check == "ath"


def test_rfc9449_5_a_proof_at_the_token_endpoint_has_no_access_token(world: World) -> None:
    case = world.case()
    del case.claims["ath"]
    case.access_token = None
    assert world.verify(case).ath is None


def test_rfc9449_4_3_item_12_the_proof_key_is_the_key_the_token_is_bound_to(world: World) -> None:
    """§7.1: the resource server checks "that the public key of the DPoP proof matches the
    public key to which the access token is bound" (cnf.jkt, §6.1). A thief holding the token
    signs valid proofs with their own key — and is refused here."""
    case = world.case()
    case.key, case.header["jwk"] = ATTACKER, public_jwk(ATTACKER)
    err = world.refused(case)
    assert err.check == "jkt" and jwk_thumbprint(public_jwk(ATTACKER)) in err.description
    ok = world.case()
    ok.expected_jkt = None  # e.g. at the token endpoint, where the key is bound, not checked
    assert world.verify(ok).jkt == jwk_thumbprint(public_jwk(CLIENT))


# --- §11.1: replay ---------------------------------------------------------------------------------


def test_rfc9449_11_1_a_proof_is_accepted_once(world: World) -> None:
    """§11.1: "HTTP requests to the same URI for which the jti value has been seen before would
    be declined"."""
    case = world.case()
    world.verify(case)
    world.clock.advance(30)
    err = world.refused(case)
    assert err.check == "jti" and case.claims["jti"] in err.description
    other_url = world.case(jti=case.claims["jti"], htu="https://api.example/forecast")
    other_url.url = "https://api.example/forecast"
    assert world.verify(other_url)  # "In the context of the target URI"


def test_rfc9449_11_1_a_replay_after_the_window_is_refused_for_its_age(world: World) -> None:
    case = world.case()
    world.verify(case)
    world.clock.advance(60)
    world.verify(world.case())  # a write: the replay entry of ``case`` is dropped now
    assert world.store.count(REPLAY_KIND) == 1
    assert world.refused(case).check == "iat"  # still refused, by its age


def test_rfc9449_11_1_the_replay_cache_stays_bounded(world: World) -> None:
    """Entries live exactly as long as their proof could be accepted (iat + max_age), so the
    cache holds at most one window of proofs, however long the server runs."""
    window = world.verifier.max_age + world.verifier.max_skew_ahead
    sizes = []
    for i in range(3000):
        world.clock.advance(0.25)
        world.verify(world.case(iat=world.clock.time() + (5 if i % 7 == 0 else 0)))
        sizes.append(world.store.count(REPLAY_KIND))
    assert max(sizes) <= 4 * window + 1  # 4 proofs a second for one window, at most
    assert max(sizes) >= 4 * world.verifier.max_age - 4  # it does fill up to the window
    world.clock.advance(window)
    world.verify(world.case())
    assert world.store.count(REPLAY_KIND) == 1 == len(world.store)


def test_rfc9449_11_1_a_refused_proof_changes_no_state(world: World) -> None:
    """A proof refused by any check leaves no trace: its jti is still usable by a valid proof."""
    before = len(world.store)
    broken = world.case(ath=access_token_hash("another-token"))
    assert world.refused(broken).check == "ath"
    assert len(world.store) == before
    assert world.verify(world.case(jti=broken.claims["jti"]))


def test_rfc9449_11_1_a_replay_key_is_a_hash_not_the_attackers_jti(world: World) -> None:
    """§11.1: "a server that is tracking jti values should reject DPoP proof JWTs with
    unnecessarily large jti values or store only a hash thereof"."""
    big = "J" * 4000
    world.verify(world.case(jti=big))
    keys = world.store.keys(REPLAY_KIND)
    assert len(keys) == 2  # the baseline proof's and this one's
    assert all(len(k) <= 64 and "JJJJ" not in k for k in keys)


# --- the order of the checks ---------------------------------------------------------------------


def _break(check: str, world: World, case: Case) -> None:
    """Break ``check`` alone in ``case`` (for ``jti``: a proof with its jti is accepted first)."""
    if check == "one_header":
        case.copies = 2
    elif check == "well_formed":
        case.garble = True
    elif check == "typ":
        case.header["typ"] = "JWT"
    elif check == "alg":
        case.header["alg"] = "none"
    elif check == "jwk":
        case.header["jwk"] = json.loads(ECAlgorithm.to_jwk(CLIENT))  # with its private "d"
    elif check == "signature":
        case.key = ATTACKER
    elif check == "claims":
        case.claims.pop("htm", None)
    elif check == "htm":
        case.claims["htm"] = "DELETE"
    elif check == "htu":
        case.claims["htu"] = "https://api.example/admin"
    elif check == "iat":
        case.claims["iat"] = world.clock.time() - 3600
    elif check == "jti":
        world.verify(world.case(jti=case.claims["jti"]))
    elif check == "nonce":
        case.claims["nonce"] = "stale-nonce"
    elif check == "ath":
        case.claims["ath"] = access_token_hash("another-token")
    elif check == "jkt":
        case.expected_jkt = jwk_thumbprint(public_jwk(ATTACKER))
    else:  # pragma: no cover - a new check needs a way to break it
        raise AssertionError(f"no way to break {check!r}")


def test_rfc9449_4_3_the_checks_and_their_order() -> None:
    """One place says the order; it is the RFC's list, with the jwk read before it is used and
    the claims read once the signature says who wrote them."""
    assert CHECKS == ("one_header", "well_formed", "typ", "alg", "jwk", "signature", "claims",
                      "htm", "htu", "iat", "jti", "nonce", "ath", "jkt")


@pytest.mark.parametrize("check", CHECKS)
def test_rfc9449_4_3_every_check_is_reachable_by_itself(world: World, check: str) -> None:
    case = world.case()
    _break(check, world, case)
    assert world.refused(case).check == check


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(CHECKS, 2)))
def test_rfc9449_4_3_a_proof_breaking_two_checks_is_refused_by_the_earlier(
        world: World, first: str, second: str) -> None:
    case = world.case()
    _break(second, world, case)  # the later first, so the earlier break is the one that shows
    _break(first, world, case)
    assert world.refused(case).check == first


# --- proofs from elsewhere -------------------------------------------------------------------------


def test_rfc9449_the_rfcs_own_proofs_verify() -> None:
    """Figure 2 at the token endpoint, Figure 13 at the API with its token and jkt — at the
    times they were made."""
    clock = SimClock(1562262616)
    verifier = DPoPProofVerifier(clock)
    proof = verifier.verify({"DPoP": RFC9449_FIGURE_2}, "POST", "https://server.example.com/token")
    assert proof.jti == "-BwC3ESc6acc2lTc" and proof.jkt == RFC9449_JKT
    clock.advance(2)
    proof = verifier.verify({"DPoP": RFC9449_FIGURE_13}, "GET",
                            "https://resource.example.org/protectedresource",
                            access_token=RFC9449_TOKEN, expected_jkt=RFC9449_JKT)
    assert proof.ath == "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    with pytest.raises(InvalidDPoPProofError) as caught:  # and not twice
        verifier.verify({"DPoP": RFC9449_FIGURE_13}, "GET",
                        "https://resource.example.org/protectedresource",
                        access_token=RFC9449_TOKEN, expected_jkt=RFC9449_JKT)
    assert caught.value.check == "jti"


@pytest.mark.parametrize(("alg", "private"), [("ES256", CLIENT), ("EdDSA", ED)])
def test_rfc9449_4_3_a_proof_made_with_pyjwt_by_hand_verifies(alg: str, private: Any) -> None:
    """An independent implementation: ``jwt.encode`` with a cryptography key and the header and
    claims written out as RFC 9449 §4.2 describes them."""
    clock = SimClock()
    proof = jwt.encode(
        {"jti": "-BwC3ESc6acc2lTc", "htm": "GET", "htu": URL, "iat": int(clock.time()),
         "ath": b64(hashlib.sha256(TOKEN.encode()).digest())},
        private, algorithm=alg, headers={"typ": "dpop+jwt", "jwk": public_jwk(private)})
    verified = DPoPProofVerifier(clock).verify({"DPoP": proof}, "GET", URL + "?q=1",
                                               access_token=TOKEN)
    assert verified.algorithm == alg and verified.jwk == public_jwk(private)


@pytest.mark.parametrize("alg", ["ES256", "EdDSA"])
def test_a_dpop_key_proof_verifies(alg: str) -> None:
    clock = SimClock()
    key = DPoPKey.generate(alg, clock=clock)
    verified = DPoPProofVerifier(clock).verify(
        {"DPoP": key.proof("POST", URL, access_token=TOKEN)}, "POST", URL,
        access_token=TOKEN, expected_jkt=key.thumbprint)
    assert (verified.jkt, verified.jwk, verified.htm) == (key.thumbprint, key.public_jwk, "POST")
    assert verified.claims["jti"] == verified.jti and verified.header["typ"] == "dpop+jwt"


# --- errors and arguments --------------------------------------------------------------------------


def test_rfc9449_5_7_1_error_codes_and_statuses() -> None:
    """``invalid_dpop_proof`` (§5: 400 at the token endpoint, §7.1: 401 at an API) and
    ``use_dpop_nonce`` (§8: 400, §9: 401): the verifier is told which status it answers with."""
    assert InvalidDPoPProofError.error == "invalid_dpop_proof"
    assert UseDPoPNonceError.error == "use_dpop_nonce"
    for cls in (InvalidDPoPProofError, UseDPoPNonceError):
        assert issubclass(cls, TokenError) and cls.status == 400
        assert getattr(tokenlab, cls.__name__) is cls and cls.__name__ in tokenlab.__all__
    at_api = World(status=401)
    case = at_api.case(htm="POST")
    assert at_api.refused(case).status == 401
    case = at_api.case()
    del case.claims["nonce"]
    err = at_api.refused(case)
    assert isinstance(err, UseDPoPNonceError) and err.status == 401
    assert err.to_dict()["error"] == "use_dpop_nonce"


def test_the_verifier_says_which_algorithms_it_accepts() -> None:
    """For ``WWW-Authenticate: DPoP algs="..."`` (§7.1) and ``dpop_signing_alg_values_supported``
    (§5.1)."""
    verifier = DPoPProofVerifier(SimClock())
    assert verifier.algorithms == ("ES256", "EdDSA")
    assert "ES256" in repr(verifier) and "60 s" in repr(verifier)


@pytest.mark.parametrize(("args", "match"), [
    ((5, "GET", URL), "DPoP"),
    (("x.y.z", b"GET", URL), "method"),
    (("x.y.z", "GET", None), "url"),
    (({"DPoP": 5}, "GET", URL), "DPoP"),
])
def test_programming_mistakes_are_type_errors(args: tuple[Any, ...], match: str) -> None:
    with pytest.raises(TypeError, match=match):
        DPoPProofVerifier(SimClock()).verify(*args)


def test_a_request_url_that_cannot_be_compared_is_refused_not_raised(world: World) -> None:
    case = world.case()
    case.url = "not a url"
    assert world.refused(case).check == "htu"
