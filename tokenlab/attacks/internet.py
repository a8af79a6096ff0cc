"""The simulated internet: documents anyone can host at a URL, fetched over the simulated wire.

An attacker who owns a web server can publish a JWK Set there; an API that trusts the ``jku``
header (RFC 7515 §4.1.2) then fetches the attacker's keys. Here the "web" is a dictionary of
URLs and every fetch is a :class:`~tokenlab.net.messages.Request` recorded on the
:class:`~tokenlab.net.wire.Wire` like every other message — never a real network request, so the
course stays offline and deterministic, and the trace shows the API reaching out to a stranger.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..net.messages import Request, Response, json_response, outcome_of
from ..net.wire import Wire

__all__ = ["SimulatedInternet"]


class SimulatedInternet:
    """URLs → JSON documents, reachable only through :meth:`get`, which records on ``wire``."""

    def __init__(self, wire: Wire) -> None:
        if not isinstance(wire, Wire):
            raise TypeError(f"wire must be a tokenlab Wire, not {type(wire).__name__}")
        self.wire = wire
        self._documents: dict[str, str] = {}

    def host(self, url: str, document: Mapping[str, Any]) -> None:
        """Publish ``document`` (a JSON object) at ``url``, an https URL; a copy is kept, so later
        changes to ``document`` do not change what is served."""
        if not isinstance(url, str):
            raise TypeError(f"url must be a string, not {type(url).__name__}")
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"host documents at an https URL with a host name, not {url!r}")
        if not isinstance(document, Mapping):
            raise TypeError("the document must be a JSON object, such as {'keys': [...]}")
        self._documents[url] = json.dumps(dict(document))

    def get(self, url: str, *, sender: str, insecure: str | None = None,
            notes: Iterable[str] = ()) -> Response:
        """``GET url`` from ``sender``: 200 with the document, or 404; recorded on the wire with
        the URL's host as the receiver. ``insecure`` names the mistake that made ``sender``
        fetch it: the outcome then ends ``[INSECURE: <mistake>]``, as an insecure API's do."""
        request = Request.get(url)
        stored = self._documents.get(url)
        if stored is None:
            response = json_response(404, {"error": "not_found",
                                            "error_description": f"nothing is hosted at {url}"})
        else:
            response = json_response(200, json.loads(stored))
        host = urlsplit(url).hostname if isinstance(url, str) else None
        outcome = outcome_of(response) + (f" [INSECURE: {insecure}]" if insecure else "")
        self.wire.record(request, response, sender=sender, receiver=host or str(url),
                         outcome=outcome, notes=notes)
        return response

    def __len__(self) -> int:
        return len(self._documents)

    def __repr__(self) -> str:
        return f"SimulatedInternet({len(self._documents)} documents hosted)"
