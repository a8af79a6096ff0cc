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

from .attack import AttackResult, AttackScenario, attack_result, claims_of
from .evidence import presented_token, verification
from .flows import (
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    PASSWORD_LOGIN,
    ROPC_FORBIDDEN,
    TOKEN_LIFECYCLE,
)
from .forgery import ATTACKS, FORGERIES, forgery
from .lifecycle import LOGOUT, REFRESH
from .replay import REPLAY, REPLAY_DEFENCES, WorkbenchRow, dpop_workbench, replay_captured
from .steps import PARTS, Check, Flow, FlowRun, Scenario, Step, StepFn, render_part
from .theft import (
    ACCESS_DEFENCES,
    STOLEN_ACCESS_TOKEN,
    STOLEN_ACCESS_TOKEN_DENYLIST,
    STOLEN_ACCESS_TOKEN_DPOP,
    STOLEN_ACCESS_TOKEN_INTROSPECTION,
    STOLEN_ACCESS_TOKEN_TTL,
    STOLEN_REFRESH_ATTACKER_FIRST,
    STOLEN_REFRESH_DPOP,
    STOLEN_REFRESH_ROTATION_OFF,
    STOLEN_REFRESH_TOKEN,
    STOLEN_REFRESH_VICTIM_FIRST,
    compare_stolen_access_token,
    stolen_access_token,
    stolen_refresh_token,
)
from .world import World, build_world

#: Every ready-made flow, in the order the course meets them.
FLOWS: tuple[Scenario, ...] = (CLIENT_CREDENTIALS, TOKEN_LIFECYCLE, PASSWORD_LOGIN,
                               AUTHORIZATION_CODE, REFRESH, LOGOUT)

__all__ = [
    "ACCESS_DEFENCES",
    "ATTACKS",
    "AUTHORIZATION_CODE",
    "CLIENT_CREDENTIALS",
    "FLOWS",
    "FORGERIES",
    "LOGOUT",
    "PARTS",
    "PASSWORD_LOGIN",
    "REFRESH",
    "REPLAY",
    "REPLAY_DEFENCES",
    "ROPC_FORBIDDEN",
    "STOLEN_ACCESS_TOKEN",
    "STOLEN_ACCESS_TOKEN_DENYLIST",
    "STOLEN_ACCESS_TOKEN_DPOP",
    "STOLEN_ACCESS_TOKEN_INTROSPECTION",
    "STOLEN_ACCESS_TOKEN_TTL",
    "STOLEN_REFRESH_ATTACKER_FIRST",
    "STOLEN_REFRESH_DPOP",
    "STOLEN_REFRESH_ROTATION_OFF",
    "STOLEN_REFRESH_TOKEN",
    "STOLEN_REFRESH_VICTIM_FIRST",
    "TOKEN_LIFECYCLE",
    "AttackResult",
    "AttackScenario",
    "Check",
    "Flow",
    "FlowRun",
    "Scenario",
    "Step",
    "StepFn",
    "WorkbenchRow",
    "World",
    "attack_result",
    "build_world",
    "claims_of",
    "compare_stolen_access_token",
    "dpop_workbench",
    "forgery",
    "presented_token",
    "render_part",
    "replay_captured",
    "stolen_access_token",
    "stolen_refresh_token",
    "verification",
]
