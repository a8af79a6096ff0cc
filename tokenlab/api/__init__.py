"""The resource server (the API): :class:`ResourceServer` verifies access tokens — through
:mod:`tokenlab.jose`, with a denylist or introspection for revocations — and :mod:`.http` serves
its routes as RFC 6750 says: where a bearer token may travel, and how a refusal is answered.

May import the ground, :mod:`tokenlab.jose`, :mod:`tokenlab.net`, the fenced
:mod:`tokenlab.attacks` (only when an ``insecure_*`` switch is on) and :mod:`tokenlab.authserver`
(an in-process API trusts its authorization server's keys and revocations); nothing above.
"""

from .http import Route, Routes, bearer_challenge, parse_challenge
from .server import REVOCATION_MODES, ResourceServer

__all__ = ["REVOCATION_MODES", "ResourceServer", "Route", "Routes", "bearer_challenge",
           "parse_challenge"]
