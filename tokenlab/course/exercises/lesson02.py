"""Notebook 02, API keys against API tokens: how long a leaked credential works."""

from __future__ import annotations

from .model import Exercise, choice

EXERCISES = (
    Exercise(
        "leaked-key-lifetime", "02", "predict",
        "An API key leaks into a public repository. For how long can an attacker use it?",
        choice("until someone revokes it", {
            "until someone revokes it": "an API key has no expiry; it works until it is revoked",
            "5 minutes": "that is an access token's lifetime; a key has none",
            "until the next login": "keys are not tied to logins",
            "not at all, the server stores only a hash": "the hash protects the server's "
            "database; the leaked key itself still works"}),
        "A static key carries no expiry.",
        answer="until someone revokes it",
        choices=("5 minutes", "until the next login", "until someone revokes it",
                 "not at all, the server stores only a hash")),
    Exercise(
        "stateless-jwt-leak", "02", "predict",
        "A JWT access token valid for 30 days leaks. The API verifies tokens statelessly "
        "(signature and claims, no denylist). After an hour the owner notices and revokes the "
        "token at the authorization server. For how long can the attacker use it?",
        choice("until its exp, 30 days after it was issued", {
            "until its exp, 30 days after it was issued": "the stateless API never hears of the "
            "revocation: a long-lived bearer JWT leaks like an API key (RFC 7009 §3)",
            "one hour, until the revocation": "that is what an API with a denylist or "
            "introspection does; this one checks only the signature and the claims",
            "5 minutes": "that is the course server's default access_ttl; this token was issued "
            "for 30 days",
            "not at all: the token is signed": "the signature proves who issued the token, not "
            "who holds it: a bearer token works for whoever has a copy (RFC 6750 §1.2)"}),
        "Revocation only works where the API consults state (a denylist, or introspection).",
        answer="until its exp, 30 days after it was issued",
        hint="What does a stateless API look at when it verifies a token?",
        choices=("5 minutes", "one hour, until the revocation",
                 "until its exp, 30 days after it was issued",
                 "not at all: the token is signed")),
)
