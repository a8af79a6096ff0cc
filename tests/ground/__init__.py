"""Tests of the ground: clock, randomness, errors, report, store."""
