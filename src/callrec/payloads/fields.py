"""The bases of callrec's JSON models: :class:`ApiModel` for the documents it reads (camelCase
aliases, frozen, extra fields kept, secrets masked in ``repr``), :class:`StrictModel` for the
documents it writes (frozen, no field it does not define), and the field types they share."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel

from ..safety.limits import EARLIEST_INSTANT, LATEST_INSTANT
from ..safety.redaction import masked, redact_text
from ..timebase import format_instant, parse_instant

E = TypeVar("E", bound=Enum)


class ApiModel(BaseModel):
    """Base of the models of files callrec reads.

    Fields are snake_case in Python and camelCase in JSON; fields that no document lists are kept
    (``model_extra``) and never make validation fail.

    ``repr()`` and ``str()`` mask every field named like a credential (a declared one or one in
    ``model_extra``, at any depth, in any case) and reduce every URL, and every ``…Location`` or
    ``…Url`` field, to scheme, host and path: a model in a log line or a traceback leaks neither
    a token nor a signature. Serialisation is not touched: it is the data.
    """

    model_config = ConfigDict(
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        # Validators are built on first use: a run that meets no Graph notification or Event
        # Grid event never pays for building theirs (about 0.1 s at start-up).
        defer_build=True,
    )

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            field = type(self).model_fields.get(name) if name is not None else None
            alias = field.alias if field is not None else None
            # The alias is the JSON's name: "recordingLocation" for recording_location.
            # An extra field's name is the payload's own text: a URL may be one.
            shown_name = redact_text(name) if name is not None and field is None else name
            yield shown_name, masked(value, name=alias or name)


class StrictModel(BaseModel):
    """Base of callrec's own output documents: frozen, and no field it does not define."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def document_db(value: float) -> float | None:
    """A level in dB as callrec's documents give it: three decimals, ``None`` where there is
    none (the RMS of digital silence, the loudness of less than 400 ms)."""
    value = float(value)
    return round(value, 3) if math.isfinite(value) else None


def _instant(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_instant(value)
        except OverflowError:
            # 9999-12-31T23:00-05:00 is past the last instant a datetime holds once in UTC;
            # pydantic turns only ValueError into a validation error naming the field.
            raise ValueError("a date and time between the years 1 and 9999 in UTC") from None
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("a date and time with a time zone")
    return value


def _in_window(value: datetime) -> datetime:
    # Every instant callrec does arithmetic with lies in this window, so offsets between two of
    # them, and a start plus any bounded duration, can never leave what datetime holds.
    if value.tzinfo is None:
        raise ValueError("a date and time with a time zone")
    if not EARLIEST_INSTANT <= value < LATEST_INSTANT:
        raise ValueError(
            f"a date and time from {EARLIEST_INSTANT:%Y-%m-%d} to before"
            f" {LATEST_INSTANT:%Y-%m-%d} (UTC)"
        )
    return value


Instant = Annotated[
    datetime,
    BeforeValidator(_instant),
    AfterValidator(_in_window),
    PlainSerializer(format_instant, return_type=str, when_used="json"),
]
"""An ISO 8601 timestamp with any number of fractional digits, as an aware UTC datetime from
2000 to 2099 (see :mod:`callrec.safety.limits`)."""


def _fold(text: str) -> str:
    return text.replace("_", "").replace("-", "").lower()


def closed_enum(enum: type[E]) -> Any:
    """A validator that accepts an enum's values in any letter case (``Mixed`` == ``mixed``)."""
    table = {_fold(str(member.value)): member for member in enum}
    allowed = ", ".join(repr(member.value) for member in enum)

    def convert(value: Any) -> Any:
        if isinstance(value, enum):
            return value
        if isinstance(value, str) and _fold(value) in table:
            return table[_fold(value)]
        raise ValueError(f"one of {allowed}")

    return BeforeValidator(convert)


def open_enum(enum: type[E]) -> Any:
    """A validator for open vocabularies: known values (any case) become enum members, unknown
    strings are kept as they are."""
    table = {_fold(str(member.value)): member for member in enum}

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            return table.get(_fold(value), value)
        return value

    return BeforeValidator(convert)


def at_most(
    limit: float, unit: str = "", *, why: str | None = None, at_least: float | None = None
) -> Any:
    """A validator that bounds a number from above (and, with ``at_least``, from below), with a
    message that gives the range and why it is what it is (see :mod:`callrec.safety.limits`)."""
    unit_text = f" {unit}" if unit else ""
    reason = f" ({why})" if why else ""
    if at_least is None:
        expected = f"at most {limit:_}{unit_text}{reason}"
    else:
        expected = f"{at_least:_} to {limit:_}{unit_text}{reason}"

    def check(value: Any) -> Any:
        if value > limit or (at_least is not None and value < at_least):
            raise ValueError(expected)
        return value

    return AfterValidator(check)


class Oversized:
    """Stands in for a list too long to keep, so that the error which refuses it echoes its
    length, not its millions of items (see :func:`items_at_most`)."""

    def __init__(self, length: int) -> None:
        self.length = length

    def __repr__(self) -> str:
        return f"<a list of {self.length:_} items>"


def shrink_oversized(data: Any, limits: dict[str, int]) -> Any:
    """``data`` (a JSON object) with each list longer than its limit replaced by an
    :class:`Oversized` marker; the caller's object is left as it was."""
    if not isinstance(data, dict):
        return data
    long = {
        key: Oversized(len(value))
        for key, limit in limits.items()
        if isinstance(value := data.get(key), list) and len(value) > limit
    }
    return {**data, **long} if long else data


def items_at_most(limit: int, what: str) -> Any:
    """A validator that refuses a list longer than ``limit`` before any item is validated, so a
    file listing millions of items fails at once instead of after building them all. Pair it
    with :func:`shrink_oversized` in the model, so the error does not echo the list."""

    def check(value: Any) -> Any:
        length = value.length if isinstance(value, Oversized) else None
        if isinstance(value, (list, tuple)) and len(value) > limit:
            length = len(value)
        if length is not None:
            raise ValueError(f"at most {limit:_} {what}, not {length:_}")
        return value

    return BeforeValidator(check)
