"""Keeping secrets out of everything callrec says or writes.

Graph notifications carry a bearer token (``recordingAccessToken``) and locations whose query
string may be a SAS signature; a URL may also hold a user name and password, a fragment or
``;params``. So:

- a URL that callrec reports or writes is reduced to scheme, host and path
  (:func:`redact_url`; :func:`redact_text` does it to every URL inside a text);
- a field whose name looks like a credential (:func:`looks_secret`: ``recordingAccessToken``,
  ``accessToken``, ``clientSecret``, ``password``, ``accountKey``, ``sig``, ``sas`` …, in any
  case) is shown as :data:`SECRET_MASK`;
- an error never echoes a container or a long value, only its JSON type (:func:`shown`).

This module imports nothing from callrec: errors and models both build on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any

__all__ = [
    "MAX_SHOWN",
    "SECRET_MASK",
    "Hidden",
    "json_kind",
    "looks_secret",
    "masked",
    "redact_text",
    "redact_url",
    "shown",
]

SECRET_MASK = "**********"
MAX_SHOWN = 60
"""Longest string an error quotes, in characters; longer ones are cut. Integers of more than
about 54 digits are not quoted at all."""

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
# A URL runs to the next white space: a quote may be part of a password.
_URL_IN_TEXT = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//\S*")
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]*\]|[\w.\-%~]*)(?::\d*)?")
# Browsers read "https:/user:pw@host", "https:\\user:pw@host" and "https:user:pw@host" as
# "https://user:pw@host" (the WHATWG URL standard's special schemes): so must the redaction.
_WEB_SCHEME = re.compile(r"\b(https?|wss?|ftp):[/\\]*", re.IGNORECASE)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# Substrings that make any name a credential's, and whole words (camelCase or snake_case parts)
# that do: "accountKey" and "sas_url" are secrets, "monkey" and "keyboard" are not.
_SECRET_PARTS = ("token", "secret", "passw", "passcode", "passphrase", "credential", "signature")
_SECRET_WORDS = frozenset({"key", "apikey", "sig", "sas", "pwd", "auth", "authorization", "cookie"})
# A SAS query parameter spelled out as a field: the signature's version travels with it.
_SECRET_NAMES = frozenset({"sv"})
# What payloads.reading.MAX_JSON_DEPTH lets in; deeper (from a Python caller) is cut, not recursed.
_MAX_DEPTH = 64


def redact_url(url: str) -> str:
    """``scheme://host[:port]/path`` of ``url``: no user name or password, query, fragment or
    ``;params``.

    Never raises. A string without a scheme is taken as a path (``/communications/calls/…``)
    and loses the same parts. When what follows ``//`` is not a plain ``host[:port]`` (a
    password with a ``/`` in it, say), only ``scheme://…`` is left: nothing is guessed at.

    >>> redact_url("https://u:p@acct.blob.core.windows.net:443/c/clip.wav;x=1?sv=1&sig=abc#f")
    'https://acct.blob.core.windows.net:443/c/clip.wav'
    """
    return _reduced_url(url, _NESTING)


_NESTING = 8
"""URLs inside URLs reduced in turn; deeper than this, the rest of the path is dropped: no
text a payload can hold makes the reduction recurse without end, or take quadratic time."""


def _reduced_url(url: str, depth: int) -> str:
    text = _web_schemes(str(url).strip())
    match = _SCHEME.match(text)
    if match is None and text.startswith("//"):
        scheme, rest = "//", text[2:]
    elif match is not None:
        scheme, rest = match.group(0), text[match.end() :]
    elif "//" in text:
        # A URL that does not start the text ("0https://user:pw@host/…"): reduce it in place.
        return _reduced_text(text, depth - 1) if depth > 0 else "…"
    else:
        scheme, rest = "", text
    if scheme:
        authority, slash, path = rest.partition("/")
        # Everything up to the last "@" is user information, whatever characters it holds.
        host = re.split(r"[?#;]", authority.rpartition("@")[2], maxsplit=1)[0]
        if not _HOST.fullmatch(host):
            # Not a URL anyone can use, and where its user information ends is a guess.
            return f"{scheme}…"
        path = slash + path
        if "//" in path:
            # Another URL inside ("//https://user:pw@host/…", the first "host" being "https:"):
            # it loses its own user information and query too.
            path = _reduced_text(path, depth - 1) if depth > 0 else "/…"
    else:
        host, path = "", rest
        first, slash, tail = path.partition("/")
        if "@" in first:
            path = first.rpartition("@")[2] + slash + tail
    path = re.split(r"[?#;]", path, maxsplit=1)[0]
    return f"{scheme}{host}{path}"


def _web_schemes(text: str) -> str:
    """``text`` with every web scheme followed by ``//``, however many slashes (or
    backslashes) it had."""
    return _WEB_SCHEME.sub(lambda m: m.group(1) + "://", text)


def redact_text(text: str) -> str:
    """``text`` with every URL in it reduced by :func:`redact_url`, and any query string or
    fragment that is left (``clip.wav?sig=…`` without a scheme) cut off."""
    return _reduced_text(text, _NESTING)


def _reduced_text(text: str, depth: int) -> str:
    text = _URL_IN_TEXT.sub(lambda m: _reduced_url(m.group(0), depth), _web_schemes(str(text)))
    return re.sub(r"[?#][^\s'\"]*=[^\s'\"]*", "", text)


def looks_secret(name: object) -> bool:
    """Whether a field or query parameter called ``name`` may hold a credential (any case,
    camelCase, snake_case or kebab-case)."""
    text = str(name)
    folded = re.sub(r"[^a-z0-9]", "", text.lower())
    if any(part in folded for part in _SECRET_PARTS) or folded in _SECRET_NAMES:
        return True
    words = {w.lower() for w in _WORDS.findall(text)}
    return not words.isdisjoint(_SECRET_WORDS)


@dataclass(frozen=True)
class Hidden:
    """Stands in an error for a value that is not shown: only what kind of value it was.

    Its repr is the description itself, so ``f"got {value!r}"`` reads ``got an array``.
    """

    kind: str

    def __repr__(self) -> str:
        return self.kind


def json_kind(value: Any) -> str:
    """The JSON type of a parsed value, with its article: ``an object``, ``a string`` …"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a value of type {type(value).__name__}"


def shown(value: Any) -> Any:
    """What an error may quote of ``value``: a short scalar as it is (a string with its URLs
    reduced and cut at :data:`MAX_SHOWN` characters), anything else as a :class:`Hidden`.

    Containers are never quoted: a whole payload would be, with whatever it holds.
    """
    if isinstance(value, (Hidden, bool, float, Enum)) or value is None:
        return value
    if isinstance(value, int):
        # repr of an int above 4300 digits raises; the size alone says enough.
        if value.bit_length() > 3 * MAX_SHOWN:
            return Hidden(f"a number of about {int(value.bit_length() * 0.30103)} digits")
        return value
    if isinstance(value, str):
        text = redact_text(value)
        return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
    if isinstance(value, (datetime, date, time, timedelta)):
        return value
    return Hidden(json_kind(value))


def masked(value: Any, *, name: object = None, _depth: int = 0) -> Any:
    """A copy of ``value`` fit to print: fields named like a credential (at any depth, keys
    in any case) become :data:`SECRET_MASK`, URLs are reduced, and a field called
    ``…location`` or ``…url`` is reduced even without a scheme. Models, enums and numbers
    are returned as they are (a model's own repr masks it)."""
    if name is not None and looks_secret(name) and value is not None:
        # pydantic's SecretStr masks itself, and says it is one.
        return value if hasattr(value, "get_secret_value") else SECRET_MASK
    if _depth > _MAX_DEPTH:
        return "…"
    if isinstance(value, Enum):
        return value  # a str-valued member is a known word, never a payload's text
    if isinstance(value, str):
        lowered = str(name).lower() if name is not None else ""
        if lowered.endswith(("location", "url", "uri", "link")):
            return redact_url(value)
        return redact_text(value)
    if isinstance(value, Mapping):
        # Keys are payload text too: a URL may be one.
        return {
            (redact_text(k) if isinstance(k, str) else k): masked(v, name=k, _depth=_depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        items = [masked(v, _depth=_depth + 1) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, int) and not isinstance(value, bool) and isinstance(shown(value), Hidden):
        return shown(value)  # repr of an int above 4300 digits raises
    return value
