"""The exercises of notebook 10, in the order the notebook asks them."""

from __future__ import annotations

from .model import Exercise

EXERCISES: tuple[Exercise, ...] = ()
