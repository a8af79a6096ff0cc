"""Notebook 05, expiry and refresh: the moment a token dies, and the end of a login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .model import SECONDS_EXAMPLES, Exercise, Verdict, choice, safe, seconds


def expiry_check(ttl: int, leeway: int) -> Callable[[Any], Verdict]:
    """When does an API with ``leeway`` first refuse a token that lives ``ttl`` seconds?"""
    @safe
    def check(answer: Any) -> Verdict:
        value = seconds(answer)
        if value is None:
            return Verdict(False, f"I expected {SECONDS_EXAMPLES}")
        if value == ttl + leeway:
            return Verdict(True, f"refused on or after exp + leeway = {ttl} + {leeway} s "
                                 "(RFC 7519 §4.1.4)")
        if value == ttl + leeway + 1:
            return Verdict(False, "one second too late: the token is refused ON or after the "
                                  "moment, not only after it")
        if value == ttl:
            return Verdict(False, "that is exp without the leeway; the API tolerates "
                                  f"{leeway} s of clock skew")
        return Verdict(False, f"count from the issue time: exp is {ttl} s later, and the API "
                              f"adds its leeway of {leeway} s")
    return check


EXERCISES = (
    Exercise(
        "expiry-boundary", "05", "reason",
        "Another server: its tokens live 600 s, and its API allows 45 s of leeway. How many "
        "seconds after a token was issued does that API first refuse it?",
        expiry_check(600, 45),
        "10 min 45 s: refused on or after exp + leeway (RFC 7519 §4.1.4).",
        answer="645 s",
        hint="On or after, not after."),
    Exercise(
        "refresh-family-expiry", "05", "reason",
        "Alice logs in at 09:00. Access tokens live 5 minutes; the authorization server has "
        "refresh_ttl = 8 hours and rotates refresh tokens; the app refreshes every 5 minutes "
        "all day. When must Alice log in again?",
        choice("at 17:00, 8 hours after she logged in", {
            "at 17:00, 8 hours after she logged in": "every rotated refresh token inherits "
            "the family's absolute expiry, set at the login: rotation never extends it",
            "at 09:05, when her first access token expires": "that is what the refresh token "
            "is for: the app gets a new access token without her",
            "8 hours after the app's last refresh": "that would be a sliding expiry; here each "
            "new refresh token carries the expiry of the login, not a fresh one",
            "never, as long as the app keeps refreshing": "then a stolen refresh token could "
            "be kept alive forever too; the family ends 8 hours after the login"}),
        "The family's absolute expiry is login + refresh_ttl, and tokenlab's rotation never "
        "extends it (a policy: other servers slide the window, with a cap).",
        answer="at 17:00, 8 hours after she logged in",
        hint="Introspect two successive refresh tokens of one login and compare their exp.",
        choices=("at 09:05, when her first access token expires",
                 "at 17:00, 8 hours after she logged in",
                 "8 hours after the app's last refresh",
                 "never, as long as the app keeps refreshing")),
)
