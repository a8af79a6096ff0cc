"""Tests of tokenlab.widgets: the interactive views."""
