"""Notebook 06, revocation: which API hears of a revocation, when, what a restart forgets, and a
goal lab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...errors import TokenError
from .model import SECONDS_EXAMPLES, Exercise, Verdict, choice, safe, seconds


def cache_delay_check(cache_ttl: int, asked_before: int) -> Callable[[Any], Verdict]:
    """When does an API that caches introspection answers first refuse a revoked token?"""
    delay = cache_ttl - asked_before

    @safe
    def check(answer: Any) -> Verdict:
        value = seconds(answer)
        if value is None:
            return Verdict(False, f"I expected {SECONDS_EXAMPLES}")
        if value == delay:
            return Verdict(True, f"the cached 'active' answer was already {asked_before} s old, so "
                                 f"the API believes it {cache_ttl} - {asked_before} = {delay} s "
                                 "longer; then it asks again and hears 'not active' (RFC 7662 §4)")
        if value == delay + 1:
            return Verdict(False, "one second too late: the cached answer runs out exactly "
                                  f"{cache_ttl} s after the API asked, and it asks again at "
                                  "that moment")
        if value == cache_ttl:
            return Verdict(False, f"the {cache_ttl} s count from when the API asked, which was "
                                  f"{asked_before} s before the revocation")
        if value == 0:
            return Verdict(False, "that is a denylist, or introspection without a cache; this "
                                  "API trusts its cached answer for a while")
        return Verdict(False, "count from the moment the API last asked: its answer is kept "
                              f"for {cache_ttl} s")
    return check


@safe
def check_revoked_but_accepted(answer: Any, auth: Any, stateless: Any) -> Verdict:
    """06: a token the authorization server revoked that the stateless API still accepts."""
    if not isinstance(answer, str) or answer.count(".") != 2:
        return Verdict(False, "give the access token itself (a JWT, two dots), e.g. "
                              "web.access_token saved before the logout")
    introspected = _introspect(auth, answer)
    if introspected is None:
        return Verdict(False, "that is not a token of this authorization server")
    if introspected:
        return Verdict(False, "the authorization server still considers that token active: "
                              "revoke it first (log out, or auth.revoke(...))")
    try:
        stateless.verify(answer)
    except TokenError as err:
        if err.error == "invalid_token" and "revoked" in err.description:
            return Verdict(False, "that API checks the denylist, so it refuses the revoked "
                                  "token; use the stateless one (revocation='none')")
        return Verdict(False, f"the API refused it for another reason: {err.description}")
    return Verdict(True, "revoked at the authorization server, accepted by the API: a stateless "
                         "API never asks, so it learns of the revocation only at exp "
                         "(RFC 7009 §3)")


def _introspect(auth: Any, token: str) -> bool | None:
    """Whether ``auth`` considers ``token`` active (RFC 7662), asked as an API would; ``None``
    for a token that was never this server's (wrong issuer, bad signature)."""
    from ...authserver.revocation import own_access_token  # the course stands on the actors

    now = auth.clock.time()
    if own_access_token(auth.issuance, token, now, check_lifetime=False) is None:
        return None
    return auth.introspection.active_access_token(token, now) is not None

EXERCISES = (
    Exercise(
        "restart-forgets", "06", "predict",
        "Alice logged out: her access token is on the denylist, her refresh token's family is "
        "revoked. Then the authorization server, which keeps all of that in memory, restarts. "
        "What happens next to (a) the access token at the denylist API, and (b) the refresh "
        "token at the token endpoint?",
        choice("access token accepted, refresh token refused", {
            "access token accepted, refresh token refused":
                "the restart wiped the denylist, and the token's signature and exp are still "
                "fine, so the API accepts it again: the denylist fails open. The refresh token "
                "is now an unknown refresh token, and the server honours only the ones it finds "
                "in its store: that side fails closed",
            "both refused":
                "a revocation is not written in the token: it was an entry in the server's "
                "memory, and the restart wiped it. The access token's signature and exp are "
                "still fine, so nothing refuses it any more",
            "both accepted":
                "the access token, yes — but a refresh token is honoured only if the server "
                "finds it in its store, and after the restart it is an unknown refresh token: "
                "refused",
            "access token refused, refresh token accepted":
                "it is the other way round: the API needs the denylist entry to refuse the "
                "access token, and the server needs the refresh token's record to accept it"}),
        "What is forgotten can no longer refuse (the denylist fails open) and can no longer "
        "accept (refresh tokens fail closed). Keep revocations in a store that survives "
        "restarts.",
        answer="access token accepted, refresh token refused",
        choices=("both refused", "access token accepted, refresh token refused",
                 "both accepted", "access token refused, refresh token accepted")),
    Exercise(
        "stateless-revocation", "06", "reason",
        "Which revocation mode lets a revoked JWT through until it expires?",
        choice("none", {
            "none": "a purely stateless API never learns about the revocation",
            "denylist": "the denylist refuses it at once — at the price of shared state",
            "introspect": "introspection refuses it once the cached answer runs out"}),
        "Stateless verification knows nothing of revocations.",
        answer="none",
        choices=("none", "denylist", "introspect")),
    Exercise(
        "revoked-but-accepted", "06", "goal lab",
        "Goal lab: get a 200 from the stateless API with a token you revoked.",
        check_revoked_but_accepted,
        "Keep a copy of the access token, then log out: the authorization server revokes it, "
        "the stateless API never asks.",
        code="lab_web.login('bob', 'swordfish and chips')\nmy_token = lab_web.access_token\n"
             "lab_web.logout()\nmy_token",
        hint="Keep a copy of the access token before the app logs out and forgets it."),
    Exercise(
        "introspection-cache-delay", "06", "reason",
        "An API caches introspection answers for 60 s. It last asked about a token 20 s before "
        "the user logged out, which revoked the token. How many seconds after the revocation "
        "does the API first refuse the token?",
        cache_delay_check(60, 20),
        "The cached answer was 20 s old at the revocation and is kept 60 s in all.",
        answer="40 s",
        hint="The 60 s start when the API asked, not when the token was revoked."),
)
