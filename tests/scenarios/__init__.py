"""Tests of tokenlab.scenarios: the walkable flows."""
