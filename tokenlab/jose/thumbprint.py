"""JWK thumbprints (RFC 7638): a short, stable name for a public key.

A DPoP-bound access token names its proof key by thumbprint, in ``cnf.jkt`` (RFC 9449 §6.1):
the API compares it with the thumbprint of the key in each proof. PyJWT has no thumbprint, so it
is computed here, exactly as RFC 7638 §3 says: "Construct a JSON object [RFC7159] containing only
the required members of a JWK representing the key and with no whitespace or line breaks before
or after any syntactic elements and with the required members ordered lexicographically by the
Unicode [UNICODE] code points of the member names", encoded as UTF-8, hashed with SHA-256, the
hash encoded as base64url.

Only public keys have thumbprints here: EC (RFC 7518 §6.2), OKP (RFC 8037 §2, Ed25519) and RSA
(RFC 7518 §6.3). A JWK carrying a private member, or a shared secret (``kty`` ``oct``), is refused
— passing one is a mistake that could leak the key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from jwt.utils import base64url_encode

__all__ = ["PRIVATE_MEMBERS", "REQUIRED_MEMBERS", "jwk_thumbprint", "public_jwk_problem"]

#: The required members of each public key type, in lexicographic order (RFC 7638 §3.2: "the
#: required members for an elliptic curve public key are "crv", "kty", "x", and "y""; for RSA
#: "e", "kty", "n"; RFC 8037 §2: for OKP "crv", "kty", "x").
REQUIRED_MEMBERS: Mapping[str, tuple[str, ...]] = {
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "RSA": ("e", "kty", "n"),
}
#: Members that hold private key material: ``d`` (EC, OKP, RSA: RFC 7518 §6.2.2.1, §6.3.2.1,
#: RFC 8037 §2), the RSA primes and CRT values (RFC 7518 §6.3.2), ``k`` (a shared secret, §6.4.1).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
#: Members whose values are base64url key material (no padding, RFC 7515 §2).
_KEY_MATERIAL = frozenset({"x", "y", "n", "e"})
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
#: ``crv`` names are short printable ASCII ("P-256", "Ed25519"): nothing JSON would escape.
_CURVE_NAME = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,32}")


def public_jwk_problem(jwk: object) -> str | None:
    """Why ``jwk`` is not a public key whose thumbprint can be taken (``None``: it is).

    The reason names members, never their values (a private member's value is a secret)."""
    if not isinstance(jwk, Mapping):
        return f"a JWK is a JSON object {{...}}, not {type(jwk).__name__}"
    private = sorted(m for m in PRIVATE_MEMBERS if m in jwk)
    kty = jwk.get("kty")
    if kty == "oct":
        return ("kty 'oct' is a shared secret, not a public key: it has no public half to name "
                "(and a JWK must never carry one where others can read it)")
    if private:
        names = ", ".join(repr(m) for m in private)
        return (f"the JWK carries {names}, private key material; only the public key may be "
                "shared or named by a thumbprint: remove the private members")
    if not isinstance(kty, str) or kty not in REQUIRED_MEMBERS:
        shown = repr(kty) if isinstance(kty, str | None) else f"a {type(kty).__name__}"
        return (f"kty is {shown}; a public key here is 'EC', 'OKP' or 'RSA' "
                "(RFC 7518 §6.1, RFC 8037 §2; case matters)")
    for member in REQUIRED_MEMBERS[kty]:
        if member == "kty":
            continue
        if member not in jwk:
            return (f"a {kty} public key needs {', '.join(REQUIRED_MEMBERS[kty])}; "
                    f"'{member}' is missing (RFC 7638 §3.2)")
        value = jwk[member]
        if member in _KEY_MATERIAL:
            if not isinstance(value, str) or _BASE64URL.fullmatch(value) is None:
                return (f"'{member}' must be base64url text (letters, digits, '-' and '_', no "
                        f"padding: RFC 7515 §2), got {_describe(value)}")
        elif not isinstance(value, str) or _CURVE_NAME.fullmatch(value) is None:
            return f"'{member}' must be a curve name such as 'P-256', got {_describe(value)}"
    return None


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK, base64url-encoded (43 characters).

    >>> jwk_thumbprint({"kty": "EC", "crv": "P-256",
    ...                 "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
    ...                 "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"})
    '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I'

    Only the required members count (RFC 7638 §3.2), so ``kid``, ``alg`` or ``use`` do not
    change it. Raises ``TypeError`` for something that is not a JSON object and ``ValueError``
    for a JWK that is not a complete EC, OKP or RSA public key (a private member included).
    """
    if not isinstance(jwk, Mapping):
        raise TypeError(f"a JWK is a JSON object (a dict), not {type(jwk).__name__}")
    problem = public_jwk_problem(jwk)
    if problem is not None:
        raise ValueError(f"no thumbprint: {problem}")
    members = {name: jwk[name] for name in REQUIRED_MEMBERS[jwk["kty"]]}
    # Every value is base64url or a printable curve name: json.dumps escapes none of them.
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return base64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest()).decode("ascii")


def _describe(value: object) -> str:
    """A short description of a bad member value: its type, or the text if it is short."""
    if isinstance(value, str) and len(value) <= 40:
        return repr(value)
    return f"a {type(value).__name__}" if not isinstance(value, str) else "a long text"
