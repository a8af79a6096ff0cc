"""Notebook 07, the advantages put to the test: 401 or 403, validity before scope."""

from __future__ import annotations

from typing import Any

from ...api.http import parse_challenge
from .model import Exercise, Verdict, choice, safe


@safe
def check_401_not_403(answer: Any) -> Verdict:
    """07: a response from POST /weather that is 401 ``invalid_token``, not 403."""
    status = getattr(answer, "status", None)
    headers = getattr(answer, "headers", None)
    if not isinstance(status, int) or headers is None:
        return Verdict(False, "give the response itself, e.g. api.handle(Request.post(...)) or "
                              "an app's .post(...)")
    challenge = headers.get("WWW-Authenticate") or ""
    _, params = parse_challenge(challenge) if challenge else ("", {})
    if status == 403:
        return Verdict(False, "403 says the token is fine but lacks the scope; make the token "
                              "itself unacceptable — the API must not trust it at all")
    if status != 401:
        return Verdict(False, f"that is {status}; the goal is 401")
    if "error" not in params:
        return Verdict(False, "a 401 with a bare challenge means no token was sent at all; send a "
                              "token the API must refuse (RFC 6750 §3.1)")
    return Verdict(True, f"401 {params['error']}: the token itself failed (expired, altered, "
                         "revoked or not for this API) — judged before any scope, so the answer "
                         "is never 403 (RFC 6750 §3.1)")

EXERCISES = (
    Exercise(
        "status-codes", "07", "predict",
        "GET /weather needs weather:read, POST /weather needs weather:write. In order, what does "
        "the API answer to (1) POST /weather with a fresh token granting weather:read; (2) GET "
        "/weather with a token granting both scopes whose exp passed a minute ago; (3) GET "
        "/weather with a fresh token granting both?",
        choice("403, 401, 200", {
            "403, 401, 200": "(1) a valid token without the scope: 403 insufficient_scope; (2) an "
            "expired token is invalid whatever it grants: 401 invalid_token, judged before any "
            "scope (RFC 6750 §3.1); (3) valid and sufficient: 200",
            "403, 403, 200": "(2) is not about scope: an expired token is invalid, 401, whatever "
            "scopes it carries",
            "401, 401, 200": "(1) is a valid token: the API trusts it and refuses only the "
            "action — 403, not 401",
            "401, 403, 200": "both swapped: 401 means the token itself is bad, 403 that a valid "
            "token lacks the scope"}),
        "Validity first (401), then scope (403) — RFC 6750 §3.1.",
        answer="403, 401, 200",
        choices=("401, 401, 200", "403, 401, 200", "403, 403, 200", "401, 403, 200")),
    Exercise(
        "401-not-403", "07", "goal lab",
        "Goal lab: make the API answer a POST /weather with 401, not 403.",
        check_401_not_403,
        "An expired token is not a good token: the API refuses it before it looks at the scope.",
        code="old = reader.access_token\nclock.advance(300)\nmy_response = api.handle(Request.post(\n"
             "    'https://api.example/weather', {'city': 'Oslo'}, {'Authorization': f'Bearer {old}'}))\n"
             "my_response",
        hint="403 judges the scope of a good token; what makes a token not good at all?"),
)
