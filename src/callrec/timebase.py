"""Wall-clock instants and the one rounding rule between time and samples.

Every conversion from a duration to a sample position goes through :func:`to_samples`, so that two
parts of callrec can never disagree by a sample about where an instant falls. Durations are taken to
whole microseconds first (the precision of :class:`datetime.datetime`) and then rounded to the
nearest sample with halves going up, in exact integer arithmetic.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Final

from .errors import UsageError

__all__ = [
    "format_instant",
    "parse_instant",
    "samples_to_timedelta",
    "to_microseconds",
    "to_samples",
]

_US_PER_S: Final = 1_000_000

_ISO = re.compile(
    r"""^(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<frac>\d+))?)?
        \s*(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?$""",
    re.VERBOSE,
)


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 timestamp into an aware UTC ``datetime``.

    Real files carry 7 fractional digits (100 ns ticks, ``2021-03-24T18:52:14.1321393Z``); any
    number of digits is accepted and rounded to the nearest microsecond. A timestamp without a
    zone is taken as UTC, which is what the service writes.

    Raises
    ------
    ValueError
        If ``text`` is not an ISO 8601 date and time.
    """
    match = _ISO.match(text.strip())
    if match is None:
        raise ValueError("an ISO 8601 date and time such as 2021-03-24T18:52:14.1321393Z")
    frac = match["frac"] or ""
    # Round the fraction to microseconds in integers: float parsing would lose the 7th digit.
    digits = (frac + "0" * 7)[:7] if len(frac) <= 7 else frac
    ticks = int(digits)
    scale = 10 ** (len(digits) - 6)
    micro = (ticks + scale // 2) // scale
    tz_text = match["tz"]
    if tz_text is None or tz_text in "Zz":
        tz = timezone.utc
    else:
        sign = -1 if tz_text[0] == "-" else 1
        body = tz_text[1:].replace(":", "")
        hours, minutes = int(body[:2]), int(body[2:4] or 0)
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    base = datetime.fromisoformat(
        f"{match['date']}T{match['h']}:{match['m']}:{match['s'] or '00'}"
    ).replace(tzinfo=tz)
    return (base + timedelta(microseconds=micro)).astimezone(timezone.utc)


def format_instant(instant: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z``: ``2021-03-24T18:52:14.132139Z``."""
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_microseconds(duration: float | timedelta) -> int:
    """A duration in seconds (or a ``timedelta``) as whole microseconds, rounded to nearest."""
    if isinstance(duration, timedelta):
        return (duration.days * 86_400 + duration.seconds) * _US_PER_S + duration.microseconds
    return round(duration * _US_PER_S)


def to_samples(duration: float | timedelta, sample_rate: int) -> int:
    """The sample position of a duration: the single rounding rule of callrec.

    Parameters
    ----------
    duration
        Seconds (float) or a ``timedelta``; negative values are allowed.
    sample_rate
        Samples per second, positive.

    Returns
    -------
    int
        ``round(duration * sample_rate)`` with halves rounded up, computed on whole microseconds.
    """
    if sample_rate <= 0:
        raise UsageError(f"sample_rate must be positive, got {sample_rate!r}")
    micro = to_microseconds(duration)
    return (2 * micro * sample_rate + _US_PER_S) // (2 * _US_PER_S)


def samples_to_timedelta(samples: int, sample_rate: int) -> timedelta:
    """The inverse of :func:`to_samples`, to the microsecond (round-trips for rates < 1 MHz)."""
    if sample_rate <= 0:
        raise UsageError(f"sample_rate must be positive, got {sample_rate!r}")
    micro = (2 * samples * _US_PER_S + sample_rate) // (2 * sample_rate)
    return timedelta(microseconds=micro)
