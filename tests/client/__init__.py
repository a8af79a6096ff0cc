"""Tests of tokenlab.client: the app and the browser."""
