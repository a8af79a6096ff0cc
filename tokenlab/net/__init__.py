"""What travels between the actors, and where it leaks: the wire that records every request and
response (secrets masked in every view), and the places a URL ends up — an access log, a
``Referer`` header (RFC 6750 §2.3, RFC 9700 §4.2.4).

May import the ground and :mod:`tokenlab.jose` (to recognise and shorten tokens); no actor.
"""

from .urlleaks import access_log_line, referer
from .wire import Event, Request, Response, Wire, basic_authorization, mask_for_display

__all__ = [
    "Event",
    "Request",
    "Response",
    "Wire",
    "access_log_line",
    "basic_authorization",
    "mask_for_display",
    "referer",
]
