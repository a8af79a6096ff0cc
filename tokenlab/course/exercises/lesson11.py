"""Notebook 11, the secure-setup checklist: a prediction (an XSS on the typical setup), the
article's advice on storage corrected, and the goal lab — fix the careless setup until the
checklist passes, checked on the learner's own objects (the checklist, a working API call, and
the attacks of 08-10 re-run against them).
"""

from __future__ import annotations

from typing import Any

from ...api.server import ResourceServer
from ...authserver.server import AuthServer
from ...client.app import Client
from ..attempts import (
    forge_with_cracked_secret,
    replay_leaked_token,
    sniff_plain_http,
    steal_with_xss,
)
from ..checklist import Checklist
from ..setups import Setup, is_prepared
from .model import Exercise, Verdict, choice, safe

__all__ = ["EXERCISES", "check_fixed_setup"]

_XSS_RIGHT = "200: a bearer token works for whoever presents it"
_XSS = {
    _XSS_RIGHT: (
        "nothing in a bearer token says who may present it (RFC 6750 §1.2). HTTPS, the "
        "hardened verifier and the denylist all pass: the token is genuine, unexpired and not "
        "revoked. Only the storage (a script cannot read it) or a binding to the app's key "
        "(DPoP, RFC 9449) stops this theft."),
    "401: the denylist knows the token was stolen": (
        "the denylist holds revoked tokens only, and nobody revoked this one: nobody has noticed "
        "the theft yet. Revocation ends a theft once it is found, not before."),
    "401: the hardened verifier sees that another machine sends it": (
        "the verifier checks the token — its signature, typ, iss, aud, exp — never who sends it. "
        "A bearer token carries no proof of its sender; a DPoP-bound token does (RFC 9449 §7)."),
    "403: the token was issued to the app, not to the attacker": (
        "the client_id claim names the app the token was issued to, but the API cannot see "
        "which program presents it: the attacker sends the same bytes the app would."),
}

_STORAGE_RIGHT = ("a backend-for-frontend keeps the tokens; the browser holds only an HttpOnly, "
                  "Secure, SameSite cookie")
_STORAGE = {
    _STORAGE_RIGHT: (
        "the tokens never reach the browser, so no script can read them; the cookie is "
        "HttpOnly (no script reads it either), Secure (HTTPS only) and SameSite (not sent by "
        "other sites' pages). This is the backend-for-frontend of the draft 'OAuth 2.0 for "
        "Browser-Based Apps'. There is no 'OAuth 2.0 browser storage', as the article says."),
    "sessionStorage: it is cleared when the tab closes": (
        "sessionStorage is cleared sooner, but while the tab is open any script on the page "
        "reads it exactly like localStorage: an XSS steals the tokens all the same."),
    "localStorage, encrypted with a key kept in the app's JavaScript": (
        "the injected script runs in the same page as the app's code: it reads the key too, or "
        "simply calls the app's decrypt function. Encryption in the page moves the problem."),
    "a cookie holding the access token, readable by the app's script": (
        "readable by the app's script means readable by an injected script: XSS takes it. And "
        "the browser sends that cookie by itself, so RFC 6750 §5.3 warns against bearer tokens "
        "in cookies (cross-site request forgery)."),
}

def _sentence(reason: str) -> str:
    """A reason as a sentence of its own (the verdict puts it after "Right: ")."""
    return reason[:1].upper() + reason[1:]


_ATTACKS = (steal_with_xss, sniff_plain_http, replay_leaked_token, forge_with_cracked_secret)


def _actors(answer: Any) -> tuple[AuthServer, ResourceServer, Client] | str:
    """The learner's ``(auth, api, client)``, or the reason it is not one."""
    if isinstance(answer, Setup):
        answer = answer.actors
    if isinstance(answer, str):
        return ("the field cannot hold Python objects: in the cell above this box, set "
                "my_fixed = (my_auth, my_api, my_client), then run this cell again: it checks "
                "my_fixed")
    if not isinstance(answer, tuple | list) or len(answer) != 3:
        return ("give your three objects as a tuple: (my_auth, my_api, my_client) — an "
                "AuthServer, a ResourceServer and a Client")
    auth, api, client = answer
    for value, kind in ((auth, AuthServer), (api, ResourceServer), (client, Client)):
        if not isinstance(value, kind):
            return (f"the tuple holds a {type(value).__name__} where a {kind.__name__} belongs: "
                    "give (my_auth, my_api, my_client), in that order")
    return auth, api, client


@safe
def check_fixed_setup(answer: Any) -> Verdict:
    """11: the learner's own (auth, api, client), made from the careless recipe: every check of
    the checklist passes, the app gets its forecast, and the attacks of 08-10 fail."""
    actors = _actors(answer)
    if isinstance(actors, str):
        return Verdict(False, actors)
    auth, api, client = actors
    try:
        result = Checklist(auth, api, client).run()
    except ValueError as exc:
        return Verdict(False, str(exc))
    if not result.passed:
        first = result.failures[0]
        more = len(result.failures) - 1
        return Verdict(False, f"{len(result.failures)} check(s) still fail. First: "
                              f"{first.name} — {first.reason}. Fix: {first.fix}"
                              + (f" ({more} more: print Checklist(...).run())" if more else ""))
    if is_prepared(auth):
        return Verdict(False, "that is a prepared setup; build your own from the careless "
                              "recipe, changing the settings the checklist names")
    if not client.logged_in:
        return Verdict(False, "every check passes, but the app is not logged in: run "
                              "my_client.login('alice', 'correct horse battery staple')")
    response = client.get("/weather")
    if response.status != 200:
        return Verdict(False, f"every check passes, but the app's own call was refused "
                              f"({response.status} {response.reason}): a setup must still work "
                              f"for the app — {client.last_error or 'log it in again'}")
    worked = [a for a in (attack(auth, api, client) for attack in _ATTACKS) if a.worked]
    if worked:
        return Verdict(False, f"the checks pass, yet an attack still works: {worked[0].text()}")
    return Verdict(True, f"all {len(result.rows)} checks pass, the app gets its forecast, and "
                         "the XSS theft, the plain-HTTP capture, the leaked token and the "
                         "cracked-secret forgery all fail against your setup")


EXERCISES = (
    Exercise(
        key="typical-xss",
        notebook="11",
        kind="predict",
        prompt=("The typical setup passes HTTPS, the hardened verifier and the denylist. An "
                "injected script reads its access token from localStorage; the attacker calls "
                "the API with it from their own machine. What does the API answer?"),
        choices=tuple(_XSS),
        check=choice(_XSS_RIGHT, _XSS),
        answer=_XSS_RIGHT,
        explanation=_sentence(_XSS[_XSS_RIGHT]),
        hint="What does the API check: the token, or who sends it?",
    ),
    Exercise(
        key="instead-of-localstorage",
        notebook="11",
        kind="reason",
        prompt=("The article says never to keep tokens in local storage, and to use 'OAuth 2.0's "
                "browser storage' instead. What should a browser app do instead?"),
        choices=tuple(_STORAGE),
        check=choice(_STORAGE_RIGHT, _STORAGE),
        answer=_STORAGE_RIGHT,
        explanation=_sentence(_STORAGE[_STORAGE_RIGHT]),
        hint="Where can an injected script not reach: which storage, or which machine?",
    ),
    Exercise(
        key="fix-the-careless-setup",
        notebook="11",
        kind="goal lab",
        prompt=("Change the careless recipe's settings until every check passes, with the app "
                "logged in. Then set my_fixed = (my_auth, my_api, my_client) in the cell above "
                "and run this cell: it checks your objects (they cannot be typed in the field)."),
        check=check_fixed_setup,
        code=(
            "clock = SimClock()\n"
            "my_auth = AuthServer(ISSUER, clock=clock, seed=12, access_ttl=300,\n"
            "                     store=durable_store(clock))\n"
            "my_api = ResourceServer(API, my_auth, dpop='required')\n"
            "my_auth.register_user(USERNAME, PASSWORD)\n"
            "my_app = my_auth.register_client('weather-app', ['weather:read'],\n"
            "                                 redirect_uris=[CALLBACK])\n"
            "my_client = Client(my_auth, my_app, my_api, grant='authorization_code',\n"
            "                   storage='cookie', dpop=True)\n"
            "my_client.login(USERNAME, PASSWORD)\n"
            "(my_auth, my_api, my_client)"),
        explanation=(
            "One setting per failed check: an https API; access_ttl=300; rotation back on (the "
            "default); the default EdDSA key instead of the weak secret, and no policy switch; "
            "the token in the header; a cookie to a backend-for-frontend; DPoP on both sides; "
            "the denylist (the default); a durable store; a fresh key; the code flow with PKCE."),
        hint="Work down the fix column: each failed row names the setting to change.",
    ),
)
