"""The fenced vulnerable verifier: the hardened verifier with the policy's mistakes turned on.

:class:`FencedVerifier` is the only verifier that runs a :class:`~tokenlab.jose.policy.VerifierPolicy`
with ``insecure_*`` switches on (the hardened :class:`~tokenlab.jose.verify.Verifier` refuses one),
and it needs at least one. It changes step 2 only where a switch says so and otherwise keeps
every hardened check: it asks the hardened step first, and reopens a refusal only when the
refusal is the very protection a switch turns off. Each switch is a mistake real libraries and
APIs made:

- ``insecure_skip_signature`` — decode without verifying (PyJWT's ``verify_signature: False``);
- ``insecure_accept_none`` — ``alg: none`` in any spelling (RFC 8725 §2.1; JOSE names are
  case-sensitive, RFC 7515 §4.1.1, so a deny-list that lower-cases is already wrong);
- ``insecure_alg_from_header`` — the header picks the algorithm from the table (``none``
  included) and the stored key material is used as-is: an RS256 key's PEM becomes the HMAC
  secret (RFC 8725 §2.1, CVE-2015-9235);
- ``insecure_trust_jwk_header`` / ``insecure_trust_jku_header`` — a key the token brings, or
  fetches from a URL it names, over the simulated internet (RFC 8725 §3.10; CVE-2018-0114);
- ``insecure_kid_as_path`` — the HS256 key is the file ``kid`` names (RFC 8725 §3.10);
- ``insecure_skip_typ``, ``insecure_skip_audience``, ``insecure_exp_optional`` — step 3 hooks in
  :mod:`tokenlab.jose.verify`, read only on the way to a refusal.

Whatever a switch lets through, the report says so: the signature step reads "INSECURE: ..."
and names the switch; the claims step says what was not checked.
"""

from __future__ import annotations

from typing import Any

import jwt
from cryptography.exceptions import UnsupportedAlgorithm

from ..errors import (
    AlgorithmNotAllowedError,
    InvalidHeaderError,
    InvalidSignatureError,
    TokenError,
    UnknownKeyError,
)
from ..jose.policy import INSECURE_SWITCHES, VerifierPolicy
from ..jose.verify import KeyLookup, RevocationCheck, SignatureNote, Verifier
from .algorithms import ALGORITHMS, stored_material
from .internet import SimulatedInternet
from .keydir import KeyDirectory

__all__ = ["FencedVerifier"]

_KEY_ERRORS = (jwt.PyJWTError, ValueError, TypeError, KeyError, UnsupportedAlgorithm)
_Step = tuple[TokenError | None, str]


def _insecure(switch: str, what: str) -> SignatureNote:
    return SignatureNote(f"INSECURE ({switch}): {what}")


def _claims_checked(policy: VerifierPolicy) -> str | None:
    """What the claims line of a success report says, when a claims switch is on."""
    skipped = [text for name, text in (
        ("insecure_skip_typ", "typ not checked, nor client_id and jti (insecure_skip_typ)"),
        ("insecure_skip_audience", "aud not checked (insecure_skip_audience)"),
        ("insecure_exp_optional", "exp not required (insecure_exp_optional)"),
    ) if getattr(policy, name)]
    if not skipped:
        return None
    checked = "iss matches" if policy.insecure_skip_audience else "iss and aud match"
    return f"{checked}; INSECURE: {'; '.join(skipped)}"


class FencedVerifier(Verifier):
    """A :class:`Verifier` for a policy with mistakes on. ``internet`` is where a ``jku`` URL is
    fetched (as ``requester``, recorded on its wire); needed only with ``insecure_trust_jku_header``.
    """

    _fenced = True

    def __init__(self, policy: VerifierPolicy, keys: KeyLookup,
                 revocation: RevocationCheck | None = None, *,
                 internet: SimulatedInternet | None = None, requester: str = "api") -> None:
        if not policy.insecure_switches:
            raise ValueError("no switch is on in this policy: use the hardened "
                             "tokenlab.jose.verify.Verifier")
        super().__init__(policy, keys, revocation)
        self.internet = internet
        self.requester = requester
        self.directory = KeyDirectory(keys)
        self._claims_checked = _claims_checked(policy)

    def _signature_step(self, text: str, header: dict[str, Any], signature: bytes,
                        now: float) -> _Step:
        policy = self.policy
        alg = header.get("alg")
        signed = text[: text.rindex(".")].encode("ascii")
        if policy.insecure_skip_signature:
            return None, _insecure("insecure_skip_signature",
                                   "the signature was not checked: decoded without verifying "
                                   "(RFC 8725 §3.3)")
        if isinstance(alg, str) and alg.lower() == "none" and (
                policy.insecure_accept_none or (policy.insecure_alg_from_header and alg == "none")):
            switch = "insecure_accept_none" if policy.insecure_accept_none else (
                "insecure_alg_from_header")
            if signature:
                return InvalidSignatureError(
                    f"alg {alg!r} means an unsigned token, whose signature is empty (RFC 7519 "
                    "§6), but this one carries a signature"), ""
            return None, _insecure(switch, f"alg {alg!r}: an unsigned token, accepted "
                                           "(RFC 8725 §2.1)")
        err, kid = super()._signature_step(text, header, signature, now)
        if err is None:
            return None, kid
        if type(err) is InvalidHeaderError and err.parameter == "jwk" and (
                policy.insecure_trust_jwk_header):
            return self._header_key(header, alg, signed, signature, header["jwk"], "jwk",
                                    "the key the token carries in its jwk header (CVE-2018-0114)")
        if type(err) is InvalidHeaderError and err.parameter == "jku" and (
                policy.insecure_trust_jku_header):
            return self._fetched_key(header, alg, signed, signature)
        if isinstance(err, UnknownKeyError) and policy.insecure_kid_as_path and alg == "HS256":
            return self._key_file(header["kid"], signed, signature, now)
        if isinstance(err, AlgorithmNotAllowedError) and policy.insecure_alg_from_header:
            return self._header_algorithm(err, header, alg, signed, signature, now)
        return err, ""

    # -- the mistakes ------------------------------------------------------------------------------

    def _header_key(self, header: dict[str, Any], alg: str, signed: bytes, signature: bytes,
                    jwk: Any, param: str, whose: str) -> _Step:
        """Verify with a key the token chose: its own ``jwk``, or one fetched from its ``jku``
        (``param``); any other header key or ``crit`` is still refused."""
        switch = f"insecure_trust_{param}_header"
        others = [p for p in ("jku", "jwk", "x5u", "x5c") if p in header and p != param]
        if others or "crit" in header:
            name = others[0] if others else "crit"
            return InvalidHeaderError(
                f"the header also carries {name!r}, which this API refuses even with {switch}",
                parameter=name), ""
        try:
            key = jwt.PyJWK(dict(jwk), algorithm=alg)
            valid = bool(ALGORITHMS[alg].verify(signed, key.key, signature))
        except _KEY_ERRORS:
            valid = False
        if not valid:
            return InvalidSignatureError(
                f"the {alg} signature does not match under {whose}: it is no usable {alg} key, "
                "or not the key that signed"), ""
        return None, _insecure(switch, f"{alg} signature valid under {whose} — a key the "
                                       "token's maker chose (RFC 8725 §3.10)")

    def _fetched_key(self, header: dict[str, Any], alg: str, signed: bytes,
                     signature: bytes) -> _Step:
        url = header["jku"]
        if self.internet is None or not isinstance(url, str):
            return InvalidHeaderError(
                "the jku header must be a URL this API can fetch over the simulated internet",
                parameter="jku"), ""
        switch = "insecure_trust_jku_header"
        response = self.internet.get(url, sender=self.requester, insecure=switch,
                                     notes=[f"INSECURE: {switch} — {INSECURE_SWITCHES[switch]}"])
        keys = response.json().get("keys")
        if response.status != 200 or not isinstance(keys, list):
            return InvalidHeaderError(
                f"no JWK Set at the jku URL {url} (the fetch answered {response.status})",
                parameter="jku"), ""
        kid = header.get("kid")
        found = [k for k in keys if isinstance(k, dict) and (kid is None or k.get("kid") == kid)]
        if len(found) != 1:
            return UnknownKeyError(f"the JWK Set at {url} has no single key with kid {kid!r}",
                                   kid=kid), ""
        return self._header_key(header, alg, signed, signature, found[0], "jku",
                                f"a key fetched from the token's jku URL {url}")

    def _key_file(self, kid: str, signed: bytes, signature: bytes, now: float) -> _Step:
        path = self.directory.path_of(kid)
        secret = self.directory.read(kid, now)
        if secret is None:
            return UnknownKeyError(f"no key file at {path} (the kid {kid!r} read as a path)",
                                   kid=kid), ""
        if not ALGORITHMS["HS256"].verify(signed, secret, signature):
            return InvalidSignatureError(
                f"the HS256 signature does not match under the key file {path}"), ""
        shown = "empty" if not secret else f"{len(secret)} bytes"
        return None, _insecure("insecure_kid_as_path",
                               f"HS256 signature valid under the file {path} ({shown}), the path "
                               "the token's kid names (RFC 8725 §3.10)")

    def _header_algorithm(self, err: AlgorithmNotAllowedError, header: dict[str, Any], alg: Any,
                          signed: bytes, signature: bytes, now: float) -> _Step:
        """The header's ``alg`` with the named key's stored material, when the only refusal was
        that the key has another algorithm (RFC 8725 §3.1)."""
        kid = header.get("kid")
        if not isinstance(alg, str) or alg not in self.policy.algorithms or not isinstance(kid, str):
            return err, ""
        key = self._keys(kid, now)
        if key is None or key.algorithm == alg:
            return err, ""
        material = stored_material(key)
        try:
            algorithm = ALGORITHMS[alg]
            valid = bool(algorithm.verify(signed, algorithm.prepare_key(material), signature))
        except _KEY_ERRORS:
            valid = False
        kind = "PEM public key" if not key.symmetric else "secret"
        if not valid:
            return InvalidSignatureError(
                f"the {alg} signature does not match key {kid!r} with its stored {kind} used as "
                f"the {alg} key"), ""
        return None, _insecure("insecure_alg_from_header",
                               f"{alg} chosen by the header; key {kid!r} ({key.algorithm}) used "
                               f"as-is: its stored {kind} as the {alg} key (RFC 8725 §2.1, "
                               "CVE-2015-9235)")

    def __repr__(self) -> str:
        return f"FencedVerifier(INSECURE: {', '.join(self.policy.insecure_switches)})"

