"""Ready-made stories over the core, one :class:`Step` at a time (no widgets, no plotting here).

>>> from tokenlab.scenarios import CLIENT_CREDENTIALS
>>> walk = CLIENT_CREDENTIALS.run()
>>> [step.outcome.split(":")[0] for step in walk.steps][-2:]
['200 OK', '403 insufficient_scope']

Every flow is deterministic: ``flow.run(n)`` builds a fresh seeded world and replays the first
``n`` steps, so stepping back is ``flow.run(n - 1)`` — the simulated clock never runs backwards.

May import every actor — the ground up to :mod:`tokenlab.client` — and nothing above it: not
:mod:`tokenlab.course`, the plots or the widgets, which import it.
"""

from .evidence import presented_token, verification
from .flows import (
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    PASSWORD_LOGIN,
    ROPC_FORBIDDEN,
    TOKEN_LIFECYCLE,
)
from .lifecycle import LOGOUT, REFRESH
from .steps import PARTS, Check, Flow, FlowRun, Scenario, Step, StepFn, render_part
from .world import World, build_world

#: Every ready-made flow, in the order the course meets them.
FLOWS: tuple[Scenario, ...] = (CLIENT_CREDENTIALS, TOKEN_LIFECYCLE, PASSWORD_LOGIN,
                               AUTHORIZATION_CODE, REFRESH, LOGOUT)

__all__ = [
    "AUTHORIZATION_CODE",
    "CLIENT_CREDENTIALS",
    "FLOWS",
    "LOGOUT",
    "PARTS",
    "PASSWORD_LOGIN",
    "REFRESH",
    "ROPC_FORBIDDEN",
    "TOKEN_LIFECYCLE",
    "Check",
    "Flow",
    "FlowRun",
    "Scenario",
    "Step",
    "StepFn",
    "World",
    "build_world",
    "presented_token",
    "render_part",
    "verification",
]
