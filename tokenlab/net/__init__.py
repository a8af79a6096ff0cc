"""What travels between the actors, and where it leaks: the HTTP messages (:mod:`.messages`), the
wire that records every exchange (:mod:`.wire`), the masking every view of them goes through
(:mod:`.masking`: secrets never shown, tokens shortened), and the places a URL ends up — an
access log, a ``Referer`` header (:mod:`.urlleaks`; RFC 6750 §2.3, RFC 9700 §4.2.4).

May import the ground and :mod:`tokenlab.jose` (to recognise and shorten tokens); no actor.
"""

from .masking import mask_for_display
from .messages import Request, Response, basic_authorization
from .urlleaks import access_log_line, referer
from .wire import Event, Wire

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
