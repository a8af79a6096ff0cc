"""Notebook 04, the login flow: a PKCE pair, and where a browser app keeps its tokens."""

from __future__ import annotations

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
        if challenge == verifier:
            return Verdict(False, "that is the 'plain' method: the challenge would give the secret "
                                  "away; send BASE64URL(SHA256(verifier))")
        return Verdict(False, "the challenge must be BASE64URL(SHA256(verifier)) without '=' "
                              "padding (RFC 7636 §4.2); s256_challenge(verifier) computes it")
    return Verdict(True, "the server keeps the challenge; only the app that made the verifier "
                         "can exchange the code")


EXERCISES = (
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
    Exercise(
        "safe-storage", "04", "reason",
        "Where should a browser app keep tokens so that an injected script cannot read them?",
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
)
