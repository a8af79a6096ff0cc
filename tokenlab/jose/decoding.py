"""Step 1 of every JWT check, "decode", said for a reader: the text of a token, why it is not three
base64url parts (RFC 7515 §2), and why PyJWT could not decode them (RFC 7519 §7.2) — which part
broke, and how. Shared by the access-token :class:`~tokenlab.jose.verify.Verifier` and the ID-token
validation of :mod:`tokenlab.jose.idtoken`."""

from __future__ import annotations

import re

from ..errors import MalformedTokenError

__all__ = ["THREE_B64URL_PARTS", "ascii_text", "not_base64url", "undecodable"]

# RFC 7515 §2/§7.1: each part is base64url "with all trailing '=' characters omitted".
THREE_B64URL_PARTS = re.compile(r"[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
_NOT_B64URL = re.compile(r"[^A-Za-z0-9_-]")
_PARTS = ("header", "payload", "signature")


def ascii_text(token: str | bytes, what: str) -> str:
    """``token`` as text: bytes must be ASCII (else a MalformedTokenError); any other type is a
    TypeError naming ``what`` the caller wanted (``"a token"``, ``"an ID token"``)."""
    if isinstance(token, str):
        return token
    if isinstance(token, bytes | bytearray):
        try:
            return bytes(token).decode("ascii")
        except UnicodeDecodeError:
            raise MalformedTokenError(
                "the bytes are not ASCII; a JWT is made only of base64url characters and dots"
            ) from None
    raise TypeError(f"{what} is text (str or bytes), not {type(token).__name__}")


def not_base64url(text: str) -> MalformedTokenError:
    """Why ``text`` (three parts, ASCII) is not three base64url parts, naming the part and the
    character. RFC 7515 §2: "Base64url Encoding ... with all trailing '=' characters omitted";
    a padded token is another text for the same token, which would slip past anything keyed by
    the text (an introspection cache, a log search)."""
    for name, part in zip(_PARTS, text.split("."), strict=True):
        found = _NOT_B64URL.search(part)
        if found is None:
            continue
        char = found.group()
        if char == "=":
            return MalformedTokenError(
                f"cannot be decoded: the {name} part contains '=', base64 padding; a JWT's parts "
                "are base64url \"with all trailing '=' characters omitted\" (RFC 7515 §2): "
                "remove the '='")
        hint = (" ('+' and '/' belong to standard base64; base64url uses '-' and '_')"
                if char in "+/" else "")
        return MalformedTokenError(
            f"cannot be decoded: the {name} part contains {char!r} at position {found.start()}, "
            "which is not a base64url character; a JWT's parts use only letters, digits, '-' "
            f"and '_' (RFC 7515 §2){hint}")
    raise AssertionError("unreachable: the text matched three base64url parts")  # pragma: no cover


_PART_NAMES = {"header": "the header (first part)", "payload": "the payload (second part)",
               "crypto": "the signature (third part)"}


def undecodable(exc: BaseException, text: str) -> MalformedTokenError:
    """Why PyJWT could not decode three base64url parts, said for a reader: which part, and
    what it should be (RFC 7519 §7.2: the header and the payload decode to JSON objects);
    PyJWT's own words follow in brackets."""
    said = str(exc)
    found = re.match(r"Invalid (header|payload|crypto) (padding|string)", said)
    if found is None:
        return MalformedTokenError(f"cannot be decoded: {said}")
    part, what = _PART_NAMES[found.group(1)], found.group(2)
    if what == "padding" and len(text.split(".")[list(_PART_NAMES).index(found.group(1))]) % 4 == 1:
        why = ("its length is not one base64url can have: a character is missing or one too "
               "many")
    elif what == "padding":
        why = ("its last character is not a canonical base64url ending: the bits it carries "
               "beyond the data must be zero (RFC 4648 §3.5)")
    elif "json object" in said:
        why = "it decodes to JSON, but not to an object {...} (RFC 7519 §7.2)"
    else:
        why = ("it no longer decodes to UTF-8 JSON (RFC 7519 §7.2): a changed character "
               "usually breaks the JSON inside")
    return MalformedTokenError(f"cannot be decoded: {part}: {why} [PyJWT: {said}]")
