"""The authorization server: who may get which token, and the state behind it.

:class:`AuthServer` registers clients (:mod:`.clients`), users (:mod:`.users`) and APIs, and
composes the parts that do the work around one :class:`~.issuance.TokenIssuer`: a grant object
per ``grant_type`` (:mod:`.grants`: client credentials, password, refresh with rotation and
reuse detection; :mod:`.authcode`: authorization code + PKCE, :mod:`.pkce`), refresh-token
families (:mod:`.refresh`), revocation and introspection (:mod:`.revocation`), and its HTTP
endpoints (:mod:`.http`, which reaches the server only through a protocol).

May import the ground, :mod:`tokenlab.jose`, :mod:`tokenlab.net` and the fenced
:mod:`tokenlab.attacks` (a weak HS256 secret signs through it); never the API, the client or
anything above them.
"""

from .authcode import AuthorizationCodeGrant, AuthorizationRedirect
from .clients import RegisteredClient
from .grants import ClientCredentialsGrant, Grant, PasswordGrant, RefreshTokenGrant
from .issuance import TokenIssuer
from .pkce import make_verifier, s256_challenge
from .server import AuthServer
from .users import User

__all__ = [
    "AuthServer",
    "AuthorizationCodeGrant",
    "AuthorizationRedirect",
    "ClientCredentialsGrant",
    "Grant",
    "PasswordGrant",
    "RefreshTokenGrant",
    "RegisteredClient",
    "TokenIssuer",
    "User",
    "make_verifier",
    "s256_challenge",
]
