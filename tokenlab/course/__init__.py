"""Helpers for particular lessons: static API keys (notebook 02), the exposure of a leaked
credential (02, 07), load measured on the wire (07) and the exercises with automatic checks.

They stand on the actors below (servers, API, client) and are used by the notebooks, the
widgets and the plots; no actor imports them.
"""

from .apikeys import APIKeyStore
from .exercises import EXERCISES, exercise
from .exposure import Exposure, simulate_exposure
from .load import compare_load, load_table, run_load

__all__ = [
    "EXERCISES",
    "APIKeyStore",
    "Exposure",
    "compare_load",
    "exercise",
    "load_table",
    "run_load",
    "simulate_exposure",
]
