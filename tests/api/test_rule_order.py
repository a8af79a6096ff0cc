"""Validity before authorization: a token that is not valid is 401 ``invalid_token`` whatever it
asks for; only a valid token can be 403 ``insufficient_scope`` (RFC 6750 §3.1).

RFC 6750 §3.1: ``invalid_token`` — "The access token provided is expired, revoked, malformed, or
invalid for other reasons"; ``insufficient_scope`` — "The request requires higher privileges
than provided by the access token." A revoked token provides no privileges at all, so the
scope is judged only once every validity check (claims, then revocation: the denylist or the
authorization server's introspection answer) has passed.
"""

from __future__ import annotations

import pytest

from tokenlab import (
    AuthServer,
    InsufficientScopeError,
    RegisteredClient,
    Request,
    ResourceServer,
    Response,
    RevokedTokenError,
    StepStatus,
)
from tokenlab.api.http import parse_challenge

from ..conftest import API

WEATHER = f"{API}/weather"
MODES = ("denylist", "introspect")


def _read_only_token(auth: AuthServer, app: RegisteredClient) -> str:
    """A token granting weather:read only: POST /weather (weather:write) is beyond it."""
    return auth.client_credentials(app.client_id, app.client_secret,
                                   scope="weather:read").access_token


def _post_weather(api: ResourceServer, token: str) -> Response:
    return api.handle(Request.post(WEATHER, {"city": "Oslo"},
                                   {"Authorization": f"Bearer {token}"}))


@pytest.mark.parametrize("mode", MODES)
def test_rfc6750_3_1_revoked_token_is_401_invalid_token_whatever_the_scope(
        auth: AuthServer, app: RegisteredClient, mode: str) -> None:
    api = ResourceServer(API, auth, revocation=mode)
    token = _read_only_token(auth, app)
    auth.revoke(token, app.client_id, app.client_secret)
    r = _post_weather(api, token)
    assert r.status == 401
    _, params = parse_challenge(r.headers["WWW-Authenticate"])
    assert params["error"] == "invalid_token"
    assert "scope" not in params and "scope" not in r.json()
    assert "revoked" in params["error_description"]


@pytest.mark.parametrize("mode", MODES)
def test_rfc6750_3_1_revoked_token_report_says_revoked_never_lacks_scope(
        auth: AuthServer, app: RegisteredClient, mode: str) -> None:
    api = ResourceServer(API, auth, revocation=mode)
    token = _read_only_token(auth, app)
    auth.revoke(token, app.client_id, app.client_secret)
    with pytest.raises(RevokedTokenError) as ei:
        api.verify(token, scope="weather:write")
    report = ei.value.report
    assert report is not None
    assert [s.status for s in report.steps] == [StepStatus.PASSED] * 2 + [StepStatus.FAILED]
    claims_step = report.step("claims").detail
    assert "revoked" in claims_step
    assert "scope" not in claims_step and "lacks" not in str(report)
    assert "revoked" in str(api.check(token, scope="weather:write"))


def test_rfc7662_2_introspect_mode_asks_the_authorization_server_before_judging_the_scope(
        auth: AuthServer, app: RegisteredClient) -> None:
    """A valid token lacking the scope: the API still asks first, then answers 403 — and the
    wire shows the POST /introspect before the API's 403."""
    api = ResourceServer(API, auth, revocation="introspect")
    token = _read_only_token(auth, app)
    start = len(auth.wire)
    r = _post_weather(api, token)
    assert r.status == 403
    assert api.introspection_calls == 1
    paths = [(e.path, e.status) for e in auth.wire.events[start:]]
    assert paths == [("/introspect", 200), ("/weather", 403)]
    with pytest.raises(InsufficientScopeError):
        api.verify(token, scope="weather:write")
    assert api.introspection_calls == 2
