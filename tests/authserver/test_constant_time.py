"""Secrets are compared in constant time, and an unknown client costs the same as a known one.

A comparison that stops at the first differing byte (``==``) tells an attacker, by its timing,
how much of a guess was right. RFC 6749 §10.10 and RFC 9700 §4 ask that credentials be
unguessable; that is worth nothing if the comparison leaks them byte by byte. The checks here
spy on :func:`hmac.compare_digest` (as ``test_users`` does): each one must go through it, with
both sides of the same length (so not even the length leaks), and its answer must be the one
that decides. Each test fails if the comparison is turned into ``==``.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from tokenlab import (
    AuthServer,
    Client,
    InvalidClientError,
    InvalidGrantError,
    RegisteredClient,
    ResourceServer,
    make_verifier,
    s256_challenge,
)
from tokenlab.client.browser import Browser

from ..conftest import PASSWORD

CALLBACK = "https://app.example/callback"


class CompareSpy:
    """Wraps :func:`hmac.compare_digest`; records the arguments and the answer of every call."""

    def __init__(self) -> None:
        self.real = hmac.compare_digest
        self.calls: list[tuple[Any, Any, bool]] = []

    def __call__(self, a: Any, b: Any) -> bool:
        result = self.real(a, b)
        self.calls.append((a, b, result))
        return result

    def take(self) -> list[tuple[Any, Any, bool]]:
        calls, self.calls = self.calls, []
        return calls


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> CompareSpy:
    s = CompareSpy()
    monkeypatch.setattr(hmac, "compare_digest", s)
    return s


def one_equal_length_comparison(calls: list[tuple[Any, Any, bool]]) -> tuple[Any, Any, bool]:
    assert len(calls) == 1, f"expected one hmac.compare_digest call, got {len(calls)}"
    a, b, result = calls[0]
    assert type(a) is type(b) and len(a) == len(b), f"lengths differ: {len(a)} vs {len(b)}"
    return a, b, result


# -- client secrets (RFC 6749 §2.3.1) ---------------------------------------------------------


def test_rfc6749_2_3_1_client_secret_is_compared_in_constant_time_for_every_outcome(
        auth: AuthServer, app: RegisteredClient, api: ResourceServer, spy: CompareSpy) -> None:
    """Unknown id, wrong secret and right secret alike: one equal-length constant-time
    comparison each, and its answer decides. An unknown ``client_id`` that skipped the dummy
    comparison would answer faster, and client ids could be enumerated by timing."""
    assert app.client_secret is not None
    wrong = "x" * len(app.client_secret)
    outcomes = {}
    for name, client_id, secret in (("unknown id", "no-such-client", app.client_secret),
                                    ("wrong secret", app.client_id, wrong),
                                    ("short wrong secret", app.client_id, "x"),
                                    ("right secret", app.client_id, app.client_secret)):
        try:
            auth.client_credentials(client_id, secret)
            outcomes[name] = True
        except InvalidClientError:
            outcomes[name] = False
        _, _, result = one_equal_length_comparison(spy.take())
        assert result is outcomes[name], f"{name}: compare_digest said {result}"
    assert outcomes == {"unknown id": False, "wrong secret": False,
                        "short wrong secret": False, "right secret": True}


def test_rfc6749_2_3_1_unknown_client_id_compares_against_a_dummy_like_a_known_one(
        auth: AuthServer, app: RegisteredClient, spy: CompareSpy) -> None:
    """The work for an unknown id is the work for a known one: the same secret is prepared the
    same way and compared against a stored-secret stand-in of the same type and length."""
    assert app.client_secret is not None
    guess = app.client_secret + "x"
    with pytest.raises(InvalidClientError):
        auth.clients.authenticate(app.client_id, guess)
    known = one_equal_length_comparison(spy.take())
    with pytest.raises(InvalidClientError):
        auth.clients.authenticate("no-such-client", guess)
    unknown = one_equal_length_comparison(spy.take())
    assert (type(unknown[0]), len(unknown[0])) == (type(known[0]), len(known[0]))
    shared = {known[0], known[1]} & {unknown[0], unknown[1]}
    assert len(shared) == 1, "the guess, prepared the same way, is one side of both comparisons"
    assert known[2] is unknown[2] is False


# -- PKCE (RFC 7636 §4.6) -----------------------------------------------------------------------


@pytest.fixture
def spa(auth: AuthServer, api: ResourceServer) -> RegisteredClient:
    """A public client: no secret, so the only comparison in its token request is PKCE's."""
    auth.register_user("alice", PASSWORD)
    return auth.register_client("spa", ["weather:read"], public=True, redirect_uris=[CALLBACK])


def code_for(auth: AuthServer, spa: RegisteredClient, verifier: str) -> str:
    r = auth.authorize(spa.client_id, CALLBACK, username="alice", password=PASSWORD,
                       state="s", code_challenge=s256_challenge(verifier),
                       code_challenge_method="S256")
    assert r.code is not None
    return r.code


@pytest.mark.parametrize("right", [True, False], ids=["right verifier", "wrong verifier"])
def test_rfc7636_4_6_verifier_is_checked_in_constant_time(
        auth: AuthServer, spa: RegisteredClient, spy: CompareSpy, right: bool) -> None:
    verifier = make_verifier()
    code = code_for(auth, spa, verifier)
    sent = verifier if right else make_verifier()
    spy.take()
    if right:
        assert auth.exchange_code(code, spa.client_id, redirect_uri=CALLBACK,
                                  code_verifier=sent).access_token
    else:
        with pytest.raises(InvalidGrantError, match="does not match the code_challenge"):
            auth.exchange_code(code, spa.client_id, redirect_uri=CALLBACK, code_verifier=sent)
    a, b, result = one_equal_length_comparison(spy.take())
    assert {a, b} == {s256_challenge(sent), s256_challenge(verifier)}
    assert result is right


# -- state at the client's redirect URI (RFC 6749 §10.12) --------------------------------------


@pytest.fixture
def web_app(auth: AuthServer, spa: RegisteredClient, api: ResourceServer) -> Client:
    return Client(auth, spa, api, grant="authorization_code", scope="weather:read")


def with_state(location: str, state: str) -> str:
    parts = urlsplit(location)
    params = dict(parse_qsl(parts.query))
    params["state"] = state
    return urlunsplit(parts._replace(query=urlencode(params)))


@pytest.mark.parametrize("right", [True, False], ids=["state sent", "forged state"])
def test_rfc6749_10_12_state_is_checked_in_constant_time(
        auth: AuthServer, web_app: Client, spy: CompareSpy, right: bool) -> None:
    redirect = Browser(auth).sign_in(web_app.start_login(), "alice", PASSWORD)
    assert redirect.state is not None
    # A forged link: same length, last character changed (what a prefix-timing attack tries).
    forged = redirect.state[:-1] + ("A" if redirect.state[-1] != "A" else "B")
    location = redirect.location if right else with_state(redirect.location, forged)
    spy.take()
    assert web_app.receive_redirect(location) is right
    a, b, result = one_equal_length_comparison(spy.take())
    assert result is right
    got = redirect.state if right else forged
    assert {bytes(a), bytes(b)} == {got.encode(), redirect.state.encode()}
    assert ("state does not match" in (web_app.last_error or "")) is not right
