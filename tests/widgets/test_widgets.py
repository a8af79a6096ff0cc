"""The widgets, driven from Python as a learner drives them: values set, buttons clicked.

Every widget renders into its own state (HTML/Image values), keeps a short stable repr (the
``text/plain`` nbval compares), and shows a failing callback as a message, state unchanged."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as widgets
import pytest
from IPython.core.formatters import DisplayFormatter

import tokenlab.viz
from tokenlab import SimClock, SystemClock
from tokenlab.api.http import parse_challenge
from tokenlab.report import StepStatus
from tokenlab.scenarios import (
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    FLOWS,
    LOGOUT,
    PASSWORD_LOGIN,
    REFRESH,
    TOKEN_LIFECYCLE,
    Scenario,
    Step,
    World,
    build_world,
)
from tokenlab.widgets import ClockControl, FlowWalker, ScopeExplorer, TokenInspector, idle
from tokenlab.widgets.common import RUN_HINT, View

T = TypeVar("T")

PNG = b"\x89PNG\r\n\x1a\n"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def boom(world: World) -> Step:
    raise RuntimeError("the simulated network cable was cut")


def assert_plain_repr(widget: View, expected: str) -> None:
    """A stable text/plain next to the widget view, and no memory address anywhere."""
    assert repr(widget) == expected
    bundle, _ = DisplayFormatter().format(widget)  # type: ignore[no-untyped-call]  # as a kernel does
    assert bundle["text/plain"] == expected
    assert bundle[VIEW_MIME]["model_id"] == widget.model_id
    assert not re.search(r"0x[0-9a-f]{6,}", expected)
    assert type(widget)._repr_mimebundle_ is widgets.Widget._repr_mimebundle_


def assert_message_not_traceback(widget: View, *fragments: str) -> None:
    assert widget.error, "no message shown"
    for fragment in fragments:
        assert fragment in widget.error
    assert fragment in widget.message.value
    assert "Traceback" not in widget.message.value and 'File "' not in widget.message.value


@pytest.fixture
def world() -> World:
    w = build_world(1, app="weather-app", grant="client_credentials",
                    scopes=("weather:read", "weather:write"))
    assert w.app.login()
    return w


# -- FlowWalker ------------------------------------------------------------------------------------

FINAL = {CLIENT_CREDENTIALS: ("403", "insufficient_scope"),
         TOKEN_LIFECYCLE: ("200", "new token works"), PASSWORD_LOGIN: ("200", "forecast"),
         AUTHORIZATION_CODE: ("200", "Alice's token"), REFRESH: ("revoked", "log in again"),
         LOGOUT: ("revoked", "leaked copy")}


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_flow_walker_clicks_to_the_last_step(flow: Scenario) -> None:
    walker = FlowWalker(flow)
    assert walker.step == 0 and walker.current is None and flow.intro in walker.text
    assert walker.back_button.disabled and not walker.next_button.disabled
    pictures = {bytes(walker.diagram.value)}
    for k in range(1, len(flow) + 1):
        walker.next_button.click()
        assert walker.step == k and walker.error == ""
        assert walker.text.startswith(f"{flow.name}: step {k} of {len(flow)}")
        assert walker.current is not None and walker.current.title in walker.text
        assert f"Step {k} of {len(flow)}" in walker.html
        pictures.add(bytes(walker.diagram.value))
    assert walker.next_button.disabled and not walker.back_button.disabled
    assert all(p.startswith(PNG) for p in pictures)
    # a step without a message leaves the picture as it was; every new message changes it
    assert len(pictures) == 1 + sum(1 for s in flow.run().steps if s.events)
    for fragment in FINAL[flow]:
        assert fragment in walker.text
    assert walker.current == flow.run().last  # the walker shows what the flow did
    assert_plain_repr(walker, f"FlowWalker({flow.name}: step {len(flow)} of {len(flow)})" + RUN_HINT)
    walker.next_button.click()  # at the end: nothing happens
    assert walker.step == len(flow) and walker.error == ""


def test_flow_walker_shows_the_token_message_and_checks() -> None:
    walker = FlowWalker(CLIENT_CREDENTIALS, diagrams=False)
    walker.go_to(4)
    step = walker.current
    assert step is not None and step.message is not None and step.report is not None
    assert step.message.status == 403
    html = walker.html
    assert "token in the Authorization header" in html
    marked = re.findall(r"<mark[^>]*>([^<]+)</mark>", html)
    assert marked and all("…" in m for m in marked)  # tokens only ever shortened
    assert step.message.headers["Authorization"].split()[1] not in html
    assert "insufficient_scope" in html and "✘" in html and "✔" in html
    assert walker.diagram.layout.display == "none" and bytes(walker.diagram.value) == b""


def test_flow_walker_masks_secrets_and_marks_a_token_in_the_query() -> None:
    walker = FlowWalker(PASSWORD_LOGIN, diagrams=False)
    walker.go_to(2)
    assert walker.world.password not in walker.html and "••••" in walker.html
    secret = walker.world.app.registration.client_secret
    assert secret is not None and secret not in walker.html and secret not in walker.text

    def leaky(world: World) -> Step:
        world.app.token_in = "query"
        world.app.get("/weather")
        return Step(actor="app", title="token in the URL", explanation="don't")

    flow = dataclasses.replace(CLIENT_CREDENTIALS, steps=(CLIENT_CREDENTIALS.steps[0], leaky))
    walker = FlowWalker(flow, diagrams=False)
    walker.go_to(2)
    assert "token in the URL query" in walker.html and "RFC 6750 §2.3" in walker.html
    assert "access_token=<mark" in walker.html


def test_flow_walker_back_rebuilds_and_reset_starts_again() -> None:
    walker = FlowWalker(REFRESH, diagrams=False)
    seen = {}
    for _ in range(len(REFRESH)):
        walker.next()
        seen[walker.step] = (walker.text, walker.html, walker.world.clock.time())
    world_at_end = walker.world
    for k in range(len(REFRESH) - 1, 0, -1):
        walker.back_button.click()
        assert walker.step == k and (walker.text, walker.html, walker.world.clock.time()) == seen[k]
        assert walker.world is not world_at_end  # rebuilt, not rewound: clocks never go back
    walker.reset_button.click()
    assert walker.step == 0 and REFRESH.intro in walker.text and walker.back_button.disabled
    walker.back()  # at the start: nothing happens
    assert walker.step == 0 and walker.error == ""


def test_flow_walker_shows_a_failing_step_as_a_message_and_keeps_its_state() -> None:
    flow = dataclasses.replace(CLIENT_CREDENTIALS, steps=(*CLIENT_CREDENTIALS.steps[:2], boom))
    walker = FlowWalker(flow)
    walker.next_button.click()
    walker.next_button.click()
    before = (walker.step, walker.text, walker.html, bytes(walker.diagram.value))
    walker.next_button.click()
    assert (walker.step, walker.text, walker.html, bytes(walker.diagram.value)) == before
    assert_message_not_traceback(walker, "Next failed", "RuntimeError",
                                 "the simulated network cable was cut")
    walker.back_button.click()  # still usable; success clears the message
    assert walker.step == 1 and walker.error == "" and walker.message.value == ""
    walker.go_to(9)
    assert_message_not_traceback(walker, "Go to step failed", "steps 0 to 3")
    assert walker.step == 1


def test_flow_walker_keeps_its_state_when_the_diagram_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    walker = FlowWalker(LOGOUT)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("matplotlib ran out of ink")

    monkeypatch.setattr(tokenlab.viz, "sequence_diagram", broken)
    walker.next_button.click()
    assert walker.step == 0 and LOGOUT.intro in walker.text
    assert_message_not_traceback(walker, "Next failed", "matplotlib ran out of ink")


class DrawingSpy:
    """Stands in for :func:`tokenlab.viz.sequence_diagram` and counts the pictures drawn."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.real = tokenlab.viz.sequence_diagram
        self.calls: list[int | None] = []
        monkeypatch.setattr(tokenlab.viz, "sequence_diagram", self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(kwargs.get("upto"))
        return self.real(*args, **kwargs)


def fresh_picture(flow: Scenario, step: int) -> bytes:
    """The picture of ``step`` as the walker drew it before it kept its pictures."""
    trace = flow.run().events
    return tokenlab.viz.to_png(tokenlab.viz.sequence_diagram(
        trace, upto=len(flow.run(step).events), title=flow.name))


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_flow_walker_draws_each_picture_once_and_the_same_as_a_fresh_drawing(
        flow: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = DrawingSpy(monkeypatch)
    walker = FlowWalker(flow)
    assert spy.calls == [0]  # step 0's picture, shown at once
    pictures = 1 + sum(1 for s in flow.run().steps if s.events)  # a step without a message
    assert walker.draw_all() == pictures - 1                     # shares the picture before it
    assert sorted(spy.calls) == sorted(set(spy.calls)) and len(spy.calls) == pictures
    assert walker.draw_all() == 0
    drawn = len(spy.calls)
    for k in range(1, len(flow) + 1):
        walker.next_button.click()
        assert walker.step == k and walker.error == ""
    for _ in range(len(flow)):
        walker.back_button.click()
    walker.go_to(len(flow))
    walker.reset_button.click()
    assert walker.step == 0 and len(spy.calls) == drawn  # moving drew nothing
    for k in range(len(flow) + 1):
        walker.go_to(k)
        assert bytes(walker.diagram.value) == fresh_picture(flow, k), f"step {k}"
        assert walker.diagram._dom_classes == (f"tokenlab-diagram-step-{k}",)
    assert len(spy.calls) == drawn + len(flow) + 1  # only the fresh drawings of this test


def test_flow_walker_draws_the_next_steps_first_and_only_when_needed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    spy = DrawingSpy(monkeypatch)
    walker = FlowWalker(REFRESH)
    walker.go_to(4)  # drawn when needed: no picture is drawn ahead outside a kernel
    shown = [len(REFRESH.run(k).events) for k in range(len(REFRESH) + 1)]
    assert spy.calls == [0, shown[4]]
    while walker._draw_ahead():
        pass
    assert spy.calls == [0, shown[4], *sorted(set(shown[5:]) - {shown[4]}),
                         *sorted(set(shown[1:4]) - {shown[4], 0}, reverse=True)]


def test_flow_walker_draws_ahead_while_the_kernel_is_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = DrawingSpy(monkeypatch)
    monkeypatch.setattr(idle, "IDLE_S", 0.05)
    monkeypatch.setattr(idle, "GAP_S", 0.001)
    pictures = 1 + sum(1 for s in LOGOUT.run().steps if s.events)

    async def in_a_kernel() -> FlowWalker:
        walker = FlowWalker(LOGOUT)
        assert spy.calls == [0] and idle.pending() == 1
        idle._cell_started()  # a cell runs: nothing is drawn meanwhile
        await asyncio.sleep(0.3)
        assert spy.calls == [0]
        idle._cell_ended()
        for _ in range(500):
            await asyncio.sleep(0.01)
            if idle.pending() == 0:
                break
        return walker

    # In a thread of its own: a session-wide Playwright (the browser tests) keeps an event loop
    # running in the main thread, and a kernel's loop is what this test plays.
    walker = in_a_fresh_thread(lambda: asyncio.run(in_a_kernel()))
    assert idle.pending() == 0 and len(spy.calls) == pictures and walker.draw_all() == 0
    for _ in range(len(LOGOUT)):
        walker.next_button.click()
    assert walker.step == len(LOGOUT) and len(spy.calls) == pictures  # every click found it drawn
    assert bytes(walker.diagram.value) == fresh_picture(LOGOUT, len(LOGOUT))


def test_flow_walker_says_when_every_picture_is_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    """The class ``tokenlab-pictures-ready`` appears once every picture of the walk is drawn, so
    a page (the browser tests, a teacher's script) can wait for it instead of sleeping."""
    DrawingSpy(monkeypatch)
    walker = FlowWalker(REFRESH)
    assert READY not in walker._dom_classes
    walker.go_to(3)
    assert READY not in walker._dom_classes
    while walker._draw_ahead():
        assert READY not in walker._dom_classes
    assert READY in walker._dom_classes
    other = FlowWalker(LOGOUT)
    other.draw_all()
    assert READY in other._dom_classes
    assert READY in FlowWalker(REFRESH, diagrams=False)._dom_classes  # nothing to draw


READY = "tokenlab-pictures-ready"


def test_flow_walker_without_diagrams_draws_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = DrawingSpy(monkeypatch)
    walker = FlowWalker(REFRESH, diagrams=False)
    walker.go_to(len(REFRESH))
    assert walker.draw_all() == 0 and spy.calls == []


def test_idle_work_is_not_scheduled_outside_an_event_loop() -> None:
    before = idle.pending()
    assert in_a_fresh_thread(lambda: idle.when_idle(lambda: True)) is False
    assert idle.pending() == before


def in_a_fresh_thread(work: Callable[[], T]) -> T:
    """``work()`` in a new thread — one with no event loop running — and its result or error."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # re-raised below, in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_flow_walker_wants_a_flow() -> None:
    with pytest.raises(TypeError, match="Flow"):
        FlowWalker("client credentials")  # type: ignore[arg-type]


# -- TokenInspector --------------------------------------------------------------------------------

GARBAGE = {
    "empty": ("", None),
    "whitespace": ("  \n\t", None),
    "not three parts": ("abc.def", "this has 2 parts"),
    "one part": ("just-some-text", "this has 1 part"),
    "bad base64": ("@@@.###.$$$", "cannot be decoded"),
    "bad JSON": (b64(b"{not json") + "." + b64(b"{}") + ".c2ln", "Invalid header string"),
    "claims not an object": (b64(b'{"alg":"EdDSA"}') + "." + b64(b"[1, 2]") + ".c2ln",
                             "must be a json object"),
    "1 MB of text": ("A" * 2**20, "longer than the 16,384"),
    "non-ASCII": ("ëyJ.ö.ü", "non-ASCII"),
}


@pytest.mark.parametrize("with_api", [True, False], ids=["api", "decode only"])
@pytest.mark.parametrize("kind", list(GARBAGE))
def test_inspector_explains_garbage_without_a_traceback(world: World, kind: str,
                                                        with_api: bool) -> None:
    text, reason = GARBAGE[kind]
    inspector = TokenInspector(world.api if with_api else None)
    inspector.token.value = text
    assert inspector.error == ""  # a message about the input, not a failure of the widget
    assert "Traceback" not in inspector.html
    if reason is None:
        assert inspector.report is None and "Nothing to inspect yet" in inspector.text
        return
    report = inspector.report
    assert report is not None
    assert [s.status for s in report.steps] == [StepStatus.FAILED, StepStatus.NOT_REACHED,
                                                StepStatus.NOT_REACHED]
    assert reason in report.step("decode").detail
    assert inspector.text.startswith("This is not a JWT: ") and reason in inspector.text
    assert len(inspector.html) < 10_000  # the pasted text is never echoed back
    assert repr(inspector) == "TokenInspector(0 named tokens, refused at decode)" + RUN_HINT


def test_inspector_shows_a_valid_token_claim_by_claim(world: World) -> None:
    token = world.app.access_token
    assert token is not None
    inspector = TokenInspector(world.api, tokens={"fresh": token})
    assert "never asks for a real production token" in inspector.notice.value
    inspector.choice.value = "fresh"
    assert inspector.token.value == token
    report = inspector.report
    assert report is not None and report.ok
    assert report.claims is not None and report.claims["scope"] == "weather:read"
    for claim in ("iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope", "typ", "alg",
                  "kid"):
        assert f"<code>{claim}</code>" in inspector.html
    assert "2030-01-01 00:05:00 UTC — expires in 5 min" in inspector.text
    assert inspector.html.count("✔") == 4  # the verdict and three steps
    assert_plain_repr(inspector, "TokenInspector(1 named token, 'fresh' valid)" + RUN_HINT)
    inspector.token.value = "Bearer " + token + "\n"  # as copied from a header
    assert inspector.report is not None and inspector.report.ok
    assert inspector.choice.value == ""  # edited by hand: no longer the named token
    assert "'Bearer ' prefix" in inspector.text


def test_inspector_against_the_clock_and_a_tampered_token(world: World) -> None:
    token = world.app.access_token
    assert token is not None
    inspector = TokenInspector(world.api, tokens={"t": token, "tampered": token[:-8] + "AAAAAAAA"})
    inspector.choice.value = "t"
    world.clock.advance(312)
    inspector.refresh()
    assert "expired 12 s ago" in inspector.text
    assert inspector.report is not None and inspector.report.failed_step is not None
    assert inspector.report.failed_step.name == "claims"
    assert inspector.report.step("signature").status is StepStatus.PASSED
    inspector.choice.value = "tampered"
    assert inspector.report.failed_step is not None
    assert inspector.report.failed_step.name == "signature"
    assert "unverified: anyone can write these" in inspector.text


def test_inspector_without_an_api_decodes_only(world: World) -> None:
    token = world.app.access_token
    assert token is not None
    inspector = TokenInspector(clock=world.clock)
    inspector.token.value = token
    report = inspector.report
    assert report is not None and report.step("decode").status is StepStatus.PASSED
    assert [s.detail for s in report.steps[1:]] == ["not checked: no API given"] * 2
    assert "not verified" in inspector.text and "expires in 5 min" in inspector.text
    assert repr(inspector) == "TokenInspector(0 named tokens, decoded)" + RUN_HINT


def test_inspector_keeps_its_view_when_checking_fails(world: World,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    inspector = TokenInspector(world.api)
    inspector.token.value = world.app.access_token or ""
    before = (inspector.html, inspector.text, inspector.report)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("the key ring fell behind the sofa")

    monkeypatch.setattr(world.api, "check", broken)
    inspector.refresh()
    assert (inspector.html, inspector.text, inspector.report) == before
    assert_message_not_traceback(inspector, "Inspecting the token failed", "KeyError", "sofa")
    # through the dropdown the failing refresh runs inside two other callbacks: still shown
    inspector.tokens["other"] = "a.b.c"
    inspector.choice.options = [*inspector.choice.options, ("other", "other")]
    inspector.choice.value = "other"
    assert inspector.token.value == "a.b.c" and inspector.report is before[2]
    assert_message_not_traceback(inspector, "Inspecting the token failed", "sofa")


def test_inspector_refuses_what_is_not_an_api_or_a_clock() -> None:
    with pytest.raises(TypeError, match="ResourceServer"):
        TokenInspector(api="https://api.example")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Clock"):
        TokenInspector(clock=300)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="token strings"):
        TokenInspector(tokens={"x": 1})  # type: ignore[dict-item]


# -- ClockControl ------------------------------------------------------------------------------------


def test_clock_control_moves_the_clock_and_the_inspector_sees_the_token_expire(world: World) -> None:
    start = world.clock.time()
    inspector = TokenInspector(world.api)
    inspector.token.value = world.app.access_token or ""
    called: list[float] = []
    control = ClockControl(world.clock, on_change=[lambda: called.append(world.clock.time())])
    control.observe_views(inspector)
    assert_plain_repr(control, "ClockControl(2030-01-01 00:00:00 UTC, 2 views)" + RUN_HINT)
    for label, seconds in (("+1 s", 1), ("+1 min", 60), ("+1 h", 3600)):
        before = world.clock.time()
        control.buttons[label].click()
        assert world.clock.time() - before == seconds
    assert called == [start + 1, start + 61, start + 3661]
    assert "expired 56 min 1 s ago" in inspector.text  # exp was 00:05:00; now 01:01:01
    assert inspector.report is not None and not inspector.report.ok
    assert "Simulated time: 2030-01-01 01:01:01 UTC" in control.time_display.value
    control.slider.value = 90
    control.advance_button.click()
    assert world.clock.time() == start + 3751 and control.text == "2030-01-01 01:02:31 UTC"


def test_clock_control_turns_the_inspector_expired_exactly_at_exp(world: World) -> None:
    inspector = TokenInspector(world.api)
    inspector.token.value = world.app.access_token or ""
    control = ClockControl(world.clock)
    control.observe_views(inspector)
    control.slider.value = 299
    control.advance_button.click()
    assert inspector.report is not None and inspector.report.ok
    assert "expires in 1 s" in inspector.text
    control.buttons["+1 s"].click()
    assert inspector.report is not None and not inspector.report.ok
    assert "expired just now" in inspector.text


def test_clock_control_never_goes_backwards(world: World) -> None:
    control = ClockControl(world.clock)
    before = world.clock.time()
    control.slider.value = -30  # the slider clamps to its minimum, 0
    assert control.slider.value == 0
    control.advance(-30)
    assert world.clock.time() == before
    assert_message_not_traceback(control, "Moving the clock failed", "never runs backwards")
    control.buttons["+5 min"].click()
    assert world.clock.time() == before + 300 and control.error == ""


def test_clock_control_reports_a_failing_view_and_still_updates_the_others(world: World) -> None:
    def broken() -> None:
        raise RuntimeError("this view fell over")

    inspector = TokenInspector(world.api)
    inspector.token.value = world.app.access_token or ""
    control = ClockControl(world.clock, on_change=[broken])
    control.observe_views(inspector)
    control.buttons["+5 min"].click()
    assert "expired just now" in inspector.text  # updated despite the broken callback
    assert_message_not_traceback(control, "The clock moved to 2030-01-01 00:05:00 UTC",
                                 "broken", "this view fell over")


def test_clock_control_needs_a_sim_clock_and_views_with_refresh() -> None:
    with pytest.raises(TypeError, match="SimClock"):
        ClockControl(SystemClock())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="on_change"):
        ClockControl(SimClock(), on_change=["refresh"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="refresh"):
        ClockControl(SimClock()).observe_views(object())  # type: ignore[arg-type]


# -- ScopeExplorer ---------------------------------------------------------------------------------


def test_scope_explorer_200_or_403_by_scope(world: World) -> None:
    explorer = ScopeExplorer(world.auth, world.api, world.app.registration)
    assert_plain_repr(explorer, "ScopeExplorer(weather-app: no token)" + RUN_HINT)
    assert set(explorer.endpoint_buttons) == {"GET /weather", "POST /weather", "GET /me"}
    assert explorer.chosen == ("weather:read",)
    explorer.get_token_button.click()
    assert explorer.granted == "weather:read" and explorer.token is not None
    assert repr(explorer) == "ScopeExplorer(weather-app: token for weather:read)" + RUN_HINT
    statuses = {}
    for label, button in explorer.endpoint_buttons.items():
        button.click()
        assert explorer.last_event is not None and explorer.error == ""
        statuses[label] = explorer.last_event.status
    assert statuses == {"GET /weather": 200, "POST /weather": 403, "GET /me": 200}
    explorer.endpoint_buttons["POST /weather"].click()
    refused = explorer.last_event
    assert refused is not None
    header = refused.response_headers["WWW-Authenticate"]
    assert parse_challenge(header)[1]["error"] == "insufficient_scope"
    assert parse_challenge(header)[1]["scope"] == "weather:write"
    assert "WWW-Authenticate" in explorer.html and "insufficient_scope" in explorer.html
    assert "needs weather:write" in explorer.text
    control = ClockControl(world.clock)
    control.observe_views(explorer)
    control.buttons["+1 min"].click()
    assert "expires in 4 min" in explorer.token_view.value
    explorer.scope_boxes["weather:write"].value = True
    explorer.get_token()
    assert explorer.granted == "weather:read weather:write"
    explorer.endpoint_buttons["POST /weather"].click()
    written = explorer.last_event
    assert written is not None and written.status == 200
    assert isinstance(written.response_body, dict)
    assert written.response_body["accepted"] == {"city": "Amsterdam", "sky": "sunny"}


def test_scope_explorer_without_a_token_gets_a_bare_challenge(world: World) -> None:
    explorer = ScopeExplorer(world.auth, world.api, world.app.registration)
    explorer.endpoint_buttons["GET /weather"].click()
    assert explorer.last_event is not None and explorer.last_event.status == 401
    assert "Authorization" not in explorer.last_event.headers
    assert parse_challenge(explorer.last_event.response_headers["WWW-Authenticate"])[1] == {
        "realm": "https://api.example"}
    assert "no token was sent" in explorer.text


def test_scope_explorer_messages_instead_of_tracebacks(world: World,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    explorer = ScopeExplorer(world.auth, world.api, world.app.registration)
    explorer.scope_boxes["weather:read"].value = False
    explorer.get_token_button.click()
    assert explorer.token is None
    assert_message_not_traceback(explorer, "Getting a token failed", "tick at least one scope")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the API is on fire")

    explorer.scope_boxes["weather:read"].value = True
    explorer.get_token_button.click()
    before = (explorer.html, explorer.text, explorer.last_event)
    monkeypatch.setattr(world.api, "handle", broken)
    explorer.endpoint_buttons["GET /me"].click()
    assert (explorer.html, explorer.text, explorer.last_event) == before
    assert_message_not_traceback(explorer, "Calling the API failed", "the API is on fire")


def test_scope_explorer_shows_a_refused_token_request(world: World) -> None:
    spa = world.auth.register_client("spa", ["weather:read"], public=True,
                                     redirect_uris=["https://app.example/callback"])
    explorer = ScopeExplorer(world.auth, world.api, spa)
    explorer.get_token_button.click()
    assert explorer.token is None and explorer.error == ""
    assert explorer.last_event is not None and explorer.last_event.status == 400
    assert "unauthorized_client" in explorer.text


def test_scope_explorer_wants_servers_and_a_registration(world: World) -> None:
    with pytest.raises(TypeError, match="AuthServer"):
        ScopeExplorer(world.api, world.auth, world.app.registration)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="RegisteredClient"):
        ScopeExplorer(world.auth, world.api, "weather-app")  # type: ignore[arg-type]


# -- the package -----------------------------------------------------------------------------------


def test_importing_tokenlab_does_not_import_the_widgets() -> None:
    code = ("import sys, tokenlab; a = 'ipywidgets' in sys.modules; "
            "import tokenlab.widgets; print(a, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]  # matplotlib waits for the first diagram


def test_views_are_vboxes_that_render_into_their_own_state(world: World) -> None:
    views = [FlowWalker(CLIENT_CREDENTIALS, diagrams=False), TokenInspector(world.api),
             ClockControl(world.clock), ScopeExplorer(world.auth, world.api,
                                                      world.app.registration)]
    for view in views:
        assert isinstance(view, widgets.VBox) and view.message in view.children
        assert "__repr__" in type(view).__dict__  # each has its own stable repr


def test_a_stored_widget_line_says_to_run_its_cell_and_is_not_cut() -> None:
    """Before its cell runs (GitHub, nbviewer, a fresh open) a notebook shows only a widget's
    stored ``text/plain``: it names the widget and its state and says how to use it — whole,
    since ipywidgets cuts that text at 110 characters."""
    from tokenlab.scenarios import AUTHORIZATION_CODE
    from tokenlab.widgets import FlowWalker

    walker = FlowWalker(AUTHORIZATION_CODE)
    bundle, _ = DisplayFormatter().format(walker)  # type: ignore[no-untyped-call]
    assert bundle["text/plain"] == repr(walker)
    assert bundle["text/plain"].startswith("FlowWalker(")
    assert bundle["text/plain"].endswith("run this cell to use it")
