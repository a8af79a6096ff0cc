"""A password change ends every grant made with the old password — also those in flight.

RFC 9700 §4.14.2 lets an authorization server revoke refresh tokens "in case of a security event,
such as: password change"; tokenlab does, for every family of the user. These tests close the
windows around that: a grant that checked the old password *before* the change but issues
*after* it, and an authorization code issued before the change and exchanged after it. Both
orders are forced deterministically with a hook between the password check and the issuance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from tokenlab import (
    AccessDeniedError,
    AuthServer,
    InvalidGrantError,
    RegisteredClient,
    ResourceServer,
    RevokedTokenError,
    make_verifier,
    s256_challenge,
)
from tokenlab.authserver.authcode import CODE
from tokenlab.authserver.users import User

from ..conftest import PASSWORD, rt

NEW = "a brand new password"
CB = "https://web.example/cb"


@pytest.fixture
def web(auth: AuthServer, api: ResourceServer) -> RegisteredClient:
    auth.register_user("alice", PASSWORD)
    return auth.register_client("web", ["weather:read"], redirect_uris=[CB])


@contextmanager
def after_password_check(auth: AuthServer, action: Callable[[], object]) -> Iterator[list[str]]:
    """Run ``action`` once, right after the next successful check of alice's *old* password
    (that is, between a grant's authentication and its issuance). Yields the log of calls."""
    real = auth.users.authenticate
    log: list[str] = []

    def hooked(username: str, password: str) -> User | None:
        user = real(username, password)
        if not log and user is not None and password == PASSWORD:
            log.append("password checked")
            action()
            log.append("password changed in between")
        return user

    auth.users.authenticate = hooked  # type: ignore[method-assign]
    try:
        yield log
    finally:
        auth.users.authenticate = real  # type: ignore[method-assign]


def change(auth: AuthServer) -> Callable[[], object]:
    # The change itself checks the old password: that call must not trigger the hook again,
    # which the hook guarantees by running once.
    return lambda: auth.change_password("alice", PASSWORD, NEW)


def test_rfc9700_4_14_2_password_grant_in_flight_during_a_password_change_yields_no_token(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    """The grant checked the old password, then the password changed, then the grant would
    issue: it must refuse, or a family made from the old password lives for refresh_ttl."""
    with (after_password_check(auth, change(auth)) as log,
          pytest.raises(InvalidGrantError, match="password changed")):
        auth.password_grant(web.client_id, web.client_secret, "alice", PASSWORD)
    assert log == ["password checked", "password changed in between"]
    assert not [f for f in auth.families.of_subject("alice") if not f.revoked]
    # The new password works, the old one does not.
    assert auth.password_grant(web.client_id, web.client_secret, "alice", NEW).refresh_token
    with pytest.raises(InvalidGrantError):
        auth.password_grant(web.client_id, web.client_secret, "alice", PASSWORD)


def test_rfc9700_4_14_2_password_grant_completed_before_the_change_is_revoked_by_it(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    """The other order: the grant issues first, then the password changes — its refresh token
    and access token die with the change."""
    t = auth.password_grant(web.client_id, web.client_secret, "alice", PASSWORD)
    assert auth.change_password("alice", PASSWORD, NEW) == 1
    with pytest.raises(RevokedTokenError):
        api.verify(t.access_token)
    with pytest.raises(InvalidGrantError, match="password changed"):
        auth.refresh(rt(t), web.client_id, web.client_secret)


def test_rfc9700_4_14_2_code_issued_before_a_password_change_cannot_be_exchanged_after_it(
        auth: AuthServer, web: RegisteredClient) -> None:
    verifier = make_verifier()
    code = auth.authorize(web.client_id, CB, username="alice", password=PASSWORD,
                          code_challenge=s256_challenge(verifier),
                          code_challenge_method="S256").code
    assert code is not None
    auth.change_password("alice", PASSWORD, NEW)
    with pytest.raises(InvalidGrantError, match="password changed"):
        auth.exchange_code(code, web.client_id, web.client_secret, redirect_uri=CB,
                           code_verifier=verifier)
    assert not [f for f in auth.families.of_subject("alice") if not f.revoked]


def test_rfc9700_4_14_2_authorization_in_flight_during_a_password_change_makes_no_code(
        auth: AuthServer, web: RegisteredClient) -> None:
    """The login page checked the old password, the password changed, then the code would be
    made: the login page asks again instead, and no code exists."""
    verifier = make_verifier()
    with (after_password_check(auth, change(auth)) as log,
          pytest.raises(AccessDeniedError, match="password changed")):
        auth.authorize(web.client_id, CB, username="alice", password=PASSWORD,
                       code_challenge=s256_challenge(verifier), code_challenge_method="S256")
    assert log == ["password checked", "password changed in between"]
    assert auth.store.count(CODE) == 0


def test_rfc9700_4_14_2_code_exchanged_before_the_change_is_revoked_by_it(
        auth: AuthServer, web: RegisteredClient, api: ResourceServer) -> None:
    verifier = make_verifier()
    code = auth.authorize(web.client_id, CB, username="alice", password=PASSWORD,
                          code_challenge=s256_challenge(verifier),
                          code_challenge_method="S256").code
    assert code is not None
    t = auth.exchange_code(code, web.client_id, web.client_secret, redirect_uri=CB,
                           code_verifier=verifier)
    assert auth.change_password("alice", PASSWORD, NEW) == 1
    with pytest.raises(RevokedTokenError):
        api.verify(t.access_token)


def test_two_password_changes_racing_with_the_same_old_password_one_wins(
        auth: AuthServer, web: RegisteredClient) -> None:
    """Both checked the old password; the second to write must not overwrite the first one's
    new password with its own (it authenticated with a password that is no longer valid)."""
    with (after_password_check(auth, lambda: auth.change_password("alice", PASSWORD, NEW)),
          pytest.raises(InvalidGrantError, match="changed by another request")):
        auth.change_password("alice", PASSWORD, "mallory's choice")
    assert auth.password_grant(web.client_id, web.client_secret, "alice", NEW)
    with pytest.raises(InvalidGrantError):
        auth.password_grant(web.client_id, web.client_secret, "alice", "mallory's choice")
