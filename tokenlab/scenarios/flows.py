"""Getting a token, three ways: client credentials, the article's password login, and the
authorization code flow with PKCE — each a :class:`~tokenlab.scenarios.steps.Scenario` whose steps
send real messages over the wire."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

from ..authserver.pkce import s256_challenge
from ..client.browser import BROWSER
from ..jose.tokens import shorten
from ..net.messages import Request
from ..net.wire import Event
from .evidence import body_of, client_check, token_outcome, verification
from .steps import Check, Scenario, Step, StepFn
from .world import World, build_world

__all__ = ["AUTHORIZATION_CODE", "CLIENT_CREDENTIALS", "PASSWORD_LOGIN", "ROPC_FORBIDDEN",
           "TOKEN_LIFECYCLE"]

ROPC_FORBIDDEN = (
    "RFC 9700 §2.4: the password grant MUST NOT be used. The app sees the password, the user "
    "cannot be asked for a second factor or consent, and users learn to type passwords into apps. "
    "Use the authorization code flow with PKCE.")


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def _verified(world: World, title: str, explanation: str) -> Step:
    """The app's last API call, with what the API found when it verified the token."""
    event = world.wire.last
    assert event is not None
    return Step(actor=world.app.name, title=title, explanation=explanation,
                report=verification(world, event))


# -- (a) client credentials ------------------------------------------------------------------------


def _cc_ask(world: World) -> Step:
    world.app.login()
    return Step(
        actor=world.app.name, title="The app asks the authorization server for a token",
        explanation=(
            "The app proves who it is with its client id and secret (HTTP Basic, RFC 6749 "
            "§2.3.1) and asks for the scope weather:read, for the weather API (resource, RFC "
            "8707). No user is involved: this is the client credentials grant (RFC 6749 §4.4)."),
        part="request", outcome="sent: grant_type=client_credentials, scope=weather:read")


def _cc_issue(world: World) -> Step:
    event = world.wire.last
    assert event is not None
    return Step(
        actor="auth server", title="The authorization server checks the app and issues a token",
        explanation=(
            "It compares the client secret with the hash it keeps, checks that the app is "
            "registered for the scope it asks for, and signs a JWT access token (RFC 9068) for "
            "300 seconds. No refresh token: an app with its own credentials simply asks again "
            "(RFC 6749 §4.4.3)."),
        checks=_issue_checks(world, event), message=event, part="response",
        outcome=token_outcome(event))


def _issue_checks(world: World, event: Event) -> tuple[Check, ...]:
    """What the token endpoint checked before issuing: the client, then the scope it asked."""
    granted = str(body_of(event).get("scope", ""))
    return (client_check(world, event),
            Check("the app is registered for the scope it asked for", event.status == 200,
                  f"granted {granted!r}" if granted else event.outcome))


def _cc_read(world: World) -> Step:
    world.app.get("/weather")
    return _verified(world, "The app calls the API: GET /weather", (
        "The token travels in the Authorization header (RFC 6750 §2.1). The API checks it in "
        "three steps — decode, signature, claims — and GET /weather needs weather:read."))


def _cc_write(world: World) -> Step:
    world.app.post("/weather", {"city": "Amsterdam", "sky": "sunny"})
    return _verified(world, "The app tries to change the forecast: POST /weather", (
        "POST /weather needs weather:write. The token is genuine and fresh, so decode and "
        "signature pass — but it grants only weather:read. The API answers 403 "
        "insufficient_scope and names the scope it needs in the WWW-Authenticate header "
        "(RFC 6750 §3.1). The app asked only for what it needed, so this token cannot write."))


CLIENT_CREDENTIALS = Scenario(
    name="client credentials",
    title="An app gets a token for itself (client credentials)",
    intro=("The weather app works for itself, not for a user: it has its own client id and "
           "secret. Watch it get a token, use it, and be refused what the token does not allow."),
    builder=lambda seed: build_world(seed, app="weather-app", grant="client_credentials",
                                     scopes=("weather:read", "weather:write")),
    steps=(_cc_ask, _cc_issue, _cc_read, _cc_write),
)


# -- (a') the article's five steps, expiry included -------------------------------------------------


def _numbered(number: int, name: str, step_fn: StepFn) -> StepFn:
    """``step_fn`` with the article's step number and name in front of its title."""
    def numbered(world: World) -> Step:
        step = step_fn(world)
        return replace(step, title=f"Article step {number} ({name}): {step.title}")
    return numbered


def _five_store(world: World) -> Step:
    kept = sorted(world.app.storage.load())
    return Step(
        actor=world.app.name, title="The app keeps the token",
        explanation=(
            "Nothing travels: the app stores what the token response said — the token, its "
            "type, how long it lives and its scope — and notes when it got it, so it knows when "
            "the token runs out. From now on it sends the token with every request; the secret "
            "stays at home."),
        outcome=f"stored: {', '.join(kept)}")


def _five_expire(world: World) -> Step:
    token = world.app.access_token
    assert token is not None
    world.clock.advance(world.auth.access_ttl)
    world.api.handle(Request.get(f"{world.api.audience}/weather",
                                 {"Authorization": f"Bearer {token}"}), sender=world.app.name)
    return _verified(world, "Five minutes later, the same token: 401", (
        f"The clock moves {world.auth.access_ttl} s, to the token's exp. The token is unchanged "
        "and its signature still valid, but RFC 7519 §4.1.4 says the current time must be "
        "before exp, so the API refuses it: 401 invalid_token, in the WWW-Authenticate header "
        "(RFC 6750 §3.1). Nobody revoked anything — the token simply ran out."))


def _five_renew(world: World) -> Step:
    world.app.login()
    event = world.wire.last
    assert event is not None
    return Step(
        actor="auth server", title="The app asks again and gets a new token",
        explanation=(
            "With client credentials there is no refresh token (RFC 6749 §4.4.3: SHOULD NOT): "
            "the app simply repeats steps 1 and 2 — the same request with its id and secret, "
            "the same checks — and the authorization server issues a fresh token for another "
            "300 s."),
        checks=_issue_checks(world, event), message=event, part="exchange",
        outcome=token_outcome(event))


def _five_use_again(world: World) -> Step:
    world.app.get("/weather")
    return _verified(world, "The new token works: 200", (
        "Back to step 4 with the new token: decode, signature and claims pass, and the "
        "forecast comes back. Short-lived tokens cost one extra request now and then; in "
        "exchange a stolen one is worth five minutes."))


TOKEN_LIFECYCLE = Scenario(
    name="five steps",
    title="The article's five steps: credentials, token, store, use, expiry — and a new token",
    intro=("The weather app gets a token with its own id and secret, keeps it, uses it, and "
           "meets the moment it expires; then it asks again. That is the article's five steps "
           "and two more: asking again is step 1 once more, and using the new token step 4. "
           "Each step shows the article's number."),
    builder=lambda seed: build_world(seed, app="weather-app", grant="client_credentials",
                                     scopes=("weather:read",)),
    steps=(_numbered(1, "credentials", _cc_ask), _numbered(2, "token", _cc_issue),
           _numbered(3, "store", _five_store), _numbered(4, "use", _cc_read),
           _numbered(5, "expiry", _five_expire), _numbered(1, "again", _five_renew),
           _numbered(4, "use", _five_use_again)),
)


# -- (b) the article's 7-step login: the password grant ---------------------------------------------


def _pw_type(world: World) -> Step:
    return Step(
        actor="Alice", title="Alice types her user name and password into the app",
        explanation=(
            "The app shows its own login form. Nothing has travelled yet — but the app now holds "
            "Alice's password, and that is what is wrong with this flow."),
        outcome=f"the app holds {world.username}'s user name and password",
        notes=(ROPC_FORBIDDEN,))


def _pw_send(world: World) -> Step:
    world.app.login(world.username, world.password)
    return Step(
        actor=world.app.name, title="The app sends them to the authorization server",
        explanation=(
            "POST /token with grant_type=password: Alice's user name and password in the form "
            "body, the app's own credentials in HTTP Basic (RFC 6749 §4.3.2). The rendering masks "
            "both secrets; on a real connection only TLS protects them."),
        part="request", outcome=f"sent: grant_type=password with {world.username}'s password")


def _pw_issue(world: World) -> Step:
    event = world.wire.last
    assert event is not None
    ok = event.status == 200
    return Step(
        actor="auth server", title="The server checks the password and issues tokens",
        explanation=(
            "It checks the app's secret and Alice's password against the salted hashes it keeps, "
            "then signs a short-lived access token (a JWT, RFC 9068) and adds a refresh token, "
            "so the app will not need the password again when the access token expires."),
        checks=(client_check(world, event),
                Check(f"{world.username}'s user name and password", ok,
                      "match the salted scrypt hash the server keeps" if ok
                      else str(body_of(event).get("error_description", event.outcome)))),
        message=event, part="response", outcome=token_outcome(event))


def _pw_store(world: World) -> Step:
    storage = world.app.storage
    held = [k for k in ("access_token", "refresh_token") if k in storage.load()]
    return Step(
        actor=world.app.name, title="The app stores the tokens",
        explanation=(
            "The article says 'in browser storage'; no OAuth standard says so, and the choice "
            f"matters. This app keeps them in {storage.explain()}."),
        outcome=f"kept in {storage.kind}: {', '.join(held) or 'nothing'}")


def _pw_call(world: World) -> Step:
    world.app.get("/weather")
    return Step(
        actor=world.app.name, title="The app calls the API with the token",
        explanation=(
            "Every request carries the access token in the Authorization header, as 'Bearer' and "
            "the token (RFC 6750 §2.1) — not in the URL, where it would end up in logs."),
        part="request", outcome="sent: GET /weather with the access token in the header")


def _pw_verify(world: World) -> Step:
    event = world.wire.last
    assert event is not None
    report = verification(world, event)
    failed = report.failed_step if report is not None else None
    return Step(
        actor="api", title="The API verifies the token",
        explanation=(
            "Three steps, stopping at the first failure: decode (three base64url parts of JSON), "
            "signature (under the authorization server's public key — the API never sees a "
            "password or secret), then claims and policy: typ at+jwt, issuer, audience, expiry, "
            "and the scope weather:read that GET /weather needs."),
        report=report, message=event, part="request",
        outcome="all three steps pass" if failed is None else f"{failed.name} failed: {failed.detail}")


def _pw_answer(world: World) -> Step:
    event = world.wire.last
    assert event is not None
    return Step(
        actor="api", title="The API answers with the forecast",
        explanation=(
            "The article's last step — log in again when the token expires — is what the refresh "
            "token avoids: see the expiry-and-refresh flow."),
        message=event, part="response")


PASSWORD_LOGIN = Scenario(
    name="password login",
    title="The article's 7-step login (the password grant — do not use it)",
    intro=("The beginner's article describes a login in seven steps: the user gives the app her "
           "password, the app trades it for a token. It works, and it is forbidden: "
           + ROPC_FORBIDDEN),
    builder=lambda seed: build_world(seed, app="weather-app", grant="password"),
    steps=(_pw_type, _pw_send, _pw_issue, _pw_store, _pw_call, _pw_verify, _pw_answer),
)


# -- (c) authorization code + PKCE ---------------------------------------------------------------------


def _ac_redirect(world: World) -> Step:
    url = world.app.start_login()
    world.memo["authorize_url"] = url
    world.auth.handle(Request.get(url), sender=BROWSER)
    params = _query(url)
    carried = "state" in params and params.get("code_challenge_method") == "S256"
    return Step(
        actor=world.app.name, title="The app sends Alice's browser to the login page",
        explanation=(
            "The app never asks for the password. It sends the browser to the authorization "
            "server's /authorize with its client_id, its registered redirect_uri, a random state "
            "(to recognise the answer, RFC 6749 §10.12) and a PKCE code_challenge: the SHA-256 "
            "of a secret code_verifier that stays in the app (RFC 7636). The server answers with "
            "its login page."),
        checks=(Check("the request carries state and a PKCE challenge", carried,
                      f"state={params.get('state')}, code_challenge="
                      f"{shorten(params.get('code_challenge'))} (S256)"),))


def _ac_login(world: World) -> Step:
    params = _query(world.memo["authorize_url"])
    endpoint = world.auth.metadata()["authorization_endpoint"]
    world.auth.handle(Request.post(endpoint, {**params, "username": world.username,
                                              "password": world.password}), sender=BROWSER)
    return Step(
        actor="Alice", title="Alice logs in at the authorization server",
        explanation=(
            "She types her password into the authorization server's own page, which posts it to "
            "/authorize. It goes from her browser to the authorization server only — the app "
            "never sees it. Here the server could also ask for a second factor, or her consent."),
        part="request", outcome=f"sent: {world.username}'s password, to the authorization server")


def _ac_code(world: World) -> Step:
    event = world.wire.last
    assert event is not None
    location = event.response_headers.get("Location", "")
    ok = event.status == 302 and "code" in _query(location)
    return Step(
        actor="auth server", title="The server redirects back with a code and the state",
        explanation=(
            "A 302 redirect to the app's registered redirect_uri, with a one-time authorization "
            "code (valid 60 s, single use) and the state the app sent. The code is not a token, "
            "and it is useless without the code_verifier, which never left the app."),
        checks=(Check(f"{world.username}'s user name and password", ok,
                      "match the salted scrypt hash the server keeps" if ok else event.outcome),),
        message=event, part="response")


def _ac_state(world: World) -> Step:
    event = world.wire.last
    assert event is not None
    location = event.response_headers.get("Location", "")
    accepted = world.app.receive_redirect(location)
    sent = _query(world.memo["authorize_url"]).get("state")
    got = _query(location).get("state")
    return Step(
        actor=world.app.name, title="The browser brings code and state to the app; it checks state",
        explanation=(
            "The browser follows the redirect to the app's callback. Before using the code, the "
            "app compares state with the value it saved: an answer it did not ask for — a forged "
            "link planting an attacker's code — is refused (CSRF, RFC 6749 §10.12; RFC 9700 §4.7)."),
        checks=(Check("state is the one the app sent", accepted and sent == got,
                      f"sent {sent}, got back {got}"),))


def _ac_exchange(world: World) -> Step:
    world.app.exchange_code()
    event = world.wire.last
    assert event is not None
    verifier = (event.body or {}).get("code_verifier")
    challenge = _query(world.memo["authorize_url"]).get("code_challenge")
    matches = isinstance(verifier, str) and s256_challenge(verifier) == challenge
    return Step(
        actor=world.app.name, title="The app exchanges the code, with its PKCE verifier, for tokens",
        explanation=(
            "Server to server: POST /token with the code, the redirect_uri and the code_verifier, "
            "authenticated with the app's secret. Whoever intercepted the code cannot redeem it "
            "without the verifier (RFC 7636 §1)."),
        checks=(client_check(world, event),
                Check("the code_verifier matches the code_challenge", matches and event.status == 200,
                      "BASE64URL(SHA-256(code_verifier)) equals the challenge of step 1 "
                      "(RFC 7636 §4.6)")),
        outcome=token_outcome(event))


def _ac_call(world: World) -> Step:
    world.app.get("/weather")
    return _verified(world, "The app calls the API with Alice's token", (
        "The access token speaks for Alice (sub) and this app (client_id). The API verifies it "
        "exactly as before: it does not care how the app got it."))


AUTHORIZATION_CODE = Scenario(
    name="authorization code + PKCE",
    title="A user logs in the modern way (authorization code + PKCE)",
    intro=("Alice logs in to the weather web app. Her password goes to the authorization server "
           "only; the app receives a one-time code and proves, with PKCE, that it is the app "
           "that asked for it (RFC 6749 §4.1, RFC 7636, RFC 9700 §2.1.1)."),
    builder=lambda seed: build_world(seed, app="weather-web", grant="authorization_code"),
    steps=(_ac_redirect, _ac_login, _ac_code, _ac_state, _ac_exchange, _ac_call),
)
