"""The error hierarchy: one root, standard codes, exported everywhere they should be."""

from __future__ import annotations

import inspect

import pytest

import tokenlab
from tokenlab import errors


def _error_classes() -> list[type[errors.TokenError]]:
    found = [c for _, c in inspect.getmembers(errors, inspect.isclass)
             if issubclass(c, errors.TokenError) and c.__module__ == errors.__name__]
    assert len(found) >= 15
    return found


def test_every_error_is_exported_from_errors_and_tokenlab() -> None:
    for cls in _error_classes():
        assert cls.__name__ in errors.__all__, cls
        assert cls.__name__ in tokenlab.__all__, cls
        assert getattr(tokenlab, cls.__name__) is cls


def test_all_lists_only_real_names() -> None:
    for module in (tokenlab, errors):
        assert len(module.__all__) == len(set(module.__all__))
        for name in module.__all__:
            assert hasattr(module, name), name


def test_one_root() -> None:
    for cls in _error_classes():
        assert issubclass(cls, tokenlab.TokenError)
        assert issubclass(cls, Exception)


@pytest.mark.parametrize(
    ("cls", "code", "status"),
    [
        (errors.MalformedTokenError, "invalid_token", 401),
        (errors.InvalidSignatureError, "invalid_token", 401),
        (errors.InsufficientScopeError, "insufficient_scope", 403),
        (errors.InvalidRequestError, "invalid_request", 400),
        (errors.InvalidClientError, "invalid_client", 401),
        (errors.InvalidGrantError, "invalid_grant", 400),
        (errors.UnauthorizedClientError, "unauthorized_client", 400),
        (errors.InvalidScopeError, "invalid_scope", 400),
        (errors.InvalidTargetError, "invalid_target", 400),
    ],
)
def test_standard_codes(cls: type[errors.TokenError], code: str, status: int) -> None:
    assert cls.error == code and cls.status == status


def test_code_depends_on_context() -> None:
    at_api = errors.ExpiredTokenError("expired 1 s ago", exp=10, now=11)
    at_token_endpoint = errors.ExpiredTokenError("expired 1 s ago", exp=10, now=11,
                                                 error="invalid_grant", status=400)
    assert at_api.error == "invalid_token" and at_api.status == 401
    assert at_token_endpoint.error == "invalid_grant" and at_token_endpoint.status == 400
    assert errors.ExpiredTokenError.error == "invalid_token"  # the class default is untouched
    assert at_token_endpoint.to_dict() == {"error": "invalid_grant",
                                           "error_description": "expired 1 s ago"}
    assert at_api.expired_for == 1


def test_repr_and_str() -> None:
    err = errors.InvalidClientError("client authentication failed")
    assert str(err) == "client authentication failed"
    assert repr(err) == "InvalidClientError(error='invalid_client', 'client authentication failed')"
