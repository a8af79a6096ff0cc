"""Notebook 09, replay: whether a ``jti`` check on the access token stops a replayed request, which
check of RFC 9449 §4.3 refuses each way of replaying a captured DPoP request (checked against
what the API really answers), and a goal lab: a proof of your own that the API accepts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ...errors import InvalidDPoPProofError, TokenError, UseDPoPNonceError
from ...jose.dpop_verify import CHECKS
from ...net.messages import Request
from .model import Exercise, Verdict, choice, safe

__all__ = ["EXERCISES", "REPLAY_NAMES"]

# -- the replay lab: one captured request, replayed five ways ------------------------------------

#: Why each wrong check does not refuse a replay, replay → {check named: why not}.
_WHY_NOT: dict[str, dict[str, str]] = {
    "again": {
        "iat": "the proof is seconds old, well inside the 60 s its iat allows; a window alone "
               "lets a replay through, only the replay cache (RFC 9449 §11.1) remembers it",
        "signature": "nothing was changed, so the signature still verifies",
        "jkt": "the proof was signed by the app's own key, the one the token is bound to",
        "htm": "the method is the one the proof was made for",
        "htu": "the URL is the one the proof was made for",
        "ath": "the token is the one the proof was made with",
        "nonce": "this API asks for no nonce",
    },
    "as POST": {
        "jti": "the replay cache would refuse it too, but the method is checked first: the "
               "proof says htm GET, and this is a POST (RFC 9449 §4.3 item 8)",
        "htu": "the URL is the same; only the method changed",
        "iat": "the proof is seconds old, inside the window",
        "signature": "nothing in the proof was changed, so its signature verifies",
        "jkt": "the proof was signed by the app's own key",
    },
    "to /me": {
        "jti": "the replay cache keeps a jti for the URL it was used at (RFC 9449 §11.1): this "
               "one was never used at /me, so only htu can refuse it (§4.3 item 9)",
        "htm": "the method is still GET, as in the proof",
        "iat": "the proof is seconds old, inside the window",
        "signature": "nothing in the proof was changed, so its signature verifies",
        "jkt": "the proof was signed by the app's own key",
    },
    "own key": {
        "signature": "the signature is valid: the attacker signed it with their own key and put "
                     "that key in jwk; what fails is that the token is bound to another key",
        "ath": "ath is just the SHA-256 of the token, and the attacker holds the token: anyone "
               "can compute it",
        "jti": "the attacker drew a fresh jti, never seen before",
        "iat": "the attacker made it just now",
        "htm": "the attacker made it for the right method",
        "htu": "the attacker made it for the right URL",
    },
    "2 min later": {
        "jti": "the replay cache keeps a jti only while its proof could still pass the iat check "
               "(60 s): two minutes on it has forgotten it — iat refuses the proof as too old",
        "signature": "nothing was changed, so the signature still verifies",
        "jkt": "the proof was signed by the app's own key",
        "htm": "the method is the one the proof was made for",
        "htu": "the URL is the one the proof was made for",
    },
}
_CHECK_WORD = re.compile(r"[a-z_]+")
#: The lab's replays, in the order of its table (tokenlab.scenarios.replay.REPLAY_WAYS).
REPLAY_NAMES = tuple(_WHY_NOT)


def _answers(answer: Any) -> dict[str, str] | str:
    """The learner's checks per replay, from a dict {replay: check}, a list in the order of
    :data:`REPLAY_NAMES`, or text such as ``"jti, htm, htu, jkt, iat"``; else what to type."""
    how = ("name one check per replay, in the order of the replays table, as five names from "
           "the workbench table separated by commas, e.g. 'signature, alg, typ, nonce, claims'")
    if isinstance(answer, dict):
        if set(answer) != set(REPLAY_NAMES):
            return f"give a check for each of the replays {', '.join(map(repr, REPLAY_NAMES))}"
        items = [answer[name] for name in REPLAY_NAMES]
    elif isinstance(answer, list | tuple):
        items = list(answer)
    elif isinstance(answer, str):
        items = [w for w in re.split(r"[\s,;/]+", answer.strip()) if w]
    else:
        return how
    if len(items) != len(REPLAY_NAMES) or not all(isinstance(i, str) for i in items):
        return f"there are {len(REPLAY_NAMES)} replays: {how}"
    named = [i.strip().lower().strip("'\"`.") for i in items]
    unknown = [i for i in named if i not in CHECKS]
    if unknown:
        return (f"{unknown[0]!r} is not one of the checks; they are {', '.join(CHECKS)} "
                "(the names in the workbench table)")
    return dict(zip(REPLAY_NAMES, named, strict=True))


@safe
def check_which_check(answer: Any, world: Any, refused_by: Callable[[int, str], str]) -> Verdict:
    """09: which check of RFC 9449 §4.3 refuses each replay — compared with what the API answers
    in a fresh copy of the learner's lab world (``refused_by(seed, replay)``, the notebook's
    :func:`tokenlab.scenarios.replay.refused_by`: the course does not import the scenarios)."""
    given = _answers(answer)
    if isinstance(given, str):
        return Verdict(False, given)
    seed = world.seed
    wrong = []
    for name, named in given.items():
        real = refused_by(seed, name)
        if named != real:
            why = _WHY_NOT[name].get(named, f"the API does not refuse it by {named}")
            wrong.append(f"{name!r}: not {named} — {why}")
    if wrong:
        return Verdict(False, f"{len(wrong)} of {len(REPLAY_NAMES)} not yet. " + "; ".join(wrong))
    return Verdict(True, "jti for the same request again (the replay cache, RFC 9449 §11.1); htm "
                         "and htu for the proof moved to another method or URL (§4.3 items 8, "
                         "9); jkt for a proof by another key than the token's cnf.jkt (§4.3 "
                         "item 12, §7.1); iat once the proof is older than the window (§11.1), "
                         "when the replay cache has forgotten it")


@safe
def check_own_proof(answer: Any, world: Any) -> Verdict:
    """09 goal lab: a DPoP proof that makes the lab's API accept the app's token for
    ``GET /weather`` — sent to the API, which judges it."""
    if not isinstance(answer, str) or answer.count(".") != 2:
        return Verdict(False, "give the proof itself: a JWT (two dots), the string "
                              "lab.app.dpop_key.proof(...) returns")
    token = world.app.access_token
    url = world.api.audience.rstrip("/") + "/weather"
    n = len(world.wire)
    world.api.handle(Request.get(url, {"Authorization": f"DPoP {token}", "DPoP": answer}),
                     sender="you")
    event = world.wire.events[n]
    if event.status == 200:
        return Verdict(True, "the API checked every item of RFC 9449 §4.3 — your key is the one "
                             "the token is bound to, htm GET, htu the URL, a fresh iat and jti, "
                             "ath the token's hash — and answered 200. Send it again and the "
                             "replay cache refuses it")
    refused = event.outcome
    try:  # the same request again, to learn the check by name: a refused proof left no trace
        world.api.verify_dpop(token, {"DPoP": answer}, "GET", url)
        check = ""
    except InvalidDPoPProofError as err:
        check = err.check
    except UseDPoPNonceError:
        check = "nonce"
    except TokenError:
        check = ""
    tips = {"ath": "pass access_token=lab.app.access_token, so the proof carries its hash (ath)",
            "htu": "make it for the URL of this request, http://api.example/weather",
            "htm": "make it for the method of this request, GET",
            "jti": "the API has taken that proof once already: make a new one",
            "iat": "make it now: now=lab.clock.time()",
            "jkt": "sign it with the app's key, lab.app.dpop_key",
            "signature": "sign it with the app's key, lab.app.dpop_key, and send it unchanged"}
    tip = tips.get(check, "make it with lab.app.dpop_key.proof(...), as the hint says")
    return Verdict(False, f"the API answered {refused} — {tip}")


EXERCISES = (
    Exercise(
        "jti-check-replay", "09", "predict",
        "The API now looks up the access token's jti on every request (the article's 'unique "
        "identifier in each token'). The attacker sends the captured request again, byte for "
        "byte. What does the API answer?",
        choice("200: the replay works", {
            "200: the replay works":
                "the jti names the token, not the request: the replay carries the same token, "
                "so the same jti, as every call of Alice's app does until exp. Nothing revoked "
                "it, so the lookup finds nothing to refuse",
            "401: this jti was already used":
                "that would need a rule 'each jti once' — and Alice's app sends the same token, "
                "so the same jti, with every call: such a rule would refuse Alice's second "
                "request. The API does not refuse a token for being used twice",
            "401: the jti is on the denylist":
                "only a revoked token's jti goes on the denylist, and nobody revoked this one: "
                "nobody noticed the theft",
            "401: the signature does not match a copied request":
                "a copy byte for byte carries the same token with the same signature; a "
                "signature says who made the token, not who sends it"}),
        "A jti in a bearer token identifies the token (RFC 7519 §4.1.7). It cannot tell Alice's "
        "next request from the attacker's copy of her last one: both carry the same token.",
        answer="200: the replay works",
        choices=("401: this jti was already used", "401: the jti is on the denylist",
                 "200: the replay works", "401: the signature does not match a copied request")),
    Exercise(
        "which-check-stops-it", "09", "reason",
        "The attacker replays the captured DPoP request in the five ways of the table. For each, "
        "which check refuses it? Answer with five check names in the order of the replays "
        "table, e.g. 'signature, alg, typ, nonce, claims'.",
        check_which_check,
        "The replay cache catches the exact copy; htm and htu catch a proof moved to another "
        "request; jkt catches a proof by any other key; iat ends every proof after 60 s, which "
        "is also how long the replay cache has to remember it.",
        answer="jti, htm, htu, jkt, iat",
        hint="The API runs the checks in the order of the workbench table and names the first "
             "that fails. The replay cache remembers a jti per URL, and only while its proof "
             "could pass the iat check."),
    Exercise(
        "make-a-proof", "09", "goal lab",
        "Goal lab: you are the app. With its key, lab.app.dpop_key, make a DPoP proof for GET "
        "http://api.example/weather that the API accepts with the app's token.",
        check_own_proof,
        "A proof is made for one request: its method and URL, the time, a fresh jti and the "
        "token's hash (ath), signed by the key the token is bound to.",
        code='my_proof = lab.app.dpop_key.proof("GET", "http://api.example/weather",\n'
             '                                  now=lab.clock.time(),\n'
             '                                  access_token=lab.app.access_token)\nmy_proof',
        hint="DPoPKey.proof(method, url, now=..., access_token=...); the key has no clock of "
             "its own here, so give it now=lab.clock.time()."),
)
