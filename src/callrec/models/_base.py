"""What every inbound-JSON model shares: camelCase aliases, frozen, extra fields kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel

from ..redaction import masked, redact_text
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


Instant = Annotated[
    datetime,
    BeforeValidator(_instant),
    PlainSerializer(format_instant, return_type=str, when_used="json"),
]
"""An ISO 8601 timestamp with any number of fractional digits, as an aware UTC datetime."""


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
