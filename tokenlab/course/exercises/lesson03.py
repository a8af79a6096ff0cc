"""Notebook 03, how tokens work: the smallest scope for a described task."""

from __future__ import annotations

from typing import Any

from ...errors import InsufficientScopeError, TokenError
from .model import Exercise, Verdict, safe


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


EXERCISES = (
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
