"""The ready-made flows: each runs to its end deterministically, every message goes over the wire,
and going back one step is a rebuild that shows exactly what was there before."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from urllib.parse import parse_qsl, urlsplit

import pytest

from tokenlab.api.http import parse_challenge
from tokenlab.authserver.grants import NOTE_ROPC_GRANT
from tokenlab.authserver.pkce import s256_challenge
from tokenlab.net.wire import Event
from tokenlab.report import StepStatus
from tokenlab.scenarios import (
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    FLOWS,
    LOGOUT,
    PASSWORD_LOGIN,
    REFRESH,
    TOKEN_LIFECYCLE,
    Check,
    Flow,
    FlowRun,
    Scenario,
    Step,
    World,
    build_world,
    presented_token,
    render_part,
)
from tokenlab.scenarios.evidence import body_of

LENGTHS = {CLIENT_CREDENTIALS: 4, TOKEN_LIFECYCLE: 7, PASSWORD_LOGIN: 7, AUTHORIZATION_CODE: 6,
           REFRESH: 8, LOGOUT: 4}
RUNS = {flow.name: flow.run() for flow in FLOWS}  # each flow run once, read by many tests


def calls(events: tuple[Event, ...]) -> list[tuple[str, str, str, str, int]]:
    return [(e.sender, e.receiver, e.method, e.path, e.status) for e in events]


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def challenge(event: Event) -> dict[str, str]:
    return parse_challenge(event.response_headers["WWW-Authenticate"])[1]


# -- every flow ----------------------------------------------------------------------------------


def test_there_are_five_flows_with_the_expected_lengths() -> None:
    assert tuple(LENGTHS) == FLOWS
    for flow, n in LENGTHS.items():
        assert isinstance(flow, Flow)
        assert len(flow) == n
        walk = RUNS[flow.name]
        assert walk.position == n and walk.done
        assert [s.number for s in walk.steps] == list(range(1, n + 1))


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_a_flow_runs_the_same_twice(flow: Scenario) -> None:
    again = flow.run()
    first = RUNS[flow.name]
    assert again.events == first.events
    assert [e.render(shorten=False) for e in again.events] == [
        e.render(shorten=False) for e in first.events]
    assert again.steps == first.steps


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_back_is_a_rebuild_up_to_the_step_before(flow: Scenario) -> None:
    whole = RUNS[flow.name]
    for n in range(len(flow) + 1):
        part = flow.run(n)
        assert part.position == n
        assert part.steps == whole.steps[:n]
        assert part.events == whole.events[:len(part.events)]
        assert part.world is not whole.world  # a fresh world every time


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_each_step_owns_the_events_it_produced_and_time_only_moves_forward(flow: Scenario) -> None:
    walk = RUNS[flow.name]
    produced = tuple(e for s in walk.steps for e in s.events)
    assert produced == walk.events  # nothing off the wire, nothing counted twice
    times = [s.time for s in walk.steps]
    assert times == sorted(times)
    for step in walk.steps:
        assert step.actor and step.title and step.explanation and step.outcome
        if step.events:
            assert step.message is not None
        assert all(e.time <= step.time for e in step.events)


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_no_step_shows_a_secret(flow: Scenario) -> None:
    walk = RUNS[flow.name]
    world = walk.world
    secret = world.app.registration.client_secret
    whole_tokens = {t for e in walk.events for t in _tokens_in(e)}
    assert whole_tokens, "the flow issued no tokens"
    for step in walk.steps:
        text = step.text()
        assert world.password not in text
        assert secret is None or secret not in text
        assert not any(t in text for t in whole_tokens)


def _tokens_in(event: Event) -> list[str]:
    body = event.response_body if isinstance(event.response_body, dict) else {}
    return [v for k, v in body.items() if k in ("access_token", "refresh_token")]


def test_another_seed_tells_the_same_story_with_other_tokens() -> None:
    other = dataclasses.replace(CLIENT_CREDENTIALS, seed=2).run()
    first = RUNS[CLIENT_CREDENTIALS.name]
    assert [e.status for e in other.events] == [e.status for e in first.events]
    assert _tokens_in(other.events[0]) != _tokens_in(first.events[0])


def test_run_refuses_steps_that_do_not_exist() -> None:
    for bad in (-1, len(CLIENT_CREDENTIALS) + 1, True, 1.5, "2"):
        with pytest.raises(ValueError, match="steps 0 to 4"):
            CLIENT_CREDENTIALS.run(bad)  # type: ignore[arg-type]
    walk = CLIENT_CREDENTIALS.run()
    with pytest.raises(IndexError, match="it is over"):
        walk.next()


def test_a_step_function_must_return_a_step() -> None:
    flow = dataclasses.replace(CLIENT_CREDENTIALS, steps=(lambda world: "done",))  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="returns a Step"):
        flow.run()


def test_a_custom_flow_gets_events_number_time_and_outcome_filled_in() -> None:
    def call(world: World) -> Step:
        world.app.get("/me")
        return Step(actor="app", title="calls /me", explanation="any valid token will do")

    flow = Scenario("custom", "Custom", "intro", lambda seed: build_world(
        seed, app="me-app", grant="client_credentials"), (call,))
    walk = flow.run(0)
    assert isinstance(walk, FlowRun) and walk.last is None and walk.events == ()
    step = walk.next()
    assert step.number == 1 and step.time == walk.world.clock.time()
    assert calls(step.events) == [("me-app", "auth server", "POST", "/token", 200),
                                  ("me-app", "api", "GET", "/me", 200)]
    assert step.message is step.events[-1]
    assert step.outcome == "200 OK"
    assert step.passed is None  # nothing was checked


def test_step_parts_and_checks() -> None:
    with pytest.raises(ValueError, match="part must be one of"):
        Step(actor="a", title="t", explanation="e", part="headers")
    event = RUNS[CLIENT_CREDENTIALS.name].events[0]
    request, response = render_part(event, "request"), render_part(event, "response")
    assert "grant_type=client_credentials" in request and "← " not in request
    assert "200 OK" in response and "grant_type" not in response
    assert render_part(event) == event.render()
    assert str(Check("x", True, "why")) == "✔ x: why"
    assert str(Check("y", False)) == "✘ y"


# -- (a) client credentials -----------------------------------------------------------------------


def test_client_credentials_gets_a_token_reads_and_is_refused_writing() -> None:
    walk = RUNS[CLIENT_CREDENTIALS.name]
    ask, issue, read, write = walk.steps
    assert calls(walk.events) == [
        ("weather-app", "auth server", "POST", "/token", 200),
        ("weather-app", "api", "GET", "/weather", 200),
        ("weather-app", "api", "POST", "/weather", 403)]
    assert ask.part == "request" and issue.part == "response"
    assert issue.events == () and issue.message is ask.message
    assert "refresh_token" not in ask.message.response_body  # type: ignore[union-attr,operator]
    assert issue.passed is True
    assert read.report is not None and read.report.ok
    assert write.report is not None and write.report.failed_step is not None
    assert write.report.failed_step.name == "claims"
    assert challenge(write.events[0]) | {"error_description": ""} == {
        "realm": "https://api.example", "error": "insufficient_scope",
        "error_description": "", "scope": "weather:write"}


# -- (b) the article's password login ------------------------------------------------------------------


def test_password_login_is_the_article_seven_steps_and_is_flagged() -> None:
    walk = RUNS[PASSWORD_LOGIN.name]
    typed, send, issue, store, call, verify, answer = walk.steps
    assert [len(s.events) for s in walk.steps] == [0, 1, 0, 0, 1, 0, 0]
    token_request = send.events[0]
    assert (token_request.body or {})["grant_type"] == "password"
    assert NOTE_ROPC_GRANT in token_request.notes
    assert any("RFC 9700 §2.4" in n for n in typed.notes)
    assert "RFC 9700 §2.4" in PASSWORD_LOGIN.intro
    assert issue.message is token_request and issue.part == "response" and issue.passed
    assert "access_token" in store.outcome and "refresh_token" in store.outcome
    assert presented_token(call.events[0]) is not None
    assert presented_token(call.events[0])[1] == "header"  # type: ignore[index]
    assert verify.report is not None and verify.report.ok and verify.message is call.message
    assert answer.message is call.message and answer.part == "response"
    assert answer.message.status == 200  # type: ignore[union-attr]


# -- (c) authorization code + PKCE ------------------------------------------------------------------


def test_authorization_code_walks_login_page_code_state_exchange_and_call() -> None:
    walk = RUNS[AUTHORIZATION_CODE.name]
    assert calls(walk.events) == [
        ("browser", "auth server", "GET", "/authorize", 200),
        ("browser", "auth server", "POST", "/authorize", 302),
        ("browser", "weather-web", "GET", "/callback", 200),
        ("weather-web", "auth server", "POST", "/token", 200),
        ("weather-web", "api", "GET", "/weather", 200)]
    page, login, code, state, exchange, call = walk.steps
    sent = query(page.events[0].url)
    redirect = login.events[0].response_headers["Location"]
    assert code.events == () and code.message is login.message
    assert query(redirect)["state"] == sent["state"] == query(state.events[0].url)["state"]
    verifier = (exchange.events[0].body or {})["code_verifier"]
    assert isinstance(verifier, str) and s256_challenge(verifier) == sent["code_challenge"]
    assert "code_verifier" not in sent
    # RFC 6749 §4.1: the password goes to the authorization server's login page, and nowhere else
    password = walk.world.password
    assert [(e.receiver, e.method, e.path, (e.body or {}).get("password")) for e in walk.events
            if "password" in (e.body or {})] == [("auth server", "POST", "/authorize", password)]
    assert not any(password in e.url for e in walk.events)
    assert all(s.passed is not False for s in walk.steps)
    assert call.report is not None and call.report.claims is not None
    assert call.report.claims["sub"] == "alice"


def test_the_stepped_code_flow_sends_exactly_what_client_login_sends() -> None:
    world = AUTHORIZATION_CODE.build(AUTHORIZATION_CODE.seed)
    assert world.app.login(world.username, world.password)
    stepped = RUNS[AUTHORIZATION_CODE.name].events[:4]
    assert world.wire.events == stepped


# -- (d) expiry and refresh ---------------------------------------------------------------------------


def test_refresh_flow_expires_refreshes_and_revokes_the_family_on_reuse() -> None:
    walk = RUNS[REFRESH.name]
    login, call, expire, refused, refresh, again, reuse, locked = walk.steps
    assert len(login.events) == 4 and call.message.status == 200  # type: ignore[union-attr]
    assert expire.events == () and expire.time > login.time
    assert expire.report is not None and expire.report.failed_step is not None
    assert expire.report.failed_step.name == "claims" and "expired" in expire.report.failed_step.detail
    assert refused.message.status == 401  # type: ignore[union-attr]
    assert challenge(refused.events[0])["error"] == "invalid_token"
    old = (refresh.events[0].body or {})["refresh_token"]
    new = refresh.events[0].response_body["refresh_token"]  # type: ignore[index]
    assert old != new and all(c.passed for c in refresh.checks)
    assert again.report is not None and again.report.ok
    assert reuse.events[0].sender == "attacker"
    assert (reuse.events[0].body or {})["refresh_token"] == old
    assert reuse.events[0].response_body["error"] == "invalid_grant"  # type: ignore[index]
    assert calls(locked.events) == [("weather-spa", "api", "GET", "/weather", 401),
                                    ("weather-spa", "auth server", "POST", "/token", 400)]
    assert locked.report is not None and "revoked" in locked.report.step("claims").detail
    world = walk.world
    assert not world.app.logged_in and "revoked" in (world.app.last_error or "")


# -- (e) logout with revocation ---------------------------------------------------------------------


def test_logout_revokes_and_the_leaked_copy_is_refused() -> None:
    walk = RUNS[LOGOUT.name]
    login, call, logout, replay = walk.steps
    assert login.events[-1].path == "/token" and "refresh token" in login.outcome
    assert [(e.path, e.status, (e.body or {}).get("token_type_hint")) for e in logout.events] == [
        ("/revoke", 200, "refresh_token"), ("/revoke", 200, "access_token")]
    assert all(c.passed for c in logout.checks)
    leaked = presented_token(call.events[0])
    assert leaked is not None and presented_token(replay.events[0]) == leaked
    assert replay.events[0].sender == "attacker" and replay.events[0].status == 401
    assert replay.report is not None
    assert replay.report.step("signature").status is StepStatus.PASSED
    assert "revoked" in replay.report.step("claims").detail
    assert "revoked" in challenge(replay.events[0])["error_description"]


# -- the layer stays light ---------------------------------------------------------------------------


def test_importing_the_core_and_the_scenarios_pulls_in_no_view_library() -> None:
    code = ("import sys, tokenlab, tokenlab.scenarios; "
            "print(sorted(m for m in ('ipywidgets', 'IPython', 'matplotlib', 'numpy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_rfc7519_4_1_4_the_five_steps_walk_through_expiry_and_a_new_token() -> None:
    """Notebook 03's walker plays the article's five steps with their numbers — credentials,
    token, store, use, expiry — and then the app asks again: the expired token is refused with
    401 at exp (not revoked: it ran out), and the new token works."""
    walk = RUNS[TOKEN_LIFECYCLE.name]
    numbers = [s.title.split(":")[0] for s in walk.steps]
    assert numbers == ["Article step 1 (credentials)", "Article step 2 (token)",
                       "Article step 3 (store)", "Article step 4 (use)", "Article step 5 (expiry)",
                       "Article step 1 (again)", "Article step 4 (use)"]
    store, expired, renewed, again = walk.steps[2], walk.steps[4], walk.steps[5], walk.steps[6]
    assert store.message is None and "access_token" in store.outcome
    assert expired.outcome.startswith("401 invalid_token: expired 0 s ago")
    assert expired.report is not None and expired.report.failed_step is not None
    assert expired.report.failed_step.name == "claims"
    assert renewed.message is not None and renewed.message.status == 200
    first = body_of(walk.steps[1].message)["access_token"] if walk.steps[1].message else None
    assert first and body_of(renewed.message)["access_token"] != first
    assert again.outcome == "200 OK" and again.passed
