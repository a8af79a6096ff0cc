"""Tests of tokenlab.authserver: grants, families, revocation, introspection, endpoints."""
