"""Checking a DPoP proof (RFC 9449 §4.3) — one verifier for the token endpoint and the APIs.

RFC 9449 §4.3: "To validate a DPoP proof, the receiving server MUST ensure the following", twelve
items, which "may be performed in any order". Here they run in one fixed order, :data:`CHECKS`,
so that a proof breaking two rules is always refused for the same (the earlier) one:

1. ``one_header`` — exactly one ``DPoP`` header field, holding one proof (item 1).
2. ``well_formed`` — one compact JWS: three base64url parts, JSON-object header and payload, no
   unknown ``crit`` (item 2).
3. ``typ`` — ``dpop+jwt`` (item 4).
4. ``alg`` — asymmetric and allowed: never ``none`` (in any case), never a MAC (item 5).
5. ``jwk`` — a public key for that ``alg``, with no private member (items 6, 7).
6. ``signature`` — verifies under that ``jwk`` (item 6).
7. ``claims`` — ``jti``, ``htm``, ``htu``, ``iat`` present and of their kind (item 3).
8. ``htm`` — the request's method (item 8).
9. ``htu`` — the request's URL, without query and fragment, after RFC 3986 §6.2.2/§6.2.3
   normalisation (item 9).
10. ``iat`` — at most ``max_age`` old, at most ``max_skew_ahead`` ahead (item 11, §11.1).
11. ``jti`` — not seen before for this URL within that window: the replay cache (§11.1).
12. ``nonce`` — when the server requires nonces, one it issued recently (item 10, §8, §9).
13. ``ath`` — with an access token, its hash (item 12, §7).
14. ``jkt`` — with a bound token, the ``jwk``'s thumbprint is its ``cnf.jkt`` (item 12, §7.1).

The header is judged before any key is read (``alg: none`` is refused on sight); the key before it
is used; the claims once the signature says who wrote them. Nothing is stored until every check
has passed: then the proof's ``jti`` enters the replay cache, under a lock, until the proof would
be too old anyway — so the cache never holds more than one window of proofs.

The servers call :meth:`DPoPProofVerifier.verify` with the request's header fields, method and
URL (and, at an API, the access token and its ``cnf.jkt``); each refusal is an
:class:`~tokenlab.errors.InvalidDPoPProofError` naming its check, or a
:class:`~tokenlab.errors.UseDPoPNonceError` carrying the nonce to send in ``DPoP-Nonce``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

import jwt
from jwt.algorithms import get_default_algorithms
from jwt.utils import base64url_encode

from ..clock import Clock, format_duration, format_time, is_numeric_date
from ..errors import InvalidDPoPProofError, UseDPoPNonceError
from ..store import MemoryStore, Store
from .dpop import access_token_hash
from .dpop_nonce import NonceSource
from .htu import normalize_htu
from .thumbprint import PRIVATE_MEMBERS, jwk_thumbprint, public_jwk_problem

__all__ = ["ASYMMETRIC_ALGORITHMS", "CHECKS", "DEFAULT_ALGORITHMS", "REPLAY_KIND",
           "DPoPProofVerifier", "VerifiedProof"]

#: The checks, in the order they run (see the list above).
CHECKS: tuple[str, ...] = ("one_header", "well_formed", "typ", "alg", "jwk", "signature", "claims",
                           "htm", "htu", "iat", "jti", "nonce", "ath", "jkt")

#: The asymmetric JWS algorithms (RFC 7518 §3.1, RFC 8037 §3.1) a proof may use, with the key
#: type and curves each needs. A verifier accepts a subset: :data:`DEFAULT_ALGORITHMS` unless told.
ASYMMETRIC_ALGORITHMS: Mapping[str, tuple[str, frozenset[str]]] = {
    "ES256": ("EC", frozenset({"P-256"})),
    "ES384": ("EC", frozenset({"P-384"})),
    "ES512": ("EC", frozenset({"P-521"})),
    "EdDSA": ("OKP", frozenset({"Ed25519", "Ed448"})),
    **{f"{kind}{bits}": ("RSA", frozenset()) for kind in ("RS", "PS") for bits in (256, 384, 512)},
}
DEFAULT_ALGORITHMS = frozenset({"ES256", "EdDSA"})
#: The store kind of the replay cache (RFC 9449 §11.1).
REPLAY_KIND = "dpop_jti"

_MACS = frozenset({"HS256", "HS384", "HS512"})
_TYPES = frozenset({"dpop+jwt", "application/dpop+jwt"})  # RFC 7515 §4.1.9: a media type
_PYJWT = jwt.PyJWT()
_ALGORITHMS = get_default_algorithms()
_PARSE_ONLY: dict[str, Any] = {"verify_signature": False, "verify_exp": False, "verify_nbf": False,
                               "verify_iat": False, "verify_aud": False, "verify_iss": False,
                               "verify_sub": False, "verify_jti": False, "require": []}
#: RFC 7515 §7.1 with §2's "no padding"; the signature may be empty so that ``alg: none`` is
#: refused for what it is, at the alg check.
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class VerifiedProof:
    """A proof that passed every check: who signed it (``jkt``, ``jwk``) and what it says."""

    jkt: str
    algorithm: str
    jti: str
    htm: str
    htu: str
    iat: float
    nonce: str | None
    ath: str | None
    jwk: dict[str, Any] = field(repr=False)
    header: dict[str, Any] = field(repr=False)
    claims: dict[str, Any] = field(repr=False)


class _Proof:
    """What the checks learn about one request's proof, step by step."""

    __slots__ = ("access_token", "claims", "expected_jkt", "header", "htu", "jkt", "key", "method",
                 "now", "replay_key", "signature", "signing_input", "text", "url", "values")

    def __init__(self, values: list[str], method: str, url: str, access_token: str | None,
                 expected_jkt: str | None, now: float) -> None:
        self.values, self.method, self.url, self.now = values, method, url, now
        self.access_token, self.expected_jkt = access_token, expected_jkt
        self.text = self.htu = self.jkt = self.replay_key = ""
        self.header: dict[str, Any] = {}
        self.claims: dict[str, Any] = {}
        self.key: Any = None
        self.signature = self.signing_input = b""


class DPoPProofVerifier:
    """Checks DPoP proofs on ``clock`` (RFC 9449 §4.3), in the order of :data:`CHECKS`.

    ``algorithms``: the asymmetric algorithms accepted. ``max_age`` and ``max_skew_ahead``: how
    old and how far ahead of the clock a proof's ``iat`` may be (seconds; refused once it is
    ``max_age`` old, like a token on its ``exp``). ``store``: the replay cache (default: a
    :class:`~tokenlab.store.MemoryStore` on ``clock``; give a shared store the same clock).
    ``nonces``: when given, every proof must carry one of its nonces (§8, §9). ``status``: the
    HTTP status of the errors — 400 at a token endpoint (the errors' default), 401 at an API.
    """

    def __init__(self, clock: Clock, *, algorithms: Collection[str] = DEFAULT_ALGORITHMS,
                 max_age: float = 60, max_skew_ahead: float = 5, store: Store | None = None,
                 nonces: NonceSource | None = None, status: int | None = None,
                 max_proof_bytes: int = 8192) -> None:
        if not isinstance(clock, Clock):
            raise TypeError(f"clock must be a Clock such as SimClock(), not {type(clock).__name__}")
        if isinstance(algorithms, str) or not all(isinstance(a, str) for a in algorithms):
            raise TypeError("algorithms is a collection of names such as {'ES256', 'EdDSA'}")
        bad = sorted(a for a in algorithms if a not in ASYMMETRIC_ALGORITHMS)
        if bad or not algorithms:
            raise ValueError(
                f"a proof is signed with an asymmetric algorithm (RFC 9449 §4.2: never none or "
                f"a MAC); choose among {', '.join(ASYMMETRIC_ALGORITHMS)}"
                + (f" — {', '.join(map(repr, bad))} is not one" if bad else ", at least one"))
        for name, value, positive in (("max_age", max_age, True),
                                      ("max_skew_ahead", max_skew_ahead, False)):
            if (isinstance(value, bool) or not is_numeric_date(value) or value < 0
                    or (positive and value == 0)):
                raise ValueError(f"{name} must be a number of seconds {'> 0' if positive else '>= 0'}, "
                                 f"not {value!r}")
        if status is not None and (isinstance(status, bool) or not isinstance(status, int)
                                   or not 400 <= status <= 499):
            raise ValueError(f"status is the 4xx of the errors (400 at a token endpoint, 401 at an "
                             f"API), not {status!r}")
        if store is not None and not isinstance(store, Store):
            raise TypeError(f"store must be a Store such as MemoryStore(clock), not "
                            f"{type(store).__name__}")
        if nonces is not None and not isinstance(nonces, NonceSource):
            raise TypeError(f"nonces must be a nonce source such as DPoPNonces(clock), not "
                            f"{type(nonces).__name__}")
        self.clock = clock
        self.algorithms: tuple[str, ...] = tuple(sorted(algorithms))
        self.max_age = float(max_age)
        self.max_skew_ahead = float(max_skew_ahead)
        self.store: Store = store if store is not None else MemoryStore(clock)
        self.nonces = nonces
        self.status = status
        self.max_proof_bytes = max_proof_bytes
        # The store's own lock when it has one, so verifiers sharing a store record atomically.
        self._lock: Any = getattr(self.store, "lock", None) or threading.Lock()
        #: The checks as bound methods, in the order of CHECKS: the one place the order lives.
        self._steps: tuple[Callable[[_Proof], None], ...] = tuple(
            getattr(self, f"_check_{name}") for name in CHECKS)

    @property
    def algs(self) -> str:
        """The accepted algorithms, space-separated: the ``algs`` of ``WWW-Authenticate: DPoP``
        (§7.1) and the ``dpop_signing_alg_values_supported`` of metadata (§5.1)."""
        return " ".join(self.algorithms)

    def verify(self, proofs: Mapping[str, str] | list[str] | tuple[str, ...] | str, method: str,
               url: str, *, access_token: str | None = None,
               expected_jkt: str | None = None) -> VerifiedProof:
        """The proof of one request, if it passes every check; otherwise the first check's error.

        ``proofs``: the request's header fields (any mapping; the ``DPoP`` field is found
        whatever its case), or the ``DPoP`` field values as a list, or one value. ``method`` and
        ``url``: the request's. ``access_token``: the token sent with the proof, at an API
        (then ``ath`` is required). ``expected_jkt``: the ``cnf.jkt`` the token is bound to.
        Programming mistakes (wrong types) raise ``TypeError``; everything a client can send
        gets an :class:`InvalidDPoPProofError` or :class:`UseDPoPNonceError`.
        """
        values = _field_values(proofs)
        for name, value in (("method", method), ("url", url)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be the request's, as a str, not {type(value).__name__}")
        for name, value in (("access_token", access_token), ("expected_jkt", expected_jkt)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a str or None, not {type(value).__name__}")
        proof = _Proof(values, method, url, access_token, expected_jkt, self.clock.time())
        for step in self._steps:
            step(proof)
        self._record(proof)
        c = proof.claims
        return VerifiedProof(jkt=proof.jkt, algorithm=proof.header["alg"], jti=c["jti"],
                             htm=c["htm"], htu=c["htu"], iat=c["iat"], nonce=_text(c.get("nonce")),
                             ath=_text(c.get("ath")), jwk=dict(proof.header["jwk"]),
                             header=dict(proof.header), claims=dict(c))

    # -- the checks, in the order of CHECKS ----------------------------------------------------

    def _check_one_header(self, p: _Proof) -> None:
        if not p.values:
            self._fail("one_header", "no DPoP header: this request needs a proof in a DPoP header "
                       "(RFC 9449 §4.1, §7.1)")
        # RFC 9110 §5.3: repeated fields reach a server as one value joined by commas, and a JWT
        # has no comma — so any comma means more than one proof.
        found = [part.strip(" \t") for value in p.values for part in value.split(",")]
        if len(found) > 1:
            self._fail("one_header", f"found {len(found)} DPoP proofs in the request; it must "
                       "carry exactly one (RFC 9449 §4.3 item 1: \"There is not more than one DPoP "
                       "HTTP request header field\")")
        p.text = found[0]

    def _check_well_formed(self, p: _Proof) -> None:
        text, rule = p.text, "(RFC 9449 §4.3 item 2)"
        if not text:
            self._fail("well_formed", f"the DPoP header is empty; it holds one JWT {rule}")
        if len(text) > self.max_proof_bytes:
            self._fail("well_formed", f"the proof is {len(text):,} characters long; this server "
                       f"reads proofs of up to {self.max_proof_bytes:,} (a real one is a few "
                       f"hundred) {rule}")
        if not text.isascii():
            self._fail("well_formed", "the proof has non-ASCII characters; a JWT is base64url "
                       f"text and dots (RFC 7515 §7.1) {rule}")
        if text.count(".") != 2:
            self._fail("well_formed", "a JWT is three base64url parts joined by dots "
                       f"(header.payload.signature); this has {text.count('.') + 1} parts {rule}")
        if _COMPACT.fullmatch(text) is None:
            self._fail("well_formed", "the header or payload is empty, or a part has a character "
                       "that is not base64url (letters, digits, '-' and '_', no '=' padding: "
                       f"RFC 7515 §2) {rule}")
        try:
            decoded = _PYJWT.decode_complete(text, options=_PARSE_ONLY)  # type: ignore[arg-type]
        except (jwt.PyJWTError, ValueError, TypeError, RecursionError) as exc:
            said = str(exc)
            if "critical extension" in said:  # PyJWT refuses an unknown crit while parsing
                self._fail("well_formed", _unknown_crit(f"PyJWT: {said}", rule))
            part = ("the header (first part)" if "header" in said.lower() else
                    "the payload (second part)" if "payload" in said.lower() else "a part")
            self._fail("well_formed", f"cannot be decoded: {part} is not base64url of a JSON "
                       f"object (RFC 7519 §7.2) {rule} [PyJWT: {said}]")
        p.header, p.claims = decoded["header"], decoded["payload"]
        p.signature = decoded["signature"]
        p.signing_input = text[: text.rindex(".")].encode("ascii")
        if "crit" in p.header:
            self._fail("well_formed", _unknown_crit(_show(p.header["crit"]), rule))

    def _check_typ(self, p: _Proof) -> None:
        typ = p.header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in _TYPES:
            said = "the header has no typ" if "typ" not in p.header else f"typ is {_show(typ)}"
            self._fail("typ", f"{said}; a DPoP proof says typ 'dpop+jwt' (RFC 9449 §4.2, §4.3 "
                       "item 4), so that no other JWT — an access token, an ID token — passes for "
                       "one (RFC 8725 §3.11)")

    def _check_alg(self, p: _Proof) -> None:
        alg, accepted = p.header.get("alg"), ", ".join(self.algorithms)
        rule = f"(RFC 9449 §4.3 item 5); this server accepts {accepted}"
        if not isinstance(alg, str) or not alg:
            self._fail("alg", f"the header names no algorithm (alg) {rule}")
        if alg.strip().lower() == "none":
            self._fail("alg", f"alg {alg!r} means an unsigned proof, which proves nothing about "
                       f"who sent it; RFC 9449 §4.2: alg \"MUST NOT be none\" {rule}")
        if alg.upper() in _MACS:
            self._fail("alg", f"alg {alg!r} is a MAC made with a shared secret; a proof is signed "
                       "with a private key whose public half is in jwk (RFC 9449 §4.2: never \"a "
                       f"symmetric algorithm (Message Authentication Code (MAC))\") {rule}")
        if alg not in self.algorithms:
            self._fail("alg", f"alg {_show(alg)} is not one this server takes for proofs {rule}")

    def _check_jwk(self, p: _Proof) -> None:
        rule = "(RFC 9449 §4.3 item 6)"
        if "jwk" not in p.header:
            self._fail("jwk", f"the header has no 'jwk': a proof carries the public key that "
                       f"verifies it (RFC 9449 §4.2) {rule}")
        jwk, alg = p.header["jwk"], p.header["alg"]
        if not isinstance(jwk, dict):
            self._fail("jwk", f"jwk must be a JSON object {{...}}, not {type(jwk).__name__} {rule}")
        private = sorted(PRIVATE_MEMBERS & jwk.keys())
        if private:
            self._fail("jwk", f"the jwk carries {', '.join(map(repr, private))}, private key "
                       "material: a proof shows only the public key, and whoever made this one has "
                       "given its private key away (RFC 9449 §4.2: jwk \"MUST NOT contain a "
                       "private key\"; §4.3 item 7)")
        kty, curves = ASYMMETRIC_ALGORITHMS[alg]
        if jwk.get("kty") != kty:
            self._fail("jwk", f"alg {alg} signs with an {kty} key, but the jwk has kty "
                       f"{_show(jwk.get('kty'))} (RFC 7518 §3.1) {rule}")
        problem = public_jwk_problem(jwk)
        if problem is not None:
            self._fail("jwk", f"the jwk is not a complete public key: {problem} {rule}")
        if curves and jwk["crv"] not in curves:
            self._fail("jwk", f"alg {alg} needs a key on {' or '.join(sorted(curves))}, but the "
                       f"jwk is on {jwk['crv']!r} (RFC 7518 §3.4, RFC 8037 §3.1) {rule}")
        if "alg" in jwk and jwk["alg"] != alg:
            self._fail("jwk", f"the jwk says it is for alg {_show(jwk['alg'])}, but the proof is "
                       f"signed with {alg} (RFC 7517 §4.4) {rule}")
        algorithm = _ALGORITHMS[alg]
        try:
            key = algorithm.prepare_key(algorithm.from_jwk(dict(jwk)))
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            self._fail("jwk", f"the jwk is not a valid {kty} public key ({exc}) {rule}")
        if kty == "RSA" and key.key_size < 2048:
            self._fail("jwk", f"the jwk is a {key.key_size}-bit RSA key; RFC 7518 §3.3: \"A key of "
                       f"size 2048 bits or larger MUST be used\" {rule}")
        p.key, p.jkt = key, jwk_thumbprint(jwk)

    def _check_signature(self, p: _Proof) -> None:
        alg = p.header["alg"]
        try:
            valid = _ALGORITHMS[alg].verify(p.signing_input, p.key, p.signature)
        except (ValueError, TypeError):
            valid = False
        if not valid:
            self._fail("signature", f"the {alg} signature does not verify under the public key in "
                       "jwk: the proof was changed after it was signed, or signed with another key "
                       "than the one it shows (RFC 9449 §4.3 item 6)")

    def _check_claims(self, p: _Proof) -> None:
        c, rule = p.claims, "(RFC 9449 §4.2 requires jti, htm, htu and iat; §4.3 item 3)"
        missing = [name for name in ("jti", "htm", "htu", "iat") if name not in c]
        if missing:
            self._fail("claims", f"the proof lacks {', '.join(map(repr, missing))} {rule}")
        for name in ("jti", "htm", "htu"):
            if not isinstance(c[name], str) or not c[name]:
                self._fail("claims", f"'{name}' must be a non-empty string, got {_show(c[name])} "
                           f"{rule}")
        if not is_numeric_date(c["iat"]):
            self._fail("claims", "'iat' must be a NumericDate (seconds since 1970-01-01 UTC, "
                       f"RFC 7519 §2), got {_show(c['iat'])} {rule}")

    def _check_htm(self, p: _Proof) -> None:
        if p.claims["htm"] != p.method:
            self._fail("htm", f"htm is {_show(p.claims['htm'])}, but this request is {p.method}: "
                       "a proof is made for one method and one URL (RFC 9449 §4.3 item 8; methods "
                       "are case-sensitive, RFC 9110 §9.1)")

    def _check_htu(self, p: _Proof) -> None:
        rule = "(RFC 9449 §4.3 item 9)"
        want = normalize_htu(p.url)
        if want is None:
            self._fail("htu", f"this request's URL {_show(p.url)} is not an absolute http(s) URL, "
                       f"so no htu can match it {rule}")
        got = normalize_htu(p.claims["htu"])
        if got is None:
            self._fail("htu", f"htu {_show(p.claims['htu'])} is not an absolute http or https URL "
                       f"with a host (RFC 9449 §4.2) {rule}")
        if got != want:
            self._fail("htu", f"htu is {_show(p.claims['htu'])}, but this request went to {want} "
                       "(compared without query and fragment, after RFC 3986 §6.2.2/§6.2.3 "
                       f"normalisation): the proof was made for another URL {rule}")
        p.htu = want

    def _check_iat(self, p: _Proof) -> None:
        iat, now = p.claims["iat"], p.now
        if iat > now + self.max_skew_ahead:
            self._fail("iat", f"the proof was made {format_duration(iat - now)} ahead of this "
                       f"server's clock (iat {format_time(iat)}); it takes proofs at most "
                       f"{format_duration(self.max_skew_ahead)} ahead, for clock skew (RFC 9449 "
                       "§11.1; §4.3 item 11)")
        if now >= iat + self.max_age:
            self._fail("iat", f"the proof is {format_duration(now - iat)} old (made at "
                       f"{format_time(iat)}); this server takes a proof for "
                       f"{format_duration(self.max_age)} after it was made (RFC 9449 §11.1: "
                       "\"only ... for a limited time after their creation\"; §4.3 item 11)")

    def _check_jti(self, p: _Proof) -> None:
        p.replay_key = _replay_key(p.htu, p.claims["jti"])
        if self.store.contains(REPLAY_KIND, p.replay_key):
            self._replayed(p)

    def _check_nonce(self, p: _Proof) -> None:
        if self.nonces is None:
            return
        nonce, rule = p.claims.get("nonce"), "(RFC 9449 §8, §9; §4.3 item 10)"
        retry = ("make a new proof whose nonce is the DPoP-Nonce value of this response, and "
                 "send the request again")
        if nonce is None:
            why = f"this server requires a nonce of its own in every proof, and this one has none: {retry}"
        elif not self.nonces.accepts(nonce):
            why = (f"the proof's nonce is not one this server issued recently (stale or unknown): "
                   f"{retry}")
        else:
            return
        raise UseDPoPNonceError(f"{why} {rule}", nonce=self.nonces.current(), status=self.status)

    def _check_ath(self, p: _Proof) -> None:
        if p.access_token is None:
            return
        rule = "(RFC 9449 §4.3 item 12)"
        if "ath" not in p.claims:
            self._fail("ath", "the proof comes with an access token but has no ath: RFC 9449 §7: "
                       f"\"The DPoP proof MUST include the ath claim\" {rule}")
        try:
            expected = access_token_hash(p.access_token)
        except ValueError as exc:
            self._fail("ath", f"no ath can match this access token: {exc} {rule}")
        ath = p.claims["ath"]
        if not isinstance(ath, str) or not hmac.compare_digest(ath.encode(), expected.encode()):
            self._fail("ath", "ath is not the hash of the access token sent with the proof: the "
                       "proof was made for another token, or none (RFC 9449 §7; §4.3 item 12)")

    def _check_jkt(self, p: _Proof) -> None:
        if p.expected_jkt is None:
            return
        if not hmac.compare_digest(p.jkt.encode(), p.expected_jkt.encode()):
            self._fail("jkt", f"the proof is signed by key {p.jkt!r}, but the access token is bound "
                       f"to key {_show(p.expected_jkt)} (its cnf.jkt, RFC 9449 §6.1): whoever "
                       "sent the token does not hold the key it was issued to (RFC 9449 §4.3 "
                       "item 12, §7.1)")

    # -- after every check ---------------------------------------------------------------------

    def _record(self, p: _Proof) -> None:
        """Enter the proof into the replay cache until it would be too old anyway (iat +
        max_age): checked again under the lock, so of two identical proofs at once one wins."""
        until = p.claims["iat"] + self.max_age
        with self._lock:
            if self.store.contains(REPLAY_KIND, p.replay_key):
                self._replayed(p)
            self.store.put(REPLAY_KIND, p.replay_key, p.claims["iat"], until=until)

    def _replayed(self, p: _Proof) -> NoReturn:
        self._fail("jti", f"a proof with jti {_show(p.claims['jti'])} was already used for {p.htu}: "
                   "each proof is good for one request, so a captured proof cannot be sent again "
                   "(RFC 9449 §11.1)")

    def _fail(self, check: str, description: str) -> NoReturn:
        raise InvalidDPoPProofError(description, check=check, status=self.status)

    def __repr__(self) -> str:
        nonces = "nonces required" if self.nonces is not None else "no nonces"
        return (f"DPoPProofVerifier(algs {self.algs}; proofs up to {self.max_age:g} s old and "
                f"{self.max_skew_ahead:g} s ahead; {nonces}; replay cache in {self.store!r})")


def _field_values(proofs: object) -> list[str]:
    """The ``DPoP`` field values of a request, from its header fields, a list of values or one."""
    if isinstance(proofs, str):
        return [proofs]
    if isinstance(proofs, Mapping):
        values = [v for k, v in proofs.items() if isinstance(k, str) and k.lower() == "dpop"]
    elif isinstance(proofs, list | tuple):
        values = list(proofs)
    else:
        raise TypeError("proofs must be the request's header fields (a mapping), the DPoP field "
                        f"values (a list of str) or one proof (a str), not {type(proofs).__name__}")
    if not all(isinstance(v, str) for v in values):
        raise TypeError("each DPoP field value must be a str")
    return values


def _unknown_crit(what: str, rule: str) -> str:
    return (f"the header marks extensions as critical ({what}); this server understands none, so "
            f"it must refuse the proof (RFC 7515 §4.1.11) {rule}")


def _text(value: object) -> str | None:
    """A claim no check needed (a nonce the server did not ask for, an ath without a token),
    kept when it is text."""
    return value if isinstance(value, str) else None


def _replay_key(htu: str, jti: str) -> str:
    """A fixed-size key for (URL, jti): RFC 9449 §11.1 keeps jti values "In the context of the
    target URI", and "should ... store only a hash thereof" against memory exhaustion."""
    return base64url_encode(hashlib.sha256(json.dumps([htu, jti]).encode()).digest()).decode()


def _show(value: object) -> str:
    """A value for an error message: its repr, cut short (it comes from whoever sent the proof)."""
    text = repr(value) if isinstance(value, str | int | float | bool | None) else type(value).__name__
    return text if len(text) <= 60 else f"{text[:57]}..."
