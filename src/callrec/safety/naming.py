"""File names made from identifiers found in files: safe, stable and never shared.

Participant ids look like ``8:acs:<resource>_<guid>``, ``4:+14255550123`` or
``8:orgid:<guid>``; call ids are GUIDs, but they come from files, so nothing about them is
trusted. A name is the identifier with every byte outside ``[A-Za-z0-9_-]`` and ``.`` written as
``%XX`` (and ``%`` itself too), so:

- it never contains ``/``, ``\\``, ``:`` or a control character, and is never ``.``, ``..`` or
  hidden (a leading ``.`` is escaped);
- two different identifiers never give one name (percent-encoding is reversible);
- it stays readable: ``4:+14255550123`` becomes ``4%3A%2B14255550123``.

Where names would still clash on a case-insensitive file system, run past
:data:`MAX_NAME_BYTES`, or equal (ignoring case) one of :data:`RESERVED_NAMES`, the files a run
writes beside the recording folders it names (a call id ``errors.json`` must not become the folder
where ``errors.json`` is to be written), a short hash of the identifier is appended
(``~1a2b3c4d``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

__all__ = ["MAX_NAME_BYTES", "RESERVED_NAMES", "safe_name", "safe_names"]

MAX_NAME_BYTES = 120
"""Longest name before the extension; file systems allow 255 bytes."""

RESERVED_NAMES = frozenset({"errors.json", "segments.csv", "index.html", ".callrec.lock"})
"""Names (compared ignoring case) that :func:`safe_name` never returns: what ``callrec process``
writes at the top of its output folder, beside the recording folders."""

_KEEP = re.compile(rb"[A-Za-z0-9_\-.]")


def _escape(identifier: str) -> str:
    out = []
    for i, byte in enumerate(identifier.encode("utf-8")):
        char = bytes([byte])
        keep = _KEEP.fullmatch(char) is not None and not (i == 0 and char == b".")
        out.append(char.decode("ascii") if keep else f"%{byte:02X}")
    return "".join(out)


def _digest(identifier: str) -> str:
    return hashlib.sha256(identifier.encode("utf-8")).hexdigest()[:8]


def safe_name(identifier: str) -> str:
    """One identifier as a file-system-safe name (see the module notes)."""
    if not identifier:
        return f"%00~{_digest(identifier)}"
    name = _escape(identifier)
    if name.casefold() in RESERVED_NAMES:
        return f"{name}~{_digest(identifier)}"
    if len(name) > MAX_NAME_BYTES:
        cut = name[: MAX_NAME_BYTES - 9]
        if "%" in cut[-2:]:  # do not leave half an escape behind
            cut = cut[: cut.rindex("%")]
        name = f"{cut}~{_digest(identifier)}"
    return name


def safe_names(identifiers: Iterable[str]) -> dict[str, str]:
    """Names for several identifiers that share a folder: distinct even ignoring case."""
    unique = list(dict.fromkeys(identifiers))
    names = {identifier: safe_name(identifier) for identifier in unique}
    folded: dict[str, list[str]] = {}
    for identifier, name in names.items():
        folded.setdefault(name.casefold(), []).append(identifier)
    for clash in folded.values():
        if len(clash) > 1:
            for identifier in clash:
                if not names[identifier].endswith(f"~{_digest(identifier)}"):
                    names[identifier] = f"{names[identifier]}~{_digest(identifier)}"
    return names
