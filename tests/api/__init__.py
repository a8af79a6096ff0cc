"""Tests of tokenlab.api: the resource server and RFC 6750 over HTTP."""
