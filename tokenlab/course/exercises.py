"""Exercises with automatic checks: the learner answers, a check says right or wrong and why.

Each :class:`Exercise` has a prompt, a ``check`` that turns any answer into a :class:`Verdict`
(never an exception: an unreadable answer is a wrong answer with a reason), a hint and a solution
revealed on demand. Checks that need the learner's world (a token, an API) take it as arguments.
The widget :class:`tokenlab.widgets.ExerciseBox` shows them in a notebook.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..api.http import parse_challenge
from ..authserver.pkce import is_valid_verifier, s256_challenge
from ..errors import InsufficientScopeError, TokenError

__all__ = ["EXERCISES", "Exercise", "Verdict", "exercise", "for_notebook"]


@dataclass(frozen=True, slots=True)
class Verdict:
    correct: bool
    reason: str

    def __str__(self) -> str:
        return f"{'✔ Right' if self.correct else '✘ Not yet'}: {self.reason}"

    def __bool__(self) -> bool:
        return self.correct


def _safe(check: Callable[..., Verdict]) -> Callable[..., Verdict]:
    @functools.wraps(check)
    def wrapped(*args: Any, **kwargs: Any) -> Verdict:
        try:
            return check(*args, **kwargs)
        except Exception as exc:  # a learner's answer must never crash the lesson
            return Verdict(False, f"could not check that answer ({type(exc).__name__}: {exc})")
    return wrapped


@dataclass(frozen=True, slots=True)
class Exercise:
    """``choices`` makes it multiple choice; ``check(answer, *context)`` returns a Verdict."""

    key: str
    notebook: str
    prompt: str
    check: Callable[..., Verdict]
    solution: str
    hint: str = ""
    choices: tuple[str, ...] = ()
    examples: dict[str, Any] = field(default_factory=dict)


def _choice(correct: str, reasons: dict[str, str]) -> Callable[[Any], Verdict]:
    @_safe
    def check(answer: Any) -> Verdict:
        if not isinstance(answer, str) or not answer.strip():
            return Verdict(False, "pick one of the answers")
        answer = answer.strip()
        if answer == correct:
            return Verdict(True, reasons[correct])
        return Verdict(False, reasons.get(answer, "that is not one of the answers"))
    return check


# -- 01: where the token goes ---------------------------------------------------------------------

@_safe
def check_authorization_header(answer: Any, token: str) -> Verdict:
    """The ``Authorization`` header value that sends ``token`` (RFC 6750 §2.1)."""
    if not isinstance(answer, str) or not answer.strip():
        return Verdict(False, "write the value of the Authorization header, e.g. 'Bearer ...'")
    value = answer.strip()
    if value.lower().startswith("authorization:"):
        value = value.split(":", 1)[1].strip()
    scheme, _, credential = value.partition(" ")
    if scheme.lower() != "bearer":
        return Verdict(False, f"the scheme must be 'Bearer' (RFC 6750 §2.1), not {scheme!r}")
    if credential.strip() != token:
        if token.startswith(credential.strip()) or credential.strip().startswith(token[:10]):
            return Verdict(False, "the scheme is right, but the token must be the whole token, "
                                  "character for character")
        return Verdict(False, "the scheme is right, but that is not the token")
    return Verdict(True, "'Bearer' then one space then the token: the header every client should "
                         "use (RFC 6750 §2.1); a URL would leak it into logs (§2.3)")


# -- 03: a token that can read but not write -------------------------------------------------------

@_safe
def check_station_token(answer: Any, api: Any) -> Verdict:
    """03: a token the API accepts for ``weather:write`` and refuses for ``weather:read`` — the
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


# -- 04: PKCE -------------------------------------------------------------------------------------

@_safe
def check_pkce_pair(verifier: Any, challenge: Any = None) -> Verdict:
    """A code_verifier and its S256 code_challenge (RFC 7636 §4.1, §4.2); the pair may also
    come as one ``(verifier, challenge)`` answer."""
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


# -- 05: the expiry boundary ----------------------------------------------------------------------

def _expiry_check(ttl: int, leeway: int) -> Callable[[Any], Verdict]:
    @_safe
    def check(answer: Any) -> Verdict:
        seconds = _seconds(answer)
        if seconds is None:
            return Verdict(False, f"I expected {SECONDS_EXAMPLES}")
        if seconds == ttl + leeway:
            return Verdict(True, f"refused on or after exp + leeway = {ttl} + {leeway} s "
                                 "(RFC 7519 §4.1.4)")
        if seconds == ttl + leeway + 1:
            return Verdict(False, "one second too late: the token is refused ON or after the "
                                  "moment, not only after it")
        if seconds == ttl:
            return Verdict(False, "that is exp without the leeway; the API tolerates "
                                  f"{leeway} s of clock skew")
        return Verdict(False, f"count from the issue time: exp is {ttl} s later, and the API "
                              f"adds its leeway of {leeway} s")
    return check


# -- 05 and 06: seconds, and the refresh family's absolute expiry ---------------------------------

_UNITS = {"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
          "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
          "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1}
_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*,?")
#: What an answer in seconds may look like, for the message when it cannot be read.
SECONDS_EXAMPLES = "a number of seconds, such as 645, '645 s' or '10 min 45 s'"


def _seconds(answer: Any) -> float | None:
    """A duration in seconds from what a person types: ``645``, ``"645"``, ``"645 s"``,
    ``"645 seconds"``, ``"10 min 45 s"``, ``"10min45s"``, ``"1 h"``; ``None`` for anything else
    (units must go from large to small; a bare number is seconds, and only on its own)."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int | float):
        try:
            value = float(answer)
        except OverflowError:  # an int beyond float range
            return None
        return value if math.isfinite(value) else None
    if not isinstance(answer, str) or len(answer) > 100:
        return None
    text = answer.strip().lower()
    parts = []
    pos = 0
    while pos < len(text):
        m = _PART.match(text, pos)
        if m is None or m.end() == pos:
            return None
        parts.append((float(m.group(1)), m.group(2)))
        pos = m.end()
    if not parts:
        return None
    if len(parts) == 1 and parts[0][1] == "":
        return parts[0][0]
    total, last = 0.0, math.inf
    for value, unit in parts:
        size = _UNITS.get(unit)
        if size is None or size >= last:  # an unknown unit, a missing one, or not large to small
            return None
        total, last = total + value * size, size
    return total


def _cache_delay_check(cache_ttl: int, asked_before: int) -> Callable[[Any], Verdict]:
    """When does an API that caches introspection answers first refuse a revoked token?"""
    delay = cache_ttl - asked_before

    @_safe
    def check(answer: Any) -> Verdict:
        seconds = _seconds(answer)
        if seconds is None:
            return Verdict(False, "give a number of seconds, e.g. 25")
        if seconds == delay:
            return Verdict(True, f"the cached 'active' answer was already {asked_before} s old, so "
                                 f"the API believes it {cache_ttl} - {asked_before} = {delay} s "
                                 "longer; then it asks again and hears 'not active' (RFC 7662 §4)")
        if seconds == delay + 1:
            return Verdict(False, "one second too late: the cached answer runs out exactly "
                                  f"{cache_ttl} s after the API asked, and it asks again at "
                                  "that moment")
        if seconds == cache_ttl:
            return Verdict(False, f"the {cache_ttl} s count from when the API asked, which was "
                                  f"{asked_before} s before the revocation")
        if seconds == 0:
            return Verdict(False, "that is a denylist, or introspection without a cache; this "
                                  "API trusts its cached answer for a while")
        return Verdict(False, "count from the moment the API last asked: its answer is kept "
                              f"for {cache_ttl} s")
    return check


# -- goal labs: the learner makes it happen, the box checks the result ------------------------------

@_safe
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
    from ..authserver.revocation import own_access_token  # the course stands on the actors

    now = auth.clock.time()
    if own_access_token(auth.issuance, token, now, check_lifetime=False) is None:
        return None
    return auth.introspection.active_access_token(token, now) is not None


@_safe
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


# -- 07: scopes -----------------------------------------------------------------------------------

EXERCISES: dict[str, Exercise] = {e.key: e for e in [
    Exercise(
        "bearer-header", "01",
        "Write the value of the Authorization header that sends the access token `token`.",
        check_authorization_header,
        "f'Bearer {token}' — the scheme Bearer, a space, the whole token (RFC 6750 §2.1).",
        hint="The scheme comes first, then a space, then the token."),
    Exercise(
        "leaked-key-lifetime", "02",
        "An API key leaks into a public repository. For how long can an attacker use it?",
        _choice("until someone revokes it", {
            "until someone revokes it": "an API key has no expiry; it works until it is revoked",
            "5 minutes": "that is an access token's lifetime; a key has none",
            "until the next login": "keys are not tied to logins",
            "not at all, the server stores only a hash": "the hash protects the server's "
            "database; the leaked key itself still works"}),
        "Until someone revokes it: a static key carries no expiry.",
        choices=("5 minutes", "until the next login", "until someone revokes it",
                 "not at all, the server stores only a hash")),
    Exercise(
        "station-token", "03",
        "A weather station uploads its readings (POST /weather) and never reads the forecast. Get "
        "it a token with the smallest scope that does its job, and check it.",
        check_station_token,
        "auth.client_credentials(app.client_id, app.client_secret, "
        "scope='weather:write').access_token",
        hint="Which route does an upload use, and what does that route need? Nothing more."),
    Exercise(
        "pkce-pair", "04",
        "Make a PKCE code_verifier and compute its S256 code_challenge yourself.",
        check_pkce_pair,
        "import base64, hashlib; my_verifier = make_verifier(); "
        "my_challenge = base64.urlsafe_b64encode("
        "hashlib.sha256(my_verifier.encode('ascii')).digest()).rstrip(b'=').decode('ascii')",
        hint="RFC 7636 §4.2: challenge = BASE64URL(SHA256(verifier)), with no '=' padding."),
    Exercise(
        "safe-storage", "04",
        "Where should a browser app keep tokens so that an injected script cannot read them?",
        _choice("an httpOnly cookie set by a backend-for-frontend", {
            "an httpOnly cookie set by a backend-for-frontend": "the script cannot read an "
            "httpOnly cookie; the backend holds the tokens",
            "localStorage": "any script on the page reads localStorage",
            "sessionStorage": "any script on the page reads sessionStorage too",
            "a cookie without httpOnly": "document.cookie gives it to any script"}),
        "An httpOnly, Secure, SameSite cookie from a backend-for-frontend; in-memory is next best.",
        choices=("localStorage", "sessionStorage", "a cookie without httpOnly",
                 "an httpOnly cookie set by a backend-for-frontend")),
    Exercise(
        "expiry-boundary", "05",
        "Another server: its tokens live 600 s, and its API allows 45 s of leeway. How many "
        "seconds after a token was issued does that API first refuse it?",
        _expiry_check(600, 45), "645 (10 min 45 s): refused on or after exp + leeway "
        "(RFC 7519 §4.1.4).",
        hint="On or after, not after."),
    Exercise(
        "stateless-revocation", "06",
        "Which revocation mode lets a revoked JWT through until it expires?",
        _choice("none", {
            "none": "a purely stateless API never learns about the revocation",
            "denylist": "the denylist refuses it at once — at the price of shared state",
            "introspect": "introspection refuses it once the cached answer runs out"}),
        "'none': stateless verification knows nothing of revocations.",
        choices=("none", "denylist", "introspect")),
    Exercise(
        "status-codes", "07",
        "GET /weather needs weather:read, POST /weather needs weather:write. In order, what does "
        "the API answer to (1) POST /weather with a fresh token granting weather:read; (2) GET "
        "/weather with a token granting both scopes whose exp passed a minute ago; (3) GET "
        "/weather with a fresh token granting both?",
        _choice("403, 401, 200", {
            "403, 401, 200": "(1) a valid token without the scope: 403 insufficient_scope; (2) an "
            "expired token is invalid whatever it grants: 401 invalid_token, judged before any "
            "scope (RFC 6750 §3.1); (3) valid and sufficient: 200",
            "403, 403, 200": "(2) is not about scope: an expired token is invalid, 401, whatever "
            "scopes it carries",
            "401, 401, 200": "(1) is a valid token: the API trusts it and refuses only the "
            "action — 403, not 401",
            "401, 403, 200": "both swapped: 401 means the token itself is bad, 403 that a valid "
            "token lacks the scope"}),
        "403, 401, 200: validity first (401), then scope (403) — RFC 6750 §3.1.",
        choices=("401, 401, 200", "403, 401, 200", "403, 403, 200", "401, 403, 200")),
    Exercise(
        "revoked-but-accepted", "06",
        "Goal lab: get a 200 from the stateless API with a token you revoked.",
        check_revoked_but_accepted,
        "lab_web.login('bob', 'swordfish and chips'); my_token = lab_web.access_token; "
        "lab_web.logout()",
        hint="Keep a copy of the access token before the app logs out and forgets it."),
    Exercise(
        "401-not-403", "07",
        "Goal lab: make the API answer POST /weather with 401, not 403.",
        check_401_not_403,
        "old = reader.access_token; clock.advance(300); my_response = api.handle(Request.post("
        "'https://api.example/weather', {'city': 'Oslo'}, {'Authorization': f'Bearer {old}'}))",
        hint="403 judges the scope of a good token; what makes a token not good at all?"),
    Exercise(
        "refresh-family-expiry", "05",
        "Alice logs in at 09:00. Access tokens live 5 minutes; the authorization server has "
        "refresh_ttl = 8 hours and rotates refresh tokens; the app refreshes every 5 minutes "
        "all day. When must Alice log in again?",
        _choice("at 17:00, 8 hours after she logged in", {
            "at 17:00, 8 hours after she logged in": "every rotated refresh token inherits "
            "the family's absolute expiry, set at the login: rotation never extends it",
            "at 09:05, when her first access token expires": "that is what the refresh token "
            "is for: the app gets a new access token without her",
            "8 hours after the app's last refresh": "that would be a sliding expiry; here each "
            "new refresh token carries the expiry of the login, not a fresh one",
            "never, as long as the app keeps refreshing": "then a stolen refresh token could "
            "be kept alive forever too; the family ends 8 hours after the login"}),
        "At 17:00: the family's absolute expiry is login + refresh_ttl; rotation never extends it.",
        hint="Introspect two successive refresh tokens of one login and compare their exp.",
        choices=("at 09:05, when her first access token expires",
                 "at 17:00, 8 hours after she logged in",
                 "8 hours after the app's last refresh",
                 "never, as long as the app keeps refreshing")),
    Exercise(
        "introspection-cache-delay", "06",
        "An API caches introspection answers for 60 s. It last asked about a token 20 s before "
        "the user logged out, which revoked the token. How many seconds after the revocation "
        "does the API first refuse the token?",
        _cache_delay_check(60, 20),
        "40: the cached answer was 20 s old at the revocation and is kept 60 s in all.",
        hint="The 60 s start when the API asked, not when the token was revoked."),
    Exercise(
        "query-token-leak", "01",
        "An app sends its access token in the URL, as ?access_token=..., over HTTPS. Where can a "
        "copy of the token end up?",
        _choice("in access logs, proxies, browser history and Referer headers", {
            "in access logs, proxies, browser history and Referer headers": "a URL is written "
            "down wherever requests are handled or remembered; the header is not (RFC 6750 §2.3, "
            "RFC 9110 §17.9)",
            "only at the API that receives the request": "the web server and every proxy in front "
            "of the API log the request line, query included, and a browser keeps the URL in its "
            "history",
            "nowhere: HTTPS encrypts the whole URL": "HTTPS hides the URL from the network, but "
            "every endpoint that handles the request reads it in clear text and may log it",
            "nowhere: the API removes the token before logging": "the access log is written by the "
            "web server or proxy from the request line; the API's own code has no say in it"}),
        "In access logs, proxies, browser history and Referer headers: send it in the "
        "Authorization header instead (RFC 6750 §2.1).",
        hint="Who reads a URL besides the API? Think of the server's log files and of a browser.",
        choices=("only at the API that receives the request",
                 "nowhere: HTTPS encrypts the whole URL",
                 "in access logs, proxies, browser history and Referer headers",
                 "nowhere: the API removes the token before logging")),
    Exercise(
        "stateless-jwt-leak", "02",
        "A JWT access token valid for 30 days leaks. The API verifies tokens statelessly "
        "(signature and claims, no denylist). After an hour the owner notices and revokes the "
        "token at the authorization server. For how long can the attacker use it?",
        _choice("until its exp, 30 days after it was issued", {
            "until its exp, 30 days after it was issued": "the stateless API never hears of the "
            "revocation: a long-lived bearer JWT leaks like an API key (RFC 7009 §3)",
            "one hour, until the revocation": "that is what an API with a denylist or "
            "introspection does; this one checks only the signature and the claims",
            "5 minutes": "that is the course server's default access_ttl; this token was issued "
            "for 30 days",
            "not at all: the token is signed": "the signature proves who issued the token, not "
            "who holds it: a bearer token works for whoever has a copy (RFC 6750 §1.2)"}),
        "Until exp, 30 days after issue: revocation only works where the API consults state "
        "(a denylist, or introspection).",
        hint="What does a stateless API look at when it verifies a token?",
        choices=("5 minutes", "one hour, until the revocation",
                 "until its exp, 30 days after it was issued",
                 "not at all: the token is signed")),
]}


def exercise(key: str) -> Exercise:
    """The exercise named ``key``; a clear error for an unknown one."""
    try:
        return EXERCISES[key]
    except KeyError:
        raise KeyError(f"no exercise {key!r}; known: {', '.join(sorted(EXERCISES))}") from None


def for_notebook(notebook: str) -> list[Exercise]:
    """The exercises of notebook ``"01"`` … ``"07"``, in order."""
    return [e for e in EXERCISES.values() if e.notebook == notebook]
