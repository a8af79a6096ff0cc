"""The attack lab's engine: pick an attack and the defences (or the mistakes), run it, and read
what happened — did it work, what stopped it or what let it through, why, and a timeline of the
victim's and the attacker's requests. :class:`tokenlab.widgets.AttackLab` shows it.

>>> outcome = run_attack("stolen access token", ["denylist"])
>>> outcome.worked, outcome.result.window
(True, 0.0)
>>> run_attack("alg none", ["insecure_accept_none"]).let_through
'insecure_accept_none'

Every outcome comes from one walk of the attack's :class:`AttackScenario` (theft, replay or
forgery): the facts are the :class:`AttackResult` read off the wire, the timeline is that wire.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..client.attacker import ATTACKER, LOG_VIEWER
from ..clock import format_duration
from .attack import AttackResult, AttackScenario, attack_result
from .forgery import ATTACKS, HOLDING_WORDS, SWITCHES, check_switches, forgery, opens
from .replay import REPLAY_DEFENCES, replay_captured
from .theft import ACCESS_DEFENCES, REFRESH_CASES, stolen_access_token, stolen_refresh_token

__all__ = ["FAMILIES", "LAB_ATTACKS", "LabAttack", "LabOutcome", "TimelineEntry", "at", "lab_attack",
           "run_attack"]

#: The marker the wire puts on every answer of an API with a mistake switched on.
_INSECURE = re.compile(r"\[(INSECURE: [^\]]*)\]")

#: The kinds of attack in the lab, in the order of the course (08, 09, 10).
FAMILIES = ("theft", "replay", "forgery")

_ACCESS = {
    "TTL alone": (
        "A bearer token works for whoever holds it (RFC 6750 §1.2). The API never asks anybody, "
        "so the revocation changes nothing there: the attacker uses the token until its exp. A "
        "short lifetime limits a theft; it does not stop it."),
    "denylist": (
        "The API reads the authorization server's list of revoked token ids on every request: "
        "from the revocation on, the stolen token is refused. Until someone notices the theft, "
        "it works."),
    "introspection": (
        "The API asks the authorization server whether the token is still active (RFC 7662) "
        "and keeps a yes for 120 s: the revocation reaches it only when that cached answer runs "
        "out — the propagation delay (RFC 7662 §4)."),
    "DPoP": (
        "The token is bound to the app's key (cnf.jkt, RFC 9449 §6.1), and every request needs a "
        "fresh proof signed by that key. The attacker has the token, not the key: it is useless "
        "from the first try (RFC 9449 §7.1)."),
}
_REFRESH = {
    "attacker first": (
        "Rotation with reuse detection (RFC 9700 §4.14.2): the attacker refreshes first and gets "
        "new tokens. When Alice's app sends the old refresh token, the server sees it used "
        "twice and revokes the whole family — the attacker's new access token with it. Alice "
        "logs in again; the attacker is out."),
    "victim first": (
        "Rotation with reuse detection (RFC 9700 §4.14.2): Alice's app refreshes first, so the "
        "attacker's copy is a spent token. Sending it is a reuse: the server revokes the whole "
        "family, and Alice's app is refused too — both are out until she logs in again."),
    "DPoP-bound": (
        "The public app's refresh token is bound to its DPoP key (RFC 9449 §5): the token "
        "endpoint refuses a refresh without a proof signed by that key, and the attacker has "
        "only the token."),
    "rotation off": (
        "Without rotation the refresh token stays the same (RFC 6749 §6 makes a new one "
        "optional): the attacker's copy works alongside the app's, nothing detects the second "
        "user, and only refresh_ttl ends the login."),
}
_REPLAY = {
    "nothing": (
        "A bearer token over plain HTTP: whoever reads the request can send it again, and it "
        "works (RFC 6750 §5.3 — use TLS, and tokens that are bound to their sender)."),
    "jti check": (
        "The API looks up the token's jti. The jti names the token, not the request: the app "
        "sends the same jti with every call, so the replayed request passes like the app's own."),
    "DPoP": (
        "Each request carries a DPoP proof with its own jti, and the API remembers the proofs it "
        "has seen (RFC 9449 §11.1): the captured proof works once — for the app."),
    "DPoP + nonce": (
        "The API also requires its own recent nonce in every proof (RFC 9449 §8, §9): the replay "
        "is refused (the replay cache answers first), and proofs made in advance would be too."),
    "htm binding": (
        "A proof names the method it was made for (htm): the captured GET proof, reused for a "
        "POST, is refused (RFC 9449 §4.3 item 8)."),
    "htu binding": (
        "A proof names the URL it was made for (htu): the captured proof, reused for another "
        "URL, is refused (RFC 9449 §4.3 item 9)."),
}


#: How each forgery is made, from the attacker's own token (or what else they hold).
_HOW = {
    "alg none": "The attacker rewrites the claims (Alice, a wider scope) and sets alg 'none': "
                "no signature at all.",
    "alg nOnE": "As 'alg none', with the name in mixed case, for a check that compares it "
                "case-sensitively with 'none'.",
    "signature stripped": "The attacker rewrites the claims and drops the signature, keeping "
                          "the header that names the real algorithm.",
    "garbage signature": "The attacker rewrites the claims and appends random bytes as the "
                         "signature.",
    "algorithm confusion RS256 to HS256": (
        "The attacker takes the server's RSA public key from the JWKS, as PEM, and uses it as "
        "an HS256 secret: alg HS256, signed with what everybody has."),
    "embedded jwk": "The attacker signs with a key of their own and puts its public half in the "
                    "header (jwk).",
    "jku to the attacker's JWKS": (
        "The attacker signs with a key of their own, publishes its public half on their site, and "
        "points the header's jku there."),
    "kid path traversal to /dev/null": (
        "The attacker sets kid to ../../../../../../dev/null and signs with an empty HS256 key: "
        "what an API that reads the key from a file named by kid would find."),
    "weak HS256 secret cracked": (
        "Offline, the attacker tries every word of a list as the HS256 key of their own token; "
        "the one that fits signs the forged claims."),
    "ID token as access token": "No forgery: Alice's ID token, meant for the app, is presented "
                                "to the API as if it were an access token.",
    "token for another audience": "No forgery: Alice's token for the photos API is presented to "
                                  "the weather API.",
    "token without exp": "No forgery: a service token minted without exp, leaked a year ago, is "
                         "presented to the API.",
}


@dataclass(frozen=True, slots=True)
class LabAttack:
    """One attack of the lab: its ``family``, the ``settings`` to choose from and whether any
    number of them may be on at once (``several``: the forgeries' switches) or exactly one
    (the defences of a theft or a replay), and the ``default`` choice."""

    name: str
    family: str
    settings: tuple[str, ...]
    several: bool
    default: tuple[str, ...]
    summary: str

    def check(self, settings: object) -> tuple[str, ...]:
        """``settings`` as a valid choice for this attack, in the order of :attr:`settings`."""
        if self.several:
            on = check_switches(settings)
            return tuple(s for s in self.settings if s in on)
        if isinstance(settings, str):
            settings = (settings,)
        if not isinstance(settings, Iterable):
            raise TypeError(f"settings must be a list with one defence, such as "
                            f"[{self.settings[0]!r}], not {settings!r}")
        chosen = list(settings)
        if len(chosen) != 1 or chosen[0] not in self.settings:
            raise ValueError(f"{self.name}: choose exactly one defence of "
                             f"{', '.join(self.settings)} (got {chosen!r})")
        return (chosen[0],)


LAB_ATTACKS: tuple[LabAttack, ...] = (
    LabAttack("stolen access token", "theft", ACCESS_DEFENCES, False, ("TTL alone",),
              "an injected script steals Alice's access token; she notices a minute later"),
    LabAttack("stolen refresh token", "theft", REFRESH_CASES, False, ("attacker first",),
              "a refresh token is copied from Alice's device"),
    LabAttack("captured request replayed", "replay", REPLAY_DEFENCES, False, ("nothing",),
              "a request read off plain HTTP is sent again"),
    *(LabAttack(a.name, "forgery", SWITCHES, True, (),
                f"the attacker holds {HOLDING_WORDS[a.holding]}")
      for a in ATTACKS),
)


def lab_attack(name: str) -> LabAttack:
    """The lab's attack called ``name``; a clear error for an unknown one."""
    for attack in LAB_ATTACKS:
        if attack.name == name:
            return attack
    raise ValueError(f"no attack {name!r} in the lab; choose one of "
                     f"{', '.join(a.name for a in LAB_ATTACKS)}")


def at(offset: float) -> str:
    """A time on the lab's timeline: ``+1 min 30 s``, ``-30 s`` (before the theft), ``+0 s``."""
    return f"{'-' if offset < 0 else '+'}{format_duration(abs(offset))}"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One request of the run: seconds from the theft (from the first request when nothing
    is stolen, as in a forgery; negative before it), whose ``lane`` it is (``"victim"``,
    ``"attacker"`` or ``"servers"`` — the API asking the authorization server), what was sent
    and how it was answered."""

    offset: float
    lane: str
    sender: str
    request: str
    status: int
    outcome: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400

    @property
    def answer(self) -> str:
        """The answer in short: status and error, and whether the API was running with a
        mistake switched on (its answers are marked INSECURE on the wire)."""
        head = self.outcome.split(": ", 1)[0].split(" [", 1)[0]
        insecure = _INSECURE.search(self.outcome)
        return f"{head} ({insecure.group(1)})" if insecure else head

    def text(self) -> str:
        return f"{at(self.offset):<12} {self.sender} → {self.request}: {self.answer}"


@dataclass(frozen=True, slots=True)
class LabOutcome:
    """What one run of the lab showed."""

    attack: str
    settings: tuple[str, ...]
    result: AttackResult
    #: The server's answer that first refused the attacker (``None``: never refused).
    stopped_by: str | None
    #: The mistake or gap that let the attacker through (``None``: nothing did).
    let_through: str | None
    explanation: str
    timeline: tuple[TimelineEntry, ...]
    #: The time the timeline counts from: the theft, or the first request when nothing is stolen.
    origin: float

    @property
    def worked(self) -> bool:
        """Whether at least one of the attacker's requests succeeded."""
        return bool(self.result.successes)

    @property
    def verdict(self) -> str:
        r = self.result
        if not self.worked:
            return "The attack failed: no request of the attacker worked."
        n = len(r.successes)
        since = " after the theft" if r.theft_time is not None else ""
        worked = (f"The attack worked: {n} request{'s' if n != 1 else ''} of the attacker "
                  f"succeeded, the last at {at(r.successes[-1] - self.origin)}{since}")
        if r.first_refusal is None:
            return f"{worked}; nothing ever refused it."
        return f"{worked}; refused from {at(r.first_refusal - self.origin)}."

    def text(self) -> str:
        settings = ", ".join(self.settings) or "none: the hardened default"
        lines = [f"{self.attack} — {settings}", self.verdict]
        if self.let_through:
            lines.append(f"Let through by: {self.let_through}")
        if self.stopped_by:
            lines.append(f"Stopped by: {self.stopped_by}")
        lines += [f"Why: {self.explanation}", "Timeline:",
                  *(f"  {e.text()}" for e in self.timeline)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def _scenario(attack: LabAttack, settings: tuple[str, ...]) -> AttackScenario:
    if attack.name == "stolen access token":
        return stolen_access_token(settings[0])
    if attack.name == "stolen refresh token":
        return stolen_refresh_token(settings[0])
    if attack.family == "replay":
        return replay_captured(settings[0])
    return forgery(attack.name, switches=settings)


def _explain(attack: LabAttack, settings: tuple[str, ...],
             worked: bool) -> tuple[str, str | None]:
    """Why it went as it did, and what let the attacker through (when something did)."""
    if attack.family == "forgery":
        row = next(a for a in ATTACKS if a.name == attack.name)
        opened = opens(row, frozenset(settings))
        forged = _HOW[row.name]
        if opened:
            return f"{forged} The API has the mistake that lets it in: {opened}.", opened
        if not settings:
            return f"{forged} The hardened default refuses it: see 'Stopped by'.", None
        return (f"{forged} The API refuses it — see 'Stopped by': the switches on "
                f"({', '.join(settings)}) do not open this attack.", None)
    texts = {"stolen access token": _ACCESS, "stolen refresh token": _REFRESH}.get(
        attack.name, _REPLAY)
    gap = {"TTL alone": "a bearer token and an API that never hears of revocations",
           "introspection": "the cached 'active' answer, until it ran out",
           "denylist": "the time before the theft was noticed",
           "attacker first": "the time before Alice's app refreshed and the reuse was seen",
           "rotation off": "a refresh token that never changes, valid until refresh_ttl",
           "nothing": "a bearer token, readable on plain HTTP",
           "jti check": "a check that names the token, not the request"}
    return texts[settings[0]], gap.get(settings[0]) if worked else None


def _lane(sender: str, receiver: str) -> str:
    if ATTACKER in (sender, receiver) or receiver == LOG_VIEWER:
        return "attacker"
    return "servers" if sender in ("api", "auth server") else "victim"


def run_attack(name: str, settings: Iterable[str] | str | None = None, *,
               seed: int | None = None) -> LabOutcome:
    """Run the lab's attack ``name`` with ``settings`` (one defence for a theft or a replay;
    any switches for a forgery; ``None``: the attack's default) and say what happened."""
    attack = lab_attack(name)
    chosen = attack.default if settings is None else attack.check(settings)
    scenario = _scenario(attack, chosen)
    if seed is not None:
        scenario = replace(scenario, seed=seed)
    run = scenario.run()
    result = attack_result(run, defence=scenario.defence)
    explanation, let_through = _explain(attack, chosen, bool(result.successes))
    events = run.world.wire.events
    origin = (result.theft_time if result.theft_time is not None
              else events[0].time if events else 0.0)
    timeline = tuple(
        TimelineEntry(e.time - origin, _lane(e.sender, e.receiver), e.sender,
                      f"{e.method} {e.path}", e.status, e.outcome)
        for e in events)
    stopped_by = _INSECURE.sub("", result.reason).rstrip() if result.reason else None
    return LabOutcome(attack.name, chosen, result, stopped_by, let_through, explanation, timeline,
                      origin)
