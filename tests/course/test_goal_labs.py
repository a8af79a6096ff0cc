"""Goal labs, PortSwigger style: the learner makes something happen, and the box checks the
result itself — it cannot be answered by copying a value printed above."""

from __future__ import annotations

import pytest

from tokenlab import AuthServer, Client, Request, ResourceServer, SimClock
from tokenlab.course.exercises import exercise, for_notebook

from ..conftest import API, ISSUER, PASSWORD

GARBAGE = [None, "", "not a token", 42, b"x", ["a.b.c"], "a.b.c"]


@pytest.fixture
def world() -> tuple[AuthServer, ResourceServer, ResourceServer, Client]:
    auth = AuthServer(ISSUER, clock=SimClock(), seed=1)
    api = ResourceServer(API, auth)
    stateless = ResourceServer(API, auth, revocation="none")
    auth.register_user("alice", PASSWORD)
    reg = auth.register_client("web", ["weather:read"], redirect_uris=["https://app.example/cb"])
    web = Client(auth, reg, api, grant="authorization_code", scope="weather:read")
    return auth, api, stateless, web


def test_rfc7009_3_goal_lab_a_revoked_token_passes_a_stateless_api(world) -> None:
    """06: "get a 200 from the stateless API with a token you revoked"."""
    auth, _, stateless, web = world
    check = exercise("revoked-but-accepted").check
    web.login("alice", PASSWORD)
    live = web.access_token
    assert not check(live, auth, stateless)  # not revoked yet
    assert "revoke" in check(live, auth, stateless).reason
    web.logout()
    verdict = check(live, auth, stateless)
    assert verdict and "never asks" in verdict.reason
    # the same revoked token against the denylist API is refused: the box says why
    api_with_denylist = ResourceServer(API, auth)
    assert "denylist" in check(live, auth, api_with_denylist).reason
    for g in GARBAGE:
        assert not check(g, auth, stateless)


def test_rfc6750_3_1_goal_lab_make_the_api_answer_401_not_403(world) -> None:
    """07: a request to POST /weather (which needs weather:write) that gets 401, not 403 — the
    token itself must be bad; a missing token's bare challenge does not count."""
    _, api, _, web = world
    check = exercise("401-not-403").check
    web.login("alice", PASSWORD)
    token = web.access_token
    url = f"{API}/weather"
    forbidden = api.handle(Request.post(url, {"city": "Oslo"}, {"Authorization": f"Bearer {token}"}))
    assert forbidden.status == 403 and not check(forbidden)
    assert "scope" in check(forbidden).reason
    bare = api.handle(Request.post(url, {"city": "Oslo"}))
    assert bare.status == 401 and not check(bare) and "no token" in check(bare).reason
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = api.handle(Request.post(url, {"city": "Oslo"}, {"Authorization": f"Bearer {tampered}"}))
    verdict = check(refused)
    assert refused.status == 401 and verdict and "invalid_token" in verdict.reason
    for g in GARBAGE:
        assert not check(g)


def test_goal_labs_belong_to_their_notebooks() -> None:
    assert exercise("revoked-but-accepted") in for_notebook("06")
    assert exercise("401-not-403") in for_notebook("07")
