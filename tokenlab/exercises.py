"""Exercises with automatic checks: the learner answers, a check says right or wrong and why.

Each :class:`Exercise` has a prompt, a ``check`` that turns any answer into a :class:`Verdict`
(never an exception: an unreadable answer is a wrong answer with a reason), a hint and a solution
revealed on demand. Checks that need the learner's world (a token, an API) take it as arguments.
The widget :class:`tokenlab.widgets.ExerciseBox` shows them in a notebook.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import InsufficientScopeError, TokenError
from .pkce import is_valid_verifier, s256_challenge

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
def check_read_only_token(answer: Any, api: Any) -> Verdict:
    """A token the API accepts for ``weather:read`` and refuses for ``weather:write``."""
    if not isinstance(answer, str) or answer.count(".") != 2:
        return Verdict(False, "give the access token itself (t.access_token), a JWT with two dots")
    try:
        api.verify(answer, scope="weather:read")
    except TokenError as err:
        return Verdict(False, f"the API refuses it for reading: {err}")
    try:
        api.verify(answer, scope="weather:write")
    except InsufficientScopeError:
        return Verdict(True, "it reads but cannot write: ask for the least scope you need")
    except TokenError as err:  # pragma: no cover - the read check passed, so only scope differs
        return Verdict(False, str(err))
    return Verdict(False, "that token can also write; ask for scope='weather:read' only")


# -- 04: PKCE -------------------------------------------------------------------------------------

@_safe
def check_pkce_pair(verifier: Any, challenge: Any) -> Verdict:
    """A code_verifier and its S256 code_challenge (RFC 7636 §4.1, §4.2)."""
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
        seconds = float(str(answer).strip().rstrip("s").strip())
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


# -- 07: scopes -----------------------------------------------------------------------------------

@_safe
def check_scope_for_post_weather(answer: Any) -> Verdict:
    if not isinstance(answer, str) or not answer.strip():
        return Verdict(False, "name one scope, e.g. 'weather:read'")
    scopes = answer.split()
    if scopes == ["weather:write"]:
        return Verdict(True, "changing the forecast needs weather:write, and only that")
    if "weather:write" in scopes:
        return Verdict(False, "weather:write is enough on its own: ask for no more than you need")
    return Verdict(False, f"{answer.strip()!r} does not allow changing the forecast")


EXERCISES: dict[str, Exercise] = {e.key: e for e in [
    Exercise(
        "bearer-header", "01",
        "Write the value of the Authorization header that sends the access token `t`.",
        check_authorization_header,
        "f'Bearer {t}' — the scheme Bearer, one space, the whole token (RFC 6750 §2.1).",
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
        "read-only-token", "03",
        "Get a token that can read the weather but not change it, and check it.",
        check_read_only_token,
        "auth.client_credentials(app.client_id, app.client_secret, scope='weather:read')",
        hint="The scope parameter says what the token may do."),
    Exercise(
        "pkce-pair", "04",
        "Make a PKCE code_verifier and its S256 code_challenge.",
        check_pkce_pair,
        "v = make_verifier(); c = s256_challenge(v)",
        hint="RFC 7636: challenge = BASE64URL(SHA256(verifier))."),
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
        "A token lives 300 s; the API allows 30 s of leeway. How many seconds after it was "
        "issued is it first refused?",
        _expiry_check(300, 30), "330: refused on or after exp + leeway (RFC 7519 §4.1.4).",
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
        "scope-for-write", "07",
        "Which scope must a token carry to call POST /weather?",
        check_scope_for_post_weather, "weather:write",
        hint="Look at the API's routes: api.routes."),
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
