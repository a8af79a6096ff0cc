"""Tests of tokenlab.jose: keys, JWT access tokens, verification, policy."""
