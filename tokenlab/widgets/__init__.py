"""Interactive views for the notebooks (ipywidgets): thin, drivable from Python, never printing.

>>> from tokenlab.widgets import FlowWalker                       # doctest: +SKIP
>>> from tokenlab.scenarios import CLIENT_CREDENTIALS             # doctest: +SKIP
>>> FlowWalker(CLIENT_CREDENTIALS)                                # doctest: +SKIP
FlowWalker(client credentials: step 0 of 4)

Each widget renders into its own state (``HTML`` and ``Image`` values), has a short stable
``repr`` (the ``text/plain`` that nbval compares) and shows an exception in a callback as a message
inside the widget, leaving its state as it was. ``import tokenlab`` does not import this package.

The top layer: may import everything below it, and nothing imports it.
"""

from .attack_lab import AttackLab
from .clock import ClockControl
from .exercise import ExerciseBox
from .exposure import ExposureExplorer
from .flow_walker import FlowWalker
from .inspector import TokenInspector
from .scopes import ScopeExplorer

__all__ = ["AttackLab", "ClockControl", "ExerciseBox", "ExposureExplorer", "FlowWalker", "ScopeExplorer",
           "TokenInspector"]
