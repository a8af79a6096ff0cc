"""TokenInspector: open a token — its header, its claims explained, and the API's three checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from ..api.server import ResourceServer
from ..clock import Clock
from ..errors import TokenError
from ..jose.policy import VerifierPolicy
from ..jose.verify import Verifier
from ..report import StepResult, StepStatus, VerificationReport
from .claims import CLAIMS, HEADER, TIME_CLAIMS, describe_time, show_value
from .common import BAD, GOOD, RUN_HINT, View, escape, guarded, mark, table
from .messages import STEP_TITLES, report_html

__all__ = ["NOTICE", "Inspection", "TokenInspector", "inspect"]

NOTICE = (
    "Only tokens made in this course belong here. This inspector never asks for a real "
    "production token and stores nothing: what you paste stays in this notebook's memory. "
    "Never paste a live token into a tool you do not control — whoever holds a bearer token can "
    "use it.")
_CHOOSE = "— paste below, or choose —"
# Step 1 alone, with the verifier's own rules: no trusted key, so it always stops at step 2.
_DECODER = Verifier(VerifierPolicy(issuer="(decode only)", audience="(decode only)"),
                    lambda kid, now: None)


@dataclass(frozen=True, slots=True)
class Inspection:
    """What the inspector found in a piece of text.

    ``report`` has the three steps (``None`` for empty input); ``verified`` says whether an API
    checked steps 2 and 3, ``note`` how the input was cleaned up (whitespace, a ``Bearer ``
    prefix)."""

    report: VerificationReport | None
    verified: bool
    note: str = ""

    @property
    def verdict(self) -> str:
        """One line: what the learner should take away."""
        report = self.report
        if report is None:
            return "Nothing to inspect yet: paste a token, or choose one."
        failed = report.failed_step
        if failed is not None and failed.name == "decode":
            return (f"This is not a JWT: {failed.detail}. A JWT looks like eyJ….eyJ….sig: three "
                    "base64url parts of plain ASCII, joined by dots.")
        if failed is not None:
            return f"Refused at step {STEP_TITLES[failed.name]}: {failed.detail}"
        if not self.verified:
            return "Decoded — not verified: give the inspector api=... to check signature and claims."
        return "Valid: all three steps pass for this API."

    @property
    def ok(self) -> bool | None:
        if self.report is None or (not self.verified and self.report.failed_step is None):
            return None
        return self.report.ok


def inspect(text: str, api: ResourceServer | None = None) -> Inspection:
    """Decode and, with ``api``, verify ``text`` as a token: never raises for any text."""
    if not isinstance(text, str):
        raise TypeError(f"a token is text, not {type(text).__name__}")
    token, note = text.strip(), ""
    if token != text and token:
        note = "surrounding whitespace ignored"
    if token[:7].lower() == "bearer ":
        token, note = token[7:].strip(), "the 'Bearer ' prefix of an Authorization header removed"
    if not token:
        return Inspection(None, api is not None, note)
    if api is not None:
        return Inspection(api.check(token), True, note)
    return Inspection(_decode(token), False, note)


def _decode(token: str) -> VerificationReport:
    """Step 1 as an API runs it; steps 2 and 3 "not reached" (no API to check them)."""
    try:
        _DECODER.verify(token, now=0)
    except TokenError as exc:  # always: no key is trusted. The report says how far it got.
        assert exc.report is not None
        report = exc.report
    else:  # pragma: no cover - a decoder that trusts no key cannot accept a token
        raise AssertionError("the decode-only verifier accepted a token")
    first = report.steps[0]
    rest = tuple(StepResult(name, StepStatus.NOT_REACHED,
                            "not checked: no API given" if first.status is StepStatus.PASSED
                            else "not reached")
                 for name in ("signature", "claims"))
    return VerificationReport((first, *rest), report.header, report.claims)


class TokenInspector(View):
    """Choose a named token or paste one, and see what it says and whether the API accepts it.

    Shows the header and the claims, each with a sentence of explanation and times against the
    (simulated) clock — "expires in 4 min 48 s", "expired 12 s ago" — and the API's three steps
    (``api.check``): decode, signature, claims and policy, each ✔ or ✘ with the reason. Anything
    that is not a token — empty, not three parts, bad base64, bad JSON, a megabyte of text,
    non-ASCII — gets a clear message. Without ``api`` it only decodes.

    Drive it from Python: ``inspector.token.value = "eyJ..."`` or
    ``inspector.choice.value = "expired"``; :meth:`refresh` re-renders (after the clock moved).
    """

    def __init__(self, api: ResourceServer | None = None, clock: Clock | None = None,
                 tokens: Mapping[str, str] | None = None) -> None:
        if api is not None and not isinstance(api, ResourceServer):
            raise TypeError(f"api must be a ResourceServer, not {type(api).__name__}")
        if clock is not None and not isinstance(clock, Clock):
            raise TypeError(f"clock must be a Clock such as SimClock(), not {type(clock).__name__}")
        named = dict(tokens or {})
        for name, value in named.items():
            if not isinstance(name, str) or not name or not isinstance(value, str):
                raise TypeError("tokens maps names to token strings, e.g. {'fresh': t.access_token}")
        self.api = api
        self.clock = clock if clock is not None else (api.clock if api is not None else None)
        self.tokens = named
        self.notice = widgets.HTML(f'<div style="border-left:3px solid {GOOD}; padding:2px 8px">'
                                   f"<b>Notice.</b> {escape(NOTICE)}</div>")
        self.choice = widgets.Dropdown(options=[(_CHOOSE, ""), *((n, n) for n in named)],
                                       value="", description="Token:")
        self.token = widgets.Textarea(
            placeholder="Paste a token: header.payload.signature",
            layout=widgets.Layout(width="100%", height="5em"))
        self.output = widgets.HTML()
        super().__init__([self.notice, self.choice, self.token, self.output])
        self.inspection = inspect("", api)
        self._text = ""
        self.choice.observe(self._on_choice, names="value")
        self.token.observe(self._on_token, names="value")
        self.refresh()

    # -- what is shown -----------------------------------------------------------------------------

    @property
    def report(self) -> VerificationReport | None:
        return self.inspection.report

    @property
    def text(self) -> str:
        """What the inspector shows, as plain text."""
        return self._text

    @property
    def html(self) -> str:
        return str(self.output.value)

    # -- callbacks ---------------------------------------------------------------------------------

    def _on_choice(self, change: dict[str, Any]) -> None:
        self._choose(change["new"])

    @guarded("Choosing a token")
    def _choose(self, name: str) -> None:
        if name:
            self.token.value = self.tokens[name]  # observed: renders

    def _on_token(self, change: dict[str, Any]) -> None:
        self._edited(change["new"])

    @guarded("Reading the token")
    def _edited(self, text: str) -> None:
        if self.choice.value and self.tokens.get(self.choice.value) != text:
            self.choice.value = ""  # edited by hand: no longer the named token
        self.refresh()

    @guarded("Inspecting the token")
    def refresh(self) -> None:
        """Inspect the text again — after the clock moved, say — and show the result."""
        found = inspect(self.token.value, self.api)
        now = self.clock.time() if self.clock is not None else None
        html, text = _render(found, now)
        self.inspection = found
        self.output.value, self._text = html, text

    def __repr__(self) -> str:
        report = self.inspection.report
        failed = report.failed_step if report is not None else None
        if report is None:
            state = "empty"
        elif failed is not None:
            state = f"refused at {failed.name}"
        else:
            state = "valid" if self.inspection.verified else "decoded"
        chosen = f" {self.choice.value!r}" if self.choice.value else ""
        n = len(self.tokens)
        return f"TokenInspector({n} named token{'' if n == 1 else 's'},{chosen} {state})" + RUN_HINT


def _render(found: Inspection, now: float | None) -> tuple[str, str]:
    """The HTML and the plain text of an inspection."""
    colour = GOOD if found.ok else BAD if found.ok is False else "inherit"
    html = [f'<p style="color:{colour}">{mark(found.ok)} <b>{escape(found.verdict)}</b></p>']
    text = [found.verdict]
    if found.note:
        html.append(f"<p><small>({escape(found.note)})</small></p>")
        text.append(f"({found.note})")
    report = found.report
    if report is None:
        return "".join(html), "\n".join(text)
    trusted = report.step("signature").status is StepStatus.PASSED
    caveat = "" if trusted else " — unverified: anyone can write these"
    for title, part, meanings in (("Header", report.header, HEADER),
                                  ("Claims", report.claims, CLAIMS)):
        if part is None:
            continue
        rows = []
        for name, value in part.items():
            shown = (describe_time(name, value, now) if name in TIME_CLAIMS
                     else show_value(value))
            meaning = meanings.get(name, "not a standard access-token field")
            rows.append((f"<code>{escape(name)}</code>", escape(shown), f"<small>{escape(meaning)}</small>"))
            text.append(f"  {name}: {shown}")
        html.append(f"<div><b>{title}</b>{escape(caveat)}</div>{table(rows)}")
        text.insert(len(text) - len(rows), f"{title}{caveat}:")
    html.append("<div><b>Verification</b></div>" + report_html(report))
    text += [str(s) for s in report.steps]
    return "".join(html), "\n".join(text)
