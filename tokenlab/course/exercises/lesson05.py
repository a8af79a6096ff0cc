"""Notebook 05, expiry and refresh: a stolen refresh token meeting reuse detection, the moment a
token dies, and the end of a login."""

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
        if value == ttl + leeway - 1:
            return Verdict(False, "one second too early: at that moment the API still accepts "
                                  "it; the first refusal comes a second later")
        if value == ttl:
            return Verdict(False, "that is exp without the leeway; the API tolerates "
                                  f"{leeway} s of clock skew")
        return Verdict(False, f"count from the issue time: exp is {ttl} s later, and the API "
                              f"adds its leeway of {leeway} s")
    return check


REUSE = "the app is refused, and the whole family is revoked: the thief's tokens die too"

EXERCISES = (
    Exercise(
        "reuse-after-theft", "05", "predict",
        "The thief refreshed first with the stolen refresh token: he now holds a fresh access "
        "token and the newest refresh token of Alice's login. Four minutes later Alice's app "
        "refreshes with the refresh token it still holds, the one the thief already spent. "
        "What happens to the app, and to the thief?",
        choice(REUSE, {
            REUSE: "whoever comes second presents a spent token, so the server knows a copy "
            "exists — not who holds it. It revokes the family's refresh tokens (RFC 9700 "
            "§4.14.2) and, by tokenlab's policy, its live access tokens: Alice logs in again, "
            "and the stolen login is dead",
            "the app is refused; the thief keeps going, since his refresh token is the newest":
            "a spent token coming back proves a copy exists, and the server revokes every "
            "refresh token of the family, the newest one included",
            "the server spots the thief: his tokens are revoked, and the app gets new ones":
            "the server cannot tell them apart: a public client has no secret, and both sent "
            "tokens of the same login. It only knows that two parties hold copies",
            "the app gets new tokens: its refresh token has not expired yet": "it has not "
            "expired, but the thief spent it: with rotation, each refresh token works once"}),
        "Reuse detection does not know who the thief is, and does not need to: it ends the "
        "login for both. It limits the theft to the moment the real app next refreshes.",
        answer=REUSE,
        hint="Section 6: what does the server conclude when a spent refresh token comes back?",
        choices=(
            "the app gets new tokens: its refresh token has not expired yet",
            "the app is refused; the thief keeps going, since his refresh token is the newest",
            "the server spots the thief: his tokens are revoked, and the app gets new ones",
            REUSE)),
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
        "Alice logs in at 09:00 through this course's authorization server: access tokens live "
        "5 minutes, refresh_ttl = 8 hours, and refresh tokens rotate on every use. The app "
        "refreshes every 5 minutes all day. When must Alice log in again?",
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
