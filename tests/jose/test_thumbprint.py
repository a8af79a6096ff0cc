"""RFC 7638 JWK thumbprints: the RFC's own example, the DPoP example of RFC 9449 §6.1, agreement
with joserfc for every key type tokenlab supports, and clear refusals (private members, shared
secrets, unknown key types, missing or malformed members)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc.jwk import ECKey, OKPKey, RSAKey
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

import tokenlab
from tokenlab import jwk_thumbprint
from tokenlab.jose.thumbprint import PRIVATE_MEMBERS, REQUIRED_MEMBERS

#: RFC 7638 §3.1: the RSA key of the example (from RFC 7517 Appendix A.1) and its thumbprint.
RFC7638_KEY = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPeb"
         "WKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQ"
         "MicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2Nc"
         "Rwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

#: RFC 9449 §4.2 Figure 4 (the proof key of every DPoP example) and §6.1 Figure 9 (its jkt).
RFC9449_KEY = {
    "kty": "EC",
    "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
    "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
    "crv": "P-256",
}
RFC9449_JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"


def test_rfc7638_3_1_the_rfcs_example_rsa_key() -> None:
    assert jwk_thumbprint(RFC7638_KEY) == RFC7638_THUMBPRINT
    assert tokenlab.jwk_thumbprint is jwk_thumbprint and "jwk_thumbprint" in tokenlab.__all__


def test_rfc7638_3_2_only_the_required_members_count() -> None:
    """§3.2: the optional members (``alg``, ``kid``, ``use`` ...) are left out, so adding or
    changing them does not change the thumbprint; changing a required member does."""
    bare = {k: RFC7638_KEY[k] for k in ("kty", "n", "e")}
    assert jwk_thumbprint(bare) == RFC7638_THUMBPRINT
    decorated = {**RFC7638_KEY, "use": "sig", "kid": "another", "x5t": "ignored"}
    assert jwk_thumbprint(decorated) == RFC7638_THUMBPRINT
    assert jwk_thumbprint({**RFC7638_KEY, "e": "AQAC"}) != RFC7638_THUMBPRINT


def test_rfc7638_3_the_members_are_hashed_in_lexicographic_order_without_whitespace() -> None:
    """The order the JWK happens to have does not matter: the input is always
    ``{"e":...,"kty":...,"n":...}``, however the dict was built."""
    reordered = {"n": RFC7638_KEY["n"], "kty": "RSA", "e": "AQAB"}
    assert list(reordered) != sorted(reordered)
    assert jwk_thumbprint(reordered) == RFC7638_THUMBPRINT


def test_rfc9449_6_1_the_jkt_of_the_dpop_examples() -> None:
    assert jwk_thumbprint(RFC9449_KEY) == RFC9449_JKT


def _joserfc_thumbprint(jwk: dict[str, Any]) -> str:
    kind = {"EC": ECKey, "OKP": OKPKey, "RSA": RSAKey}[jwk["kty"]]
    return str(kind.import_key(jwk).thumbprint())


@pytest.mark.parametrize("kind", ["EC P-256", "EC P-384", "OKP Ed25519", "RSA 2048"])
def test_rfc7638_joserfc_agrees_for_every_supported_key_type(kind: str) -> None:
    """An independent implementation computes the same thumbprint for each kty tokenlab takes."""
    public: Any
    if kind == "EC P-256":
        public, alg = ec.generate_private_key(ec.SECP256R1()).public_key(), ECAlgorithm
    elif kind == "EC P-384":
        public, alg = ec.generate_private_key(ec.SECP384R1()).public_key(), ECAlgorithm
    elif kind == "OKP Ed25519":
        public, alg = ed25519.Ed25519PrivateKey.generate().public_key(), OKPAlgorithm
    else:
        public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
        alg = RSAAlgorithm
    jwk = alg.to_jwk(public, as_dict=True)
    assert jwk_thumbprint(jwk) == _joserfc_thumbprint(jwk)


@pytest.mark.parametrize("member", sorted(PRIVATE_MEMBERS))
def test_rfc7638_a_jwk_with_private_members_is_refused(member: str) -> None:
    """A thumbprint names a public key; a JWK carrying a private member is a mistake that could
    leak the key, so it is refused, naming the member, never echoing its value."""
    secret = "c2VjcmV0LWtleS1tYXRlcmlhbA"
    with pytest.raises(ValueError, match=rf"'{member}'.*private") as caught:
        jwk_thumbprint({**RFC9449_KEY, member: secret})
    assert secret not in str(caught.value)


def test_rfc7638_a_shared_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="shared secret"):
        jwk_thumbprint({"kty": "oct", "k": "c2VjcmV0"})
    with pytest.raises(ValueError, match="shared secret"):
        jwk_thumbprint({"kty": "oct"})


@pytest.mark.parametrize("kty", ["XYZ", "ec", "", None, 7])
def test_rfc7638_an_unknown_kty_is_refused(kty: object) -> None:
    with pytest.raises(ValueError, match="kty"):
        jwk_thumbprint({**RFC9449_KEY, "kty": kty})
    with pytest.raises(ValueError, match="kty"):
        jwk_thumbprint({k: v for k, v in RFC9449_KEY.items() if k != "kty"})


@pytest.mark.parametrize(("kty", "member"), [(kty, m) for kty, ms in sorted(REQUIRED_MEMBERS.items())
                                             for m in ms if m != "kty"])
def test_rfc7638_3_2_a_missing_required_member_is_refused(kty: str, member: str) -> None:
    jwk = {"EC": RFC9449_KEY, "RSA": RFC7638_KEY,
           "OKP": {"kty": "OKP", "crv": "Ed25519", "x": RFC9449_KEY["x"]}}[kty]
    assert jwk_thumbprint(jwk)  # the complete key is fine
    with pytest.raises(ValueError, match=rf"'{member}'"):
        jwk_thumbprint({k: v for k, v in jwk.items() if k != member})


@pytest.mark.parametrize("value", [17, "", "l8tF rhx", "l8tF+rhx/", "l8tF==", None, ["x"]])
def test_rfc7638_key_material_must_be_base64url_text(value: object) -> None:
    with pytest.raises(ValueError, match="'x'"):
        jwk_thumbprint({**RFC9449_KEY, "x": value})


@pytest.mark.parametrize("jwk", ["{}", None, ["kty", "EC"], b"{}"])
def test_rfc7638_a_jwk_is_a_json_object(jwk: object) -> None:
    with pytest.raises(TypeError, match="JSON object"):
        jwk_thumbprint(jwk)  # type: ignore[arg-type]


def test_rfc7638_the_input_is_not_changed() -> None:
    jwk = dict(RFC7638_KEY)
    jwk_thumbprint(jwk)
    assert jwk == RFC7638_KEY
