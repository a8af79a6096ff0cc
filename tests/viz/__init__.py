"""Tests of tokenlab.viz: pictures drawn from a trace."""
