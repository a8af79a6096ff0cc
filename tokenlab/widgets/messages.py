"""HTTP messages and steps as HTML: the wire's own rendering (secrets masked, tokens shortened),
with every shortened token in a ``<mark>`` and a badge saying where the access token travelled."""

from __future__ import annotations

import re

from ..net.wire import Event
from ..report import StepStatus, VerificationReport
from ..scenarios import Step, presented_token, render_part
from .common import BAD, GREY, MONO, badge, escape, mark, paragraphs, table

__all__ = ["PLACES", "STEP_TITLES", "event_html", "report_html", "step_html"]

#: The three verification steps, as the lessons name them.
STEP_TITLES = {"decode": "decode", "signature": "signature", "claims": "claims and policy"}

#: Where a request carried its access token, and what a security reviewer says about it.
PLACES = {
    "header": ("token in the Authorization header", "#0072B2", "RFC 6750 §2.1: the right place"),
    "body": ("token in the form body", BAD, "RFC 6750 §2.2: only where a header is impossible"),
    "query": ("token in the URL query", BAD,
              "RFC 6750 §2.3: URLs end up in logs, history and Referer headers"),
}
# What Event.render and tokens.shorten make of a token: 12 characters, an ellipsis, 4 more.
_SHORTENED = re.compile(r"[A-Za-z0-9_\-]{12}…[A-Za-z0-9_\-]{4}")
_MASK = "••••"


def _highlight(escaped: str) -> str:
    def one(m: re.Match[str]) -> str:
        value = m.group()
        jwt = value.startswith("eyJ")
        colour = "#FFE08A" if jwt else "#E3E0F5"
        what = "an access token (JWT)" if jwt else "a token, code or verifier"
        return (f'<mark style="background:{colour}" title="{what}, shortened: the wire carries '
                f'it whole">{value}</mark>')

    marked = _SHORTENED.sub(one, escaped)
    return marked.replace(_MASK, f'<span title="a secret: always masked" '
                                 f'style="color:{GREY}">{_MASK}</span>')


def event_html(event: Event, part: str = "exchange") -> str:
    """``event`` (or its request or response half) as a ``<pre>`` block, tokens marked, with a
    badge for where the access token travelled when the request carried one."""
    text = render_part(event, part)
    body = _highlight(escape(text))
    place = ""
    found = presented_token(event) if part != "response" else None
    if found is not None:
        label, colour, why = PLACES[found[1]]
        place = f"<div>{badge(label, colour)} <small>{escape(why)}</small></div>"
    return (f'{place}<pre style="{MONO}; white-space:pre-wrap; word-break:break-all; '
            f'margin:4px 0">{body}</pre>')


def report_html(report: VerificationReport) -> str:
    """The three verification steps, each ✔/✘/· with its reason."""
    rows = []
    for s in report.steps:
        passed = {StepStatus.PASSED: True, StepStatus.FAILED: False}.get(s.status)
        rows.append((mark(passed), f"<b>{escape(STEP_TITLES.get(s.name, s.name))}</b>",
                     escape(s.detail)))
    return table(rows)


def step_html(step: Step, total: int) -> str:
    """Everything a :class:`~tokenlab.scenarios.Step` says, for the FlowWalker."""
    parts = [
        f"<div><b>Step {step.number} of {total}</b> · {badge(step.actor)}</div>",
        f"<h4 style=\"margin:6px 0\">{escape(step.title)}</h4>",
        paragraphs(step.explanation),
    ]
    if step.message is not None:
        half = {"request": "the request", "response": "the response",
                "exchange": "request and response"}[step.part]
        parts.append(f"<div><small>On the wire — {half}:</small></div>")
        parts.append(event_html(step.message, step.part))
    else:
        parts.append("<p><i>Nothing travels on the wire in this step.</i></p>")
    if step.other_events:
        lines = "<br>".join(_highlight(escape(e.summary())) for e in step.other_events)
        parts.append(f"<div><small>Also on the wire in this step:</small>"
                     f'<div style="{MONO}">{lines}</div></div>')
    if step.checks or step.report is not None:
        parts.append("<div><b>Checked</b></div>")
        if step.checks:
            parts.append(table((mark(c.passed), escape(c.what), escape(c.detail))
                               for c in step.checks))
        if step.report is not None:
            parts.append(report_html(step.report))
    if step.outcome:
        parts.append(f"<p><b>Outcome:</b> {mark(step.passed)} {escape(step.outcome)}</p>")
    parts += [f'<p style="color:{BAD}">⚠ {escape(note)}</p>' for note in step.notes]
    return "".join(parts)
