"""Notebook 03, how tokens work: what the API answers when a token reaches its exp (predicted
before the walker shows it), and the smallest scope for a described task."""

from __future__ import annotations

from typing import Any

from ...errors import InsufficientScopeError, TokenError
from .model import Exercise, Verdict, choice, safe


@safe
def check_station_token(answer: Any, api: Any) -> Verdict:
    """A token the API accepts for ``weather:write`` and refuses for ``weather:read`` — the
    smallest scope for a station that only uploads readings."""
    if not isinstance(answer, str) or answer.count(".") != 2:
        return Verdict(False, "give the access token itself (….access_token), a JWT with two dots")
    try:
        api.verify(answer, scope="weather:write")
    except InsufficientScopeError:
        return Verdict(False, "the station cannot upload with that token: uploading readings is "
                              "POST /weather, which needs weather:write")
    except TokenError as err:
        return Verdict(False, f"the API refuses that token altogether: {err}")
    try:
        api.verify(answer, scope="weather:read")
    except InsufficientScopeError:
        return Verdict(True, "it uploads and can do nothing else: if the station is ever "
                             "compromised, the token cannot even read the forecast")
    except TokenError as err:  # pragma: no cover - the write check passed, so only scope differs
        return Verdict(False, str(err))
    return Verdict(False, "that token can also read the forecast, which the station never does; "
                          "ask for the one scope the task needs")


EXPIRED = "401 invalid_token: the token has expired"

EXERCISES = (
    Exercise(
        "expiry-at-step-5", "03", "predict",
        "The walker below gives the weather app a token for weather:read that lives 300 s, and "
        "the app uses it: GET /weather, 200. At step 5 the clock moves 300 s, to the token's exp, "
        "and the app sends the same token to GET /weather again. What does the API answer?",
        choice(EXPIRED, {
            EXPIRED: "the signature still checks out, but a token is refused on or after its exp "
            "(RFC 7519 §4.1.4), and an invalid token gets 401 invalid_token in the "
            "WWW-Authenticate header (RFC 6750 §3.1)",
            "200 OK with the forecast": "the clock stands exactly at exp, and a token is refused "
            "on or after its exp (RFC 7519 §4.1.4): 'lives 300 s' means accepted before second "
            "300, not at it",
            "403 insufficient_scope": "403 is for a valid token that lacks a scope, and this one "
            "still grants weather:read, which GET /weather needs; an expired token is invalid, "
            "and an invalid token gets 401 whatever its scope (RFC 6750 §3.1)",
            "no error: the app refreshes the token silently first": "there is nothing to "
            "refresh with: the client credentials grant brings no refresh token here (RFC 6749 "
            "§4.4.3: one SHOULD NOT be included), and at step 5 the old token does reach the API; "
            "a new token comes after, when the app asks again with its id and secret"}),
        "Nothing about the token changed between step 4 and step 5 — not its signature, not its "
        "scope — only the time. From its exp on, the API refuses it: 401 invalid_token. Nobody "
        "revoked it; it ran out, and the app asks again for a new one.",
        answer=EXPIRED,
        hint="What changed between step 4 and step 5: the token, its scope, or the clock?",
        choices=("200 OK with the forecast", EXPIRED, "403 insufficient_scope",
                 "no error: the app refreshes the token silently first")),
    Exercise(
        "station-token", "03", "build",
        "A weather station uploads its readings (POST /weather) and never reads the forecast. Get "
        "it a token with the smallest scope that does its job, and check it.",
        check_station_token,
        "Uploading is POST /weather, which needs weather:write; nothing else is needed.",
        code="auth.client_credentials(app.client_id, app.client_secret, "
             "scope='weather:write').access_token",
        hint="Which route does an upload use, and what does that route need? Nothing more."),
)
