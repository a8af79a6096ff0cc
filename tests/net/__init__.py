"""Tests of tokenlab.net: the wire and URL leaks."""
