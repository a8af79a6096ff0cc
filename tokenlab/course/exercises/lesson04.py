"""Notebook 04, the login flow: what a stolen code is worth, a PKCE pair, and where a browser
app keeps its tokens."""

from __future__ import annotations

import hashlib
from typing import Any

from ...authserver.pkce import is_valid_verifier, s256_challenge
from .model import Exercise, Verdict, choice, safe


@safe
def check_pkce_pair(verifier: Any, challenge: Any = None) -> Verdict:
    """A code_verifier and its S256 code_challenge (RFC 7636 §4.1, §4.2); the pair may also
    come as one ``(verifier, challenge)`` answer, or typed as two words."""
    if challenge is None and isinstance(verifier, tuple | list) and len(verifier) == 2:
        verifier, challenge = verifier
    if challenge is None and isinstance(verifier, str):
        parts = verifier.replace(",", " ").split()
        if len(parts) == 2:
            verifier, challenge = parts
        elif len(parts) == 1 and is_valid_verifier(parts[0]):
            return Verdict(False, "that is a verifier; the challenge is missing: type both, the "
                                  "verifier then its challenge, separated by a space")
    if not is_valid_verifier(verifier):
        return Verdict(False, "a code_verifier is 43 to 128 characters from A-Z a-z 0-9 - . _ ~ "
                              "(RFC 7636 §4.1); make_verifier() makes one")
    if not isinstance(challenge, str) or challenge != s256_challenge(verifier):
        return Verdict(False, _why_not_s256(verifier, challenge))
    return Verdict(True, "the server keeps the challenge; only the app that made the verifier "
                         "can exchange the code")


STOLEN_CODE = "400 invalid_grant both times: he has no verifier that hashes to the challenge"

def _why_not_s256(verifier: str, challenge: Any) -> str:
    """What is wrong with a challenge that is not BASE64URL(SHA256(ASCII(verifier)))."""
    expected = s256_challenge(verifier)
    if not isinstance(challenge, str):
        return "the challenge is text: BASE64URL(SHA256(verifier))"
    if challenge == verifier:
        return ("that is the 'plain' method: the challenge would give the secret away; send "
                "BASE64URL(SHA256(verifier))")
    if challenge.rstrip("=") == expected:
        return "right digest, but drop the '=' padding: base64url here has none (RFC 7636 §4.2)"
    if challenge.rstrip("=").replace("+", "-").replace("/", "_") == expected:
        return ("right digest, but in standard base64: base64url uses '-' and '_' where base64 "
                "has '+' and '/' (base64.urlsafe_b64encode), and no '=' padding")
    if challenge.lower() == hashlib.sha256(verifier.encode("ascii")).hexdigest():
        return ("that is the digest in hex (hexdigest()); encode the 32 raw bytes of "
                ".digest() with base64url instead")
    return ("the challenge must be BASE64URL(SHA256(ASCII(verifier))) without '=' padding "
            "(RFC 7636 §4.2): hash the verifier's bytes, then base64url-encode the digest")


EXERCISES = (
    Exercise(
        "stolen-code", "04", "predict",
        "An attacker copied Alice's authorization code from the redirect and sends it to the "
        "token endpoint before the app does, with the app's client_id and redirect_uri: once "
        "with no code_verifier, once with a code_verifier he made himself. The app is a public "
        "client (no secret). What does the token endpoint answer?",
        choice(STOLEN_CODE, {
            STOLEN_CODE: "the server stored the code_challenge with the code and wants the "
            "verifier whose BASE64URL(SHA256(...)) equals it (RFC 7636 §4.6); only the app has "
            "that verifier",
            "200 and tokens: a public client has no secret, so its client_id is all the server "
            "checks": "the client_id is indeed public — but the code was issued with a "
            "code_challenge, and the server also wants the verifier behind it, which never "
            "left the app",
            "401 invalid_client: the server sees that he is not the real app": "the server "
            "cannot tell: a public client proves nothing but its client_id, which anyone can "
            "send. What stops him is the verifier, and the answer is 400 invalid_grant "
            "(RFC 6749 §5.2)",
            "400 the first time; 200 with a verifier of his own, since any well-formed one "
            "will do": "the server hashes his verifier and compares: it does not match the "
            "stored challenge, and guessing the app's random 43-character verifier is "
            "hopeless"}),
        "PKCE ties the code to the app that started the login: the code alone is worth nothing. "
        "Client authentication is not what stops him — a public client has none.",
        answer=STOLEN_CODE,
        hint="At step 1 the app sent only the challenge. What does the server compare it with?",
        choices=(
            "200 and tokens: a public client has no secret, so its client_id is all the server "
            "checks",
            "401 invalid_client: the server sees that he is not the real app",
            STOLEN_CODE,
            "400 the first time; 200 with a verifier of his own, since any well-formed one "
            "will do")),
    Exercise(
        "safe-storage", "04", "predict",
        "A script is injected into a browser app's page (XSS) and reads what it can. Where "
        "should the app keep its tokens so that the script cannot read them?",
        choice("an httpOnly cookie set by a backend-for-frontend", {
            "an httpOnly cookie set by a backend-for-frontend": "the script cannot read an "
            "httpOnly cookie; the backend holds the tokens",
            "localStorage": "any script on the page reads localStorage",
            "sessionStorage": "any script on the page reads sessionStorage too",
            "a cookie without httpOnly": "document.cookie gives it to any script"}),
        "An httpOnly, Secure, SameSite cookie from a backend-for-frontend; in-memory is next "
        "best. Storage limits theft; it does not contain an injected script, which can still "
        "call the backend with the user's cookie.",
        answer="an httpOnly cookie set by a backend-for-frontend",
        choices=("localStorage", "sessionStorage", "a cookie without httpOnly",
                 "an httpOnly cookie set by a backend-for-frontend")),
    Exercise(
        "pkce-pair", "04", "build",
        "Make a PKCE code_verifier and compute its S256 code_challenge yourself.",
        check_pkce_pair,
        "RFC 7636 §4.2: the challenge is the SHA-256 of the verifier's ASCII bytes, base64url "
        "encoded, with the '=' padding removed.",
        code="import base64\nimport hashlib\n\nmy_verifier = make_verifier()\n"
             "digest = hashlib.sha256(my_verifier.encode('ascii')).digest()\n"
             "my_challenge = base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii')\n"
             "my_verifier, my_challenge",
        hint="RFC 7636 §4.2: challenge = BASE64URL(SHA256(verifier)), with no '=' padding."),
)
