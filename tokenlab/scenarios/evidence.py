"""Reading what happened off the wire: which token a request carried, what the API found when it
verified it, what the token endpoint answered. Steps build their checks from these facts, so a
step never says more than the recorded exchange shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..net.wire import Event
from ..report import VerificationReport
from .steps import Check

if TYPE_CHECKING:
    from .world import World

__all__ = ["body_of", "client_check", "presented_token", "token_outcome", "verification"]


def presented_token(event: Event) -> tuple[str, str] | None:
    """``(token, where)`` for a request that presents an access token, ``where`` being
    ``"header"`` (RFC 6750 §2.1), ``"body"`` (§2.2) or ``"query"`` (§2.3); else ``None``."""
    for name, value in event.headers.items():
        if name.lower() == "authorization":
            scheme, _, credentials = value.strip().partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip(), "header"
    query = event.query.get("access_token")
    if query:
        return query, "query"
    body = (event.body or {}).get("access_token")
    if isinstance(body, str) and body:
        return body, "body"
    return None


def verification(world: World, event: Event) -> VerificationReport | None:
    """What the API found when it verified the token ``event`` carried: the same check
    (``api.check`` with the route's scope) on the same clock, since a step reads it before the
    clock moves. ``None`` when the request carried no token."""
    found = presented_token(event)
    if found is None:
        return None
    methods = world.api.routes.methods(event.path) or {}
    route = methods.get(event.method)
    scope = route.scope if route is not None and route.scope else None
    return world.api.check(found[0], scope)


def body_of(event: Event) -> dict[str, Any]:
    """The response body as a JSON object (``{}`` when it is not one)."""
    return event.response_body if isinstance(event.response_body, dict) else {}


def client_check(world: World, event: Event) -> Check:
    """Did the authorization server accept the app's credentials in ``event``?"""
    error = body_of(event).get("error")
    public = world.app.registration.client_secret is None
    how = ("a public app: it has no secret, so it only names itself with client_id"
           if public else "HTTP Basic: the client secret matches the hash the server keeps")
    if error == "invalid_client":
        return Check("the app's credentials", False, str(body_of(event).get("error_description")))
    return Check("the app's credentials", True, how)


def token_outcome(event: Event) -> str:
    """``'200 OK: a Bearer access token for 300 s, scope weather:read, and a refresh token'``,
    or the error of a refused token request."""
    body = body_of(event)
    if event.status != 200 or "access_token" not in body:
        return event.outcome
    refresh = ("and a refresh token" if "refresh_token" in body
               else "and no refresh token")
    return (f"{event.status} OK: a {body.get('token_type', 'Bearer')} access token for "
            f"{body.get('expires_in')} s, scope {body.get('scope')}, {refresh}")
