"""Tests of tokenlab.attacker: the attacker of the lessons and the exposure Monte Carlo."""
