"""Notebook 00, start here: what anyone holding a token can read, and when it stops working."""

from __future__ import annotations

from .model import Exercise, choice

_READ = "nothing but the token"
_AT_EXP = "401 invalid_token: step 3 fails, the token has expired"

EXERCISES = (
    Exercise(
        "read-without-a-key", "00", "predict",
        "Someone holds only the access token — no key, no password, no access to any server. "
        "What do they need to read whom the token is for and when it expires?",
        choice(_READ, {
            _READ: "the header and the claims are JSON written in base64url, an encoding anyone "
            "can undo (RFC 4648 §5); only the signature needs a key, and it protects the claims "
            "from change, not from reading",
            "the authorization server's private key": "the private key signs tokens — it writes, "
            "it does not read, and it never leaves the server. The claims are not encrypted: "
            "reading them takes no key at all",
            "the public key from the JWKS": "the public key checks the signature, so the API can "
            "trust the claims; it does not unlock them. The claims are not encrypted: reading "
            "them takes no key at all",
            "the user's password": "there is no user in this token (the app asked for itself), "
            "and a password never goes into a token. The claims are not encrypted: reading them "
            "takes no key at all"}),
        "A signed JWT is three base64url parts joined by dots; the first two are JSON that anyone "
        "holding the token can decode. The signature makes the claims trustworthy, not secret — "
        "so never put a secret in a token's claims.",
        answer=_READ,
        hint="Is base64url a lock, or just a way to write bytes as text?",
        choices=("the authorization server's private key", "the public key from the JWKS",
                 _READ, "the user's password")),
    Exercise(
        "on-exp", "00", "predict",
        "The token said expires_in: 300, and the clock stands one second before its exp. The clock "
        "moves one more second, to exactly exp, and the API checks the token again. What does it "
        "answer?",
        choice(_AT_EXP, {
            _AT_EXP: "a JWT is refused on or after its exp (RFC 7519 §4.1.4). The signature still "
            "matches; step 3 fails, and a token that is not valid gets 401 invalid_token "
            "(RFC 6750 §3.1)",
            "200: it still works at exp, and stops one second later": "exp is the first second "
            "the token is refused, not its last good one: a JWT must not be accepted on or after "
            "its exp (RFC 7519 §4.1.4)",
            "401 invalid_token: step 2 fails, the signature has expired": "a signature does not "
            "expire: it matches the bytes for as long as nobody changes them. Time lives in the "
            "exp claim, which step 3 checks",
            "403 insufficient_scope: an expired token grants no scope": "403 is for a valid token "
            "that lacks a scope; an expired token is not valid at all, so the answer is 401 "
            "invalid_token (RFC 6750 §3.1)"}),
        "At exp the token is dead: the signature step still passes, the claims step refuses it, "
        "and the API answers 401 invalid_token — the signal for the app to get a new token.",
        answer=_AT_EXP,
        hint="Is exp the last second a token works, or the first second it does not? And which of "
             "the three steps looks at time?",
        choices=("200: it still works at exp, and stops one second later", _AT_EXP,
                 "401 invalid_token: step 2 fails, the signature has expired",
                 "403 insufficient_scope: an expired token grants no scope")),
)
