"""Notebook 08, a stolen token: when an introspecting API first refuses a stolen token, who a
spent refresh token locks out, what a short TTL does to a theft, and a goal lab on the exposure
Monte Carlo (the simulator is passed in: the course does not import the attacker's layer)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ...clock import format_duration
from .model import SECONDS_EXAMPLES, Exercise, Verdict, choice, safe, seconds

#: The stolen-access-token story's timings (tokenlab.scenarios.theft; a test keeps them equal):
#: Alice's call comes THEFT_AFTER s before the theft, the revocation DETECT_AFTER s after it, the
#: attacker tries every INTERVAL s, and the introspecting API keeps an answer CACHE_TTL s.
THEFT_AFTER, DETECT_AFTER, INTERVAL, CACHE_TTL = 30, 60, 30, 120
#: The access token's lifetime in that story (the authorization server's default), s.
ACCESS_TTL = 300


def _first_refusal() -> float:
    """Seconds from the theft to the attacker's first refused try at the introspecting API: the
    answer cached at Alice's call runs out CACHE_TTL - THEFT_AFTER s after the theft; the
    attacker tries at 0, at the revocation and every INTERVAL s after it."""
    expires = CACHE_TTL - THEFT_AFTER
    t = float(DETECT_AFTER)
    while t < expires:
        t += INTERVAL
    return t


def _after_theft(answer: Any) -> float | None:
    """Seconds after the theft as a person types them, also as the notebook writes times:
    ``"+1 min 30 s"`` (one leading ``+``)."""
    if isinstance(answer, str) and answer.strip().startswith("+"):
        answer = answer.strip()[1:]
        if answer.lstrip().startswith(("+", "-")):
            return None
    return seconds(answer)


@safe
def check_first_refusal(answer: Any) -> Verdict:
    value = _after_theft(answer)
    if value is None:
        return Verdict(False, f"I expected {SECONDS_EXAMPLES}, counted from the theft "
                              "('+90 s' too)")
    right = _first_refusal()
    if value == right:
        return Verdict(True, f"the API asked at Alice's call, {THEFT_AFTER} s before the theft, "
                             f"and trusts that 'active' for {CACHE_TTL} s: until "
                             f"+{format_duration(CACHE_TTL - THEFT_AFTER)}. The attacker's try at "
                             f"+{format_duration(right)} is the first after it: the API asks "
                             "again and hears 'not active' (RFC 7662 §4)")
    if value == DETECT_AFTER:
        return Verdict(False, "that is the denylist, which hears of the revocation at once; this "
                              "API trusts its cached 'active' until it runs out")
    if value == CACHE_TTL:
        return Verdict(False, "the cache did not start at the theft: the attacker's first request "
                              f"found the answer cached at Alice's call, {THEFT_AFTER} s earlier, so "
                              "the API did not ask again")
    if value == DETECT_AFTER + CACHE_TTL:
        return Verdict(False, f"that counts {CACHE_TTL} s from the revocation; the cache counts "
                              "from when the API last asked, which was before the theft")
    if value == ACCESS_TTL - THEFT_AFTER:
        return Verdict(False, "that is exp, where a stateless API first refuses; this one asks "
                              "again once its cached answer runs out")
    if value == 0:
        return Verdict(False, "refused from the first try: that is DPoP; a bearer token works "
                              "until something refuses it")
    if value == right - DETECT_AFTER:
        return Verdict(False, "that is the delay after the revocation; the question counts from "
                              "the theft")
    if value % INTERVAL:
        return Verdict(False, f"the attacker tries at 0, then every {INTERVAL} s from "
                              f"the revocation at +{format_duration(DETECT_AFTER)}: the refusal "
                              "comes at one of those tries")
    return Verdict(False, "count from the moment the API last asked the authorization server: "
                          f"its answer is kept {CACHE_TTL} s")


# -- the goal lab: a TTL and a revocation mode under an exposure budget -----------------------------

#: The fixed model of the goal lab: a theft at a uniform moment of the token's life, detected
#: after an exponential delay with this mean (s); this many thefts, this seed.
GOAL_DETECTION_MEAN = 120
GOAL_THEFTS = 1_000_000
GOAL_SEED = 8
#: The budget: the median window must be under this many seconds.
GOAL_LIMIT = 60.0
#: A median this close to the limit is the limit itself (the thefts' randomness moves it about
#: 0.06 s at a million thefts); it does not count as under.
ON_THE_LIMIT = 0.25
#: The answers' stops: the ExposureExplorer's sliders (a test keeps them equal).
TTL_STOPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400)
CACHE_STOPS = (0, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
_MODES = {"none": "none", "stateless": "none", "denylist": "denylist",
          "introspect": "introspect", "introspection": "introspect"}
_FORMAT = ("give (ttl, mode, cache_ttl), e.g. (600, 'introspect', 30), or type "
           "'600, introspect, 30'; cache_ttl may be left out for none and denylist")


def _stops(values: tuple[int, ...]) -> str:
    return ", ".join(format_duration(v) for v in values)


def _parse_budget(answer: Any) -> tuple[int, str, int] | str:
    """``(ttl, mode, cache)`` from what a person gives, or the reason it cannot be read."""
    if isinstance(answer, str):
        if len(answer) > 200:
            return _FORMAT
        parts: list[Any] = [p.strip() for p in answer.split(",")]
    elif isinstance(answer, tuple | list):
        parts = list(answer)
    else:
        return _FORMAT
    if len(parts) not in (2, 3):
        return _FORMAT
    ttl = seconds(parts[0])
    if ttl is None or ttl <= 0:
        return f"the TTL first, in seconds (or '5 min'): one of {_stops(TTL_STOPS)}; {_FORMAT}"
    if ttl not in TTL_STOPS:
        return f"pick the TTL from the sliders' stops: {_stops(TTL_STOPS)}"
    mode = parts[1].strip().lower() if isinstance(parts[1], str) else None
    if mode not in _MODES:
        return "the mode is 'none', 'denylist' or 'introspect'"
    mode = _MODES[mode]
    cache = seconds(parts[2]) if len(parts) == 3 else 0.0
    if cache is None or cache < 0:
        return f"cache_ttl is a number of seconds, one of {_stops(CACHE_STOPS)}"
    if cache and mode != "introspect":
        return f"a cache only applies to introspect; with {mode} give 0 (or leave it out)"
    if cache not in CACHE_STOPS:
        return f"pick the cache from the sliders' stops: 0 s, {_stops(CACHE_STOPS[1:])}"
    if cache >= ttl:
        return ("a cache as long as the token's life means the API may never ask again before "
                "exp: no better than none. Choose a cache shorter than the TTL")
    return int(ttl), mode, int(cache)


def _calls(mode: str, cache: int) -> str:
    if mode != "introspect":
        return "no call to the authorization server"
    if cache == 0:
        return "a POST /introspect for every API request"
    return f"up to {3600 / cache:g} calls per active user-hour at POST /introspect"


def _load(ttl: int) -> str:
    return f"{3600 / ttl:g} refreshes per user-hour at the token endpoint"


def _median(value: float) -> str:
    return f"{value:.1f} s" if value < 60 else f"{format_duration(round(value))} ({value:.1f} s)"


@safe
def check_exposure_budget(answer: Any, simulate: Callable[..., Any] | None = None,
                          exponential: Callable[[float], Any] | None = None, *,
                          seed: int = GOAL_SEED) -> Verdict:
    """08 goal lab: ``(ttl, mode, cache_ttl)`` keeping the median exposure under GOAL_LIMIT at
    the lowest load. Runs the Monte Carlo (``simulate`` is
    :func:`tokenlab.attacker.simulate_thefts`, ``exponential`` :class:`~tokenlab.attacker.Exponential`)
    for the answer and for the denylist at each TTL stop, up to the first that misses."""
    if simulate is None or exponential is None:
        return Verdict(False, "this check runs the Monte Carlo: make the box with "
                              "ExerciseBox('exposure-budget', simulate_thefts, Exponential)")
    parsed = _parse_budget(answer)
    if isinstance(parsed, str):
        return Verdict(False, parsed)
    ttl, mode, cache = parsed

    def median(t: int, m: str, c: int) -> float:
        windows = simulate(GOAL_THEFTS, ttl=t, detected_after=exponential(GOAL_DETECTION_MEAN),
                           revocation=m, cache_ttl=c, seed=seed)
        return float(windows.stats.median)

    mine = median(ttl, mode, cache)
    if not math.isfinite(mine):
        return Verdict(False, "the simulation gave no median for that choice")
    told = (f"TTL {format_duration(ttl)}, {mode}" + (f" with a {format_duration(cache)} cache"
                                                      if mode == "introspect" else ""))
    if mine >= GOAL_LIMIT - ON_THE_LIMIT:
        if abs(mine - GOAL_LIMIT) < ON_THE_LIMIT:
            return Verdict(False, f"{told}: median {_median(mine)}, the limit itself, not under "
                                  "it — half the thieves get 60 s or more")
        why = {
            "none": (f"a stateless API never hears of the revocation, so a thief uses what is "
                     f"left of the token's life: half the TTL at the median. Over the 60 s "
                     f"budget — {_load(ttl)} would not save it"),
            "denylist": ("over the 60 s budget: the denylist refuses from the revocation on, "
                         "but a thief stolen early in a long life waits out the detection; a "
                         "shorter TTL cuts those windows"),
            "introspect": (f"over the 60 s budget: after the revocation the API still trusts its "
                           f"cached 'active' for up to {format_duration(cache)}, which adds to "
                           "the detection delay; a shorter cache or TTL, or a denylist, "
                           "brings it down"),
        }[mode]
        return Verdict(False, f"{told}: median {_median(mine)} — {why}")
    best, missed = None, None
    for stop in TTL_STOPS:  # the denylist gives the shortest window a TTL allows: its limit
        found = median(stop, "denylist", 0)
        if found >= GOAL_LIMIT - ON_THE_LIMIT:
            missed = (stop, found)
            break
        best = stop
    if best is not None and ttl < best:
        return Verdict(False, f"{told}: median {_median(mine)}, under the budget, but "
                              f"{_load(ttl)}: a longer TTL can still keep the median under 60 s, "
                              "with fewer refreshes. Which mode lets the TTL grow the most?")
    if mode == "introspect":
        return Verdict(False, f"{told}: median {_median(mine)}, under the budget, at "
                              f"{_load(ttl)} — as low as it gets; but the API costs "
                              f"{_calls(mode, cache)}. A denylist reaches the same TTL with "
                              "none: it reads a store shared with the authorization server")
    if mode == "none":  # under the budget at the longest TTL: only if detection were useless
        return Verdict(True, f"{told}: median {_median(mine)}, {_load(ttl)}")
    beyond = (f"; at {format_duration(missed[0])} the median would be {_median(missed[1])}, over"
              if missed else "")
    return Verdict(True, f"{told}: median {_median(mine)} at {_load(ttl)} and "
                         f"{_calls(mode, cache)}{beyond}. The denylist refuses from the "
                         "revocation on, so a window is the detection delay or what is left of "
                         "the token, whichever is shorter; a stateless API needs a 1 min TTL "
                         "(60 refreshes per user-hour) for the same budget")


_BUDGET_CODE = """\
budget = []
for ttl in (60, 120, 300, 600, 900):
    w = simulate_thefts(1_000_000, ttl=ttl, detected_after=Exponential(120),
                        revocation="denylist", seed=8)
    print(f"TTL {ttl:>4} s, denylist: median window {w.stats.median:.1f} s")
    if w.stats.median < 60:
        budget.append(ttl)
(max(budget), "denylist", 0)"""

EXERCISES = (
    Exercise(
        "introspection-first-refusal", "08", "predict",
        f"The introspecting API keeps each answer {CACHE_TTL} s. Alice's app called it "
        f"{THEFT_AFTER} s before the theft; the attacker uses the token at once, the app revokes "
        f"it {DETECT_AFTER} s after the theft, and from the revocation on the attacker tries "
        f"every {INTERVAL} s until refused. How many seconds after the theft is the attacker "
        "first refused?",
        check_first_refusal,
        "The cached answer is as old as the API's last question, not as the theft or the "
        "revocation: a propagation delay (RFC 7009 §2.1) that ends when the cache does.",
        answer="1 min 30 s",
        hint="When did the API last ask the authorization server about this token?"),
    Exercise(
        "refresh-victim-first", "08", "predict",
        "Rotation with reuse detection. 10 s after the theft Alice's app refreshes with its "
        "refresh token, the one the attacker copied; in the same second, just after it, the "
        "attacker presents the copy. What happens?",
        choice("the attacker is refused, and Alice's app is locked out too", {
            "the attacker is refused, and Alice's app is locked out too":
                "the copy was already spent, so the server sees a refresh token used twice. It "
                "cannot tell the app from the thief, so it revokes the whole family (RFC 9700 "
                "§4.14.2): Alice's fresh tokens die too, and she logs in again",
            "the attacker is refused; Alice's app carries on":
                "the server cannot tell which of the two is the thief: it sees a spent token "
                "presented again, and revokes the whole family — Alice's new tokens included",
            "the attacker gets a fresh pair: the stolen token has not expired":
                "with rotation a refresh token works once, and Alice's app just spent it: "
                "expiry is not the question",
            "the attacker gets a fresh pair, and Alice's app is locked out":
                "that is the other order, attacker first; here the copy was already spent "
                "when the attacker presented it"}),
        "Reuse detection protects by ending the login for both: the thief's copy and the app's "
        "new tokens. It needs the two to use the same family, which rotation guarantees.",
        answer="the attacker is refused, and Alice's app is locked out too",
        choices=("the attacker is refused; Alice's app carries on",
                 "the attacker gets a fresh pair: the stolen token has not expired",
                 "the attacker is refused, and Alice's app is locked out too",
                 "the attacker gets a fresh pair, and Alice's app is locked out")),
    Exercise(
        "exposure-budget", "08", "goal lab",
        "Goal lab: thefts at a random moment of the token's life, detected after 2 min on "
        "average (exponential). Choose a TTL and a revocation mode, as (ttl, mode, cache_ttl), "
        "that keep the median window under 60 s with the fewest refreshes at the token endpoint "
        "(3600 / TTL per user-hour) — and, at equal refreshes, the fewest introspection calls.",
        check_exposure_budget,
        "The denylist gives the shortest window a TTL allows: min(detection delay, what is left "
        "of the token). Try the TTL stops with it and keep the longest under 60 s. Introspection "
        "adds its cache to every window and costs calls; a stateless API needs a 1 min TTL.",
        code=_BUDGET_CODE,
        hint="For one TTL, which mode refuses soonest after a revocation? Then grow the TTL."),
    Exercise(
        "short-ttl-limits", "08", "reason",
        "The article: shorter expiration times limit the window for unauthorized access. Alice's "
        "access token lives 5 minutes and is stolen; the API is stateless. What does the short "
        "lifetime do to the theft?",
        choice("it limits the theft to what is left of the token's life; until then every "
               "request works", {
                   "it limits the theft to what is left of the token's life; until then every "
                   "request works":
                       "a short lifetime reduces the impact of a leak (RFC 6750 §5.3), it does not "
                       "prevent it: the attacker's requests work until exp. Only a "
                       "sender-constrained token (DPoP, RFC 9449) is useless without its key",
                   "it stops the theft: a token that short is useless to a thief":
                       "in section 2 eight of the attacker's requests worked, over 4 minutes: a "
                       "bearer token works for whoever holds it until exp",
                   "nothing: the attacker simply gets a new token when it expires":
                       "a new access token needs the refresh token; a thief holding only the "
                       "access token is done at exp. The refresh token is the one to guard",
                   "it makes the token useless as soon as it is revoked":
                       "a stateless API never hears of the revocation: only exp ends the theft "
                       "there"}),
        "Expiry bounds a theft; it does not prevent one.",
        answer="it limits the theft to what is left of the token's life; until then every "
               "request works",
        choices=("it stops the theft: a token that short is useless to a thief",
                 "it limits the theft to what is left of the token's life; until then every "
                 "request works",
                 "nothing: the attacker simply gets a new token when it expires",
                 "it makes the token useless as soon as it is revoked")),
)
