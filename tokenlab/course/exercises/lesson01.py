"""Notebook 01, what an API token is: what a bearer token proves, and where it goes in a request."""

from __future__ import annotations

from typing import Any

from .model import Exercise, Verdict, choice, safe


@safe
def check_authorization_header(answer: Any, token: str) -> Verdict:
    """The ``Authorization`` header value that sends ``token`` (RFC 6750 §2.1)."""
    if not isinstance(answer, str) or not answer.strip():
        return Verdict(False, "write the value of the Authorization header, e.g. 'Bearer ...'")
    value = answer.strip()
    if value.lower().startswith("authorization:"):
        value = value.split(":", 1)[1].strip()
    scheme, _, credential = value.partition(" ")
    if scheme == token or (len(scheme) > 20 and scheme.count(".") == 2):
        return Verdict(False, "that is the token alone; the value starts with the scheme: "
                              "'Bearer', a space, then the token (RFC 6750 §2.1)")
    if scheme.lower() != "bearer":
        return Verdict(False, f"the scheme must be 'Bearer' (RFC 6750 §2.1), not {scheme!r}")
    if credential.strip() != token:
        if token.startswith(credential.strip()) or credential.strip().startswith(token[:10]):
            return Verdict(False, "the scheme is right, but the token must be the whole token, "
                                  "character for character")
        return Verdict(False, "the scheme is right, but that is not the token")
    return Verdict(True, "'Bearer', a space, then the token: the header every client should "
                         "use (RFC 6750 §2.1); a URL would leak it into logs (§2.3)")


_COPIED = "200 and a cookie, recorded as for the kid"

EXERCISES = (
    Exercise(
        "copied-token", "01", "predict",
        "The kid's sibling copied the kid's access token and sends it from another room, in the "
        "same Authorization: Bearer header. What does the kitchen API answer?",
        choice(_COPIED, {
            _COPIED: "a bearer token works for any party in possession of it (RFC 6750 §1.2): the "
            "API checks the token, and the copy is the token, character for character",
            "401: the API can tell the request does not come from the kid": "nothing in the "
            "request says who sent it except the token, and the token is genuine. (The sender "
            "label only names the message on the simulated wire; the API never sees it.)",
            "403 insufficient_scope: the token was issued to the kid, not to the sibling": "403 "
            "is for a valid token that lacks a scope; this one grants cookies:take. It names the "
            "kid's app, but nothing in it says who holds it",
            "401 invalid_token: a copy no longer matches its signature": "copying changes no "
            "character: the signature still matches, so the copy passes every check the "
            "original passes"}),
        "A bearer token is like cash: holding it is all it takes (RFC 6750 §1.2). That is why a "
        "token must not leak, and why it should not live long.",
        answer=_COPIED,
        hint="What does the API check: the token, or who is sending it?",
        choices=("401: the API can tell the request does not come from the kid",
                 "403 insufficient_scope: the token was issued to the kid, not to the sibling",
                 "401 invalid_token: a copy no longer matches its signature",
                 _COPIED)),
    Exercise(
        "bearer-header", "01", "build",
        "Write the value of the Authorization header that sends the access token `token`.",
        check_authorization_header,
        "The scheme Bearer, a space, the whole token (RFC 6750 §2.1).",
        code="f'Bearer {token}'",
        hint="The scheme comes first, then a space, then the token."),
    Exercise(
        "query-token-leak", "01", "reason",
        "An app sends its access token in the URL, as ?access_token=..., over HTTPS. Where can a "
        "copy of the token end up?",
        choice("in access logs, proxies, browser history and Referer headers", {
            "in access logs, proxies, browser history and Referer headers": "a URL is written "
            "down wherever requests are handled or remembered; the header is not (RFC 6750 §2.3, "
            "RFC 9110 §17.9)",
            "only at the API that receives the request": "the web server and every proxy in front "
            "of the API log the request line, query included, and a browser keeps the URL in its "
            "history",
            "nowhere: HTTPS encrypts the whole URL": "HTTPS hides the URL from the network, but "
            "every endpoint that handles the request reads it in clear text and may log it",
            "nowhere: the API removes the token before logging": "the access log is written by the "
            "web server or proxy from the request line; the API's own code has no say in it"}),
        "Send it in the Authorization header instead (RFC 6750 §2.1).",
        answer="in access logs, proxies, browser history and Referer headers",
        hint="Who reads a URL besides the API? Think of the server's log files and of a browser.",
        choices=("only at the API that receives the request",
                 "nowhere: HTTPS encrypts the whole URL",
                 "in access logs, proxies, browser history and Referer headers",
                 "nowhere: the API removes the token before logging")),
)
