"""Notebook 10, the JWT attack lab: a goal lab (an ``alg: none`` token of your own that a
vulnerable API accepts for Alice with a wider scope, and the hardened API refuses), a prediction
(algorithm confusion when the API publishes no public key), and the weak secret (crack it, then
say which setting would have prevented the forgery).

The labs' worlds are built here (:func:`none_lab`, :func:`weak_secret_lab`) so the notebook and
the tests share them; the learner gets only what an attacker holds: Mallory's own token.
"""

from __future__ import annotations

from typing import Any

import jwt

from ...api.server import ResourceServer
from ...attacks.algorithms import ALGORITHMS, encode
from ...authserver.server import AuthServer
from ...clock import SimClock
from ...jose.policy import VerifierPolicy
from ...jose.verify import VerifiedClaims
from ...net.messages import Request
from .model import Exercise, Verdict, choice, safe

__all__ = ["API", "CRACKED_ABOVE", "EXERCISES", "ISSUER", "LAB_SECRET", "check_cracked_secret",
           "check_none_token", "none_lab", "weak_secret_lab"]

ISSUER = "https://auth.example"
API = "https://api.example"
#: The weak secret of the goal lab's server: another word of the course's list than the one
#: the notebook cracks in front of the learner (:data:`CRACKED_ABOVE`).
LAB_SECRET = "forecast"  # noqa: S105 - the published weak secret of a lesson
#: The secret the notebook cracks before the lab (``tokenlab.scenarios.forgery.WEAK_SECRET``).
CRACKED_ABOVE = "weather-app"
_MALLORY = ("mallory", "mallory's long passphrase")
#: The scope a forged token asks for (Mallory's own grants only ``weather:read``).
WIDER_SCOPE = "weather:read weather:write"


def _whoami_route(request: Request, claims: VerifiedClaims) -> dict[str, Any]:
    return {"sub": claims.get("sub"), "scope": claims.get("scope", "")}


def _lab(seed: int, algorithm: str, switches: dict[str, bool],
         weak_secret: str | None = None) -> tuple[ResourceServer, str]:
    """An authorization server, its API with ``switches`` on, and Mallory's own read-only
    token for that API (what she holds: she uses the weather app)."""
    auth = AuthServer(ISSUER, clock=SimClock(), seed=seed, algorithm=algorithm,
                      **({"insecure_hmac_secret": weak_secret} if weak_secret else {}))
    api = ResourceServer(API, auth, policy=VerifierPolicy(issuer=ISSUER, audience=API, **switches))
    api.route("GET", "/whoami", None, _whoami_route)
    app = auth.register_client("weather-app", ["weather:read", "weather:write"])
    auth.register_user(*_MALLORY)
    token = auth.password_grant(app.client_id, app.client_secret, *_MALLORY,
                                scope="weather:read", resource=API).access_token
    return api, token


def none_lab(seed: int = 10) -> tuple[ResourceServer, ResourceServer, str]:
    """The ``alg: none`` lab: the API with ``insecure_accept_none``, its hardened twin (same
    audience, same authorization server), and Mallory's own read-only token."""
    vulnerable, token = _lab(seed, "EdDSA", {"insecure_accept_none": True})
    assert vulnerable.auth is not None
    hardened = ResourceServer(API, vulnerable.auth,
                              policy=VerifierPolicy(issuer=ISSUER, audience=API))
    hardened.route("GET", "/whoami", None, _whoami_route)
    return vulnerable, hardened, token


def weak_secret_lab(seed: int = 12) -> tuple[ResourceServer, str]:
    """The weak-secret lab: the API of an HS256 server whose secret is :data:`LAB_SECRET` (the
    cracking check sends it a token signed with the learner's find), and Mallory's own token,
    signed with that secret."""
    return _lab(seed, "HS256", {}, LAB_SECRET)


def _whoami(api: ResourceServer, token: str) -> tuple[int, dict[str, Any], str]:
    """Send ``token`` to ``api``'s ``/whoami``: the status, the body of a 200, and the API's
    reason for a refusal."""
    url = api.audience.rstrip("/") + "/whoami"
    response = api.handle(Request.get(url, {"Authorization": f"Bearer {token}"}),
                          sender="learner")
    if response.status == 200:
        return 200, response.json(), ""
    failed = api.check(token).failed_step
    return response.status, {}, failed.detail if failed is not None else response.reason


@safe
def check_none_token(answer: Any, vulnerable: ResourceServer, hardened: ResourceServer) -> Verdict:
    """10: an unsigned token, built by the learner, that the vulnerable API accepts for Alice
    with ``weather:write`` — and the hardened API refuses."""
    if not isinstance(answer, str) or answer.strip().count(".") != 2:
        return Verdict(False, "give the token itself: a JWT, three parts joined by two dots "
                              "(an unsigned one ends with the dot), e.g. my_none_token")
    token = answer.strip()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        return Verdict(False, "its header does not decode: build it with jwt.encode(claims, "
                              "None, algorithm='none'), or base64url of JSON by hand")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() != "none":
        return Verdict(False, f"its alg is {alg!r}, so it is not an unsigned token: build one "
                              "with alg 'none' (jwt.encode(claims, None, algorithm='none')); "
                              "a token signed by the server does not count")
    status, body, why = _whoami(vulnerable, token)
    if status != 200:
        typ = ("; keep the header typ 'at+jwt' (RFC 9068 §2.1): jwt.encode(..., "
               "headers={'typ': 'at+jwt'})" if header.get("typ") != "at+jwt" else "")
        return Verdict(False, f"the vulnerable API accepts alg 'none' but refused this token "
                              f"({status}) for another reason: {why}{typ}")
    if body.get("sub") != "alice":
        return Verdict(False, f"the vulnerable API accepted it, but for {body.get('sub')!r}: "
                              "set sub to 'alice'")
    scope = str(body.get("scope", "")).split()
    if "weather:write" not in scope:
        return Verdict(False, f"accepted for Alice, but with scope {' '.join(scope)!r}: the goal "
                              "is a wider scope, 'weather:read weather:write'")
    refused, _, hardened_why = _whoami(hardened, token)
    if refused == 200:
        return Verdict(False, "the hardened API accepted it too: that API is not hardened; "
                              "pass the lab's hardened API as the second context")
    return Verdict(True, "the vulnerable API (insecure_accept_none) answered 200 for Alice "
                         f"with scope {' '.join(scope)!r}, from a token nobody signed. The "
                         f"hardened API refused the same token: {hardened_why}. It fixes the "
                         "algorithm itself and never lets the header choose (RFC 8725 §3.1)")


@safe
def check_cracked_secret(answer: Any, lab_token: str, api: ResourceServer | None = None) -> Verdict:
    """10: the weak HS256 secret of the lab server, checked by signing: it must make the lab
    token's own signature. Given the lab's ``api``, a right secret then signs Alice's token with
    the wider scope, and the API must accept it."""
    if not isinstance(answer, str) or not answer.strip():
        return Verdict(False, "type the secret you found, a word (crack_hs256 gives it as "
                              ".secret)")
    secret = answer.strip().strip("'\"")
    if secret.count(".") == 2 and len(secret) > 40:
        return Verdict(False, "that is a token; type the secret that signed lab_token")
    signing_input, _, signature = lab_token.rpartition(".")
    hs256 = ALGORITHMS["HS256"]
    if hs256.verify(signing_input.encode("ascii"), secret.encode("utf-8"),
                    jwt.utils.base64url_decode(signature)):
        minted = ""
        if api is not None:
            claims = jwt.decode(lab_token, options={"verify_signature": False})
            forged = encode({**claims, "sub": "alice", "scope": WIDER_SCOPE},
                            secret.encode("utf-8"), "HS256",
                            headers={"kid": jwt.get_unverified_header(lab_token).get("kid"),
                                     "typ": "at+jwt"})
            status, body, why = _whoami(api, forged)
            if status != 200:
                return Verdict(False, f"{secret!r} makes lab_token's signature, but the API "
                                      f"given refused a token signed with it ({status}: {why}): "
                                      "pass the lab's API, crack_api")
            minted = (f" The check signed a token for Alice with it: the lab's API answered "
                      f"200 for {body.get('sub')!r} with scope {body.get('scope')!r}.")
        return Verdict(True, f"{secret!r} makes lab_token's HS256 signature: whoever knows it "
                             "can sign any token this server would. One token and a word list "
                             "were enough, offline, without one request to the server "
                             f"(RFC 8725 §3.5).{minted}")
    if secret == CRACKED_ABOVE:
        return Verdict(False, "that is the secret of the server cracked above; the lab server "
                              "chose another word: crack lab_token itself")
    return Verdict(False, f"{secret!r} does not make lab_token's signature: try every word of "
                          "the list on it, crack_hs256(lab_token, WORDS)")


EXERCISES = (
    Exercise(
        "none-token-lab", "10", "goal lab",
        "Goal lab: build an unsigned token (alg 'none') yourself, from Mallory's own token, that "
        "makes the vulnerable API answer 200 for Alice with the scope 'weather:read "
        "weather:write'. The check sends it to the vulnerable API and to the hardened one.",
        check_none_token,
        "Read the claims (no key needed), change sub and scope, and sign with nothing. The typ "
        "header must stay 'at+jwt': the vulnerable API skips only the signature, every other "
        "check still runs.",
        code="claims = jwt.decode(lab_mallory, options={'verify_signature': False})\n"
             "claims.update(sub='alice', scope='weather:read weather:write')\n"
             "my_none_token = jwt.encode(claims, None, algorithm='none', "
             "headers={'typ': 'at+jwt'})\n"
             "my_none_token",
        hint="jwt.decode(token, options={'verify_signature': False}) reads the claims; "
             "jwt.encode(claims, None, algorithm='none', headers={'typ': 'at+jwt'}) builds it."),
    Exercise(
        "confusion-without-jwks", "10", "predict",
        "This RS256 API lets the token's header choose the algorithm (insecure_alg_from_header), "
        "but publishes its public key nowhere: no JWKS to download. Mallory has what any user "
        "of the app has: she can log in and read her own tokens. Can she still forge a token "
        "this API accepts?",
        choice("yes: the signatures of her own tokens give the public key away", {
            "yes: the signatures of her own tokens give the public key away":
                "an RS256 signature s opens to a known number: s^e mod n is the padded hash of "
                "the signed part (RFC 8017 §8.2.2). So n divides s^e - m for each token, and "
                "the gcd of the two gives n. With e, that is the public key, and the confusion "
                "attack goes on as before",
            "no: without the public key she has no HMAC secret to sign with":
                "the public key is not secret, and it is not only in the JWKS: every RS256 "
                "signature is a number modulo n, and two signed tokens give n away",
            "only with the server's private key":
                "the confusion attack never uses the private key: this API checks HS256 with "
                "its public key's PEM as the HMAC secret, and the public key can be worked out "
                "from signed tokens",
            "yes: with alg HS256 any secret will do":
                "the API computes the HMAC with its stored key's PEM; a token signed with any "
                "other secret has another signature and is refused"}),
        "Hiding the public key is no defence: two signatures reveal it. What stops the attack "
        "is the API fixing the algorithm of its key (RFC 8725 §3.1).",
        answer="yes: the signatures of her own tokens give the public key away",
        choices=("no: without the public key she has no HMAC secret to sign with",
                 "yes: the signatures of her own tokens give the public key away",
                 "only with the server's private key",
                 "yes: with alg HS256 any secret will do")),
    Exercise(
        "crack-the-lab-secret", "10", "goal lab",
        "Goal lab: the lab server signs with a weak HS256 secret too, another one. Crack it from "
        "lab_token alone and type the secret. The check signs a token for Alice with it and "
        "sends it to the lab's API.",
        check_cracked_secret,
        "Every word of the list is tried as the HMAC key of lab_token's signature, offline.",
        code="crack_hs256(lab_token, WORDS).secret",
        hint="crack_hs256(lab_token, WORDS) returns what it found, or None."),
    Exercise(
        "what-prevents-cracking", "10", "reason",
        "The server above signed its tokens with a word from a list. Which setting would have "
        "prevented the forgery?",
        choice("a random 256-bit key, or an asymmetric algorithm such as EdDSA", {
            "a random 256-bit key, or an asymmetric algorithm such as EdDSA":
                "a random HS256 key of at least 256 bits (RFC 7518 §3.2) leaves 2^256 "
                "candidates: no list or search finds it. With EdDSA or RS256 the API holds only "
                "a public key, and nothing it holds can sign",
            "a shorter exp, one minute":
                "the secret does not expire with the tokens: the attacker writes the exp of "
                "every forged token themselves",
            "a jti in every token":
                "the forger puts a fresh jti in each forged token; a jti names a token, it "
                "does not protect the key that signs it",
            "a longer passphrase that people can remember":
                "RFC 8725 §3.5: human-memorizable passwords MUST NOT be used directly as an "
                "HMAC key; a phrase is still far from 2^256 guesses, and phrase lists exist",
            "hiding the header, so the attacker does not see HS256":
                "the cracker needs no header: it computes HMAC-SHA256 over the signed part and "
                "compares. And a JWS header is part of what is signed, in the clear"}),
        "The key must be impossible to guess (RFC 7518 §3.2, RFC 8725 §3.5), or the API must "
        "hold no key that signs at all.",
        answer="a random 256-bit key, or an asymmetric algorithm such as EdDSA",
        choices=("a shorter exp, one minute", "a jti in every token",
                 "a random 256-bit key, or an asymmetric algorithm such as EdDSA",
                 "a longer passphrase that people can remember",
                 "hiding the header, so the attacker does not see HS256")),
)
