"""Notebook 00, start here: what anyone holding a token can read."""

from __future__ import annotations

from .model import Exercise

EXERCISES: tuple[Exercise, ...] = ()
