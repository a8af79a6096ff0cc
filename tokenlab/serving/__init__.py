"""tokenlab over real HTTP on 127.0.0.1: the same authorization server and API the course
simulates, answering curl, Authlib, PyJWT's ``PyJWKClient`` and any other client.

:func:`serve` starts both in background threads (:class:`Serving`; ``with`` stops them), the
``tokenlab serve`` command (:mod:`.cli`) in the foreground. Every request is translated into
tokenlab's :class:`~tokenlab.net.messages.Request` and answered by the very ``handle()`` the
simulated wire calls (:mod:`.adapter`), so one code path serves both and the wire records real
traffic too. ``tls=True`` serves HTTPS with a certificate from a local CA made for the run
(:mod:`.tls`); :mod:`.relay` is a TCP relay that records what a listener on the path reads.

It may import the actors it serves (authserver, api) and the layers below them (net, jose,
the ground); nothing above (client, course, scenarios, views) and nothing imports it but the
lazy :func:`tokenlab.serve` and ``python -m tokenlab``.
"""

from __future__ import annotations

from .running import Serving, serve

__all__ = ["Serving", "serve"]
