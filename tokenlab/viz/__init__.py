"""Pictures of a recorded trace, drawn with matplotlib — a view layer: the core never imports it.

Everything is drawn from the events a :class:`~tokenlab.net.wire.Wire` recorded, never by hand:

- :func:`sequence_diagram` — who sent what to whom and what came back; :func:`diagram_elements`
  is the same picture as plain data (actors, arrows, labels, failures) for tests and widgets;
- :func:`lifetime_timeline` — each token from issue to expiry, with its uses, refresh and
  revocation; :func:`timeline_elements` is its plain-data model;
- :func:`to_png` — a figure as PNG bytes of a fixed size (for ``ipywidgets.Image``).

Figures are made on matplotlib's Agg canvas without ``pyplot``, so they work headless, leave no
global state behind, and display in a notebook as they are. Labels pass through the wire's own
masking: passwords and client secrets never appear, tokens are shortened unless asked otherwise.

    from tokenlab.viz import sequence_diagram
    sequence_diagram(auth.wire, title="Alice logs in")

May import everything below it (the actors, :mod:`tokenlab.course`, :mod:`tokenlab.scenarios`);
only :mod:`tokenlab.widgets` imports it.
"""

from ._common import to_png
from .sequence import diagram_elements, sequence_diagram
from .timeline import Mark, lifetime_timeline, timeline_elements

__all__ = ["Mark", "diagram_elements", "lifetime_timeline", "sequence_diagram", "timeline_elements",
           "to_png"]
