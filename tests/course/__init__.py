"""Tests of tokenlab.course: helpers for particular lessons and the exercises."""
