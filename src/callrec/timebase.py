"""Wall-clock instants and the one rounding rule between time and samples.

Every conversion from a duration to a sample position goes through :func:`to_samples`, so that two
parts of callrec can never disagree by a sample about where an instant falls. Durations are taken to
whole microseconds first (the precision of :class:`datetime.datetime`) and then rounded to the
nearest sample with halves going up, in exact integer arithmetic.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Final

from .errors import UsageError

__all__ = [
    "format_instant",
    "microseconds_to_samples",
    "parse_instant",
    "samples_to_timedelta",
    "to_microseconds",
    "to_samples",
    "to_seconds",
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
        If ``text`` is not an ISO 8601 date and time, or names an instant outside what
        :class:`~datetime.datetime` holds in UTC.
    """
    match = _ISO.match(text.strip())
    if match is None:
        raise ValueError("an ISO 8601 date and time such as 2021-03-24T18:52:14.1321393Z")
    frac = match["frac"] or ""
    # Round the fraction to microseconds in integers: float parsing would lose the 7th digit.
    # With halves going up only the 7th digit decides, so the digits after it are never
    # converted (a fraction of a million digits would be a million-digit integer).
    ticks = int((frac + "0" * 7)[:7])
    micro = (ticks + 5) // 10
    tz_text = match["tz"]
    try:
        if tz_text is None or tz_text in "Zz":
            tz = timezone.utc
        else:
            sign = -1 if tz_text[0] == "-" else 1
            body = tz_text[1:].replace(":", "")
            hours, minutes = int(body[:2]), int(body[2:4] or 0)
            if hours > 23 or minutes > 59:
                raise ValueError(f"a UTC offset from -23:59 to +23:59, got {tz_text}")
            tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        base = datetime.fromisoformat(
            f"{match['date']}T{match['h']}:{match['m']}:{match['s'] or '00'}"
        ).replace(tzinfo=tz)
        return (base + timedelta(microseconds=micro)).astimezone(timezone.utc)
    except ValueError as exc:  # month 13, hour 25, an offset of a day or more
        raise ValueError(f"an ISO 8601 date and time that exists ({exc})") from None
    except OverflowError:
        # 9999-12-31T23:59:59.9999999Z rounds past the last datetime; 0001-01-01T00:00+14:00
        # is before the first one in UTC. Either is a bad value, not a crash.
        raise ValueError("a date and time that exists in UTC (years 1 to 9999)") from None


def format_instant(instant: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z``: ``2021-03-24T18:52:14.132139Z``."""
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_microseconds(duration: float | timedelta) -> int:
    """A duration in seconds (or a ``timedelta``) as whole microseconds, rounded to nearest."""
    if isinstance(duration, timedelta):
        return (duration.days * 86_400 + duration.seconds) * _US_PER_S + duration.microseconds
    if not math.isfinite(duration):
        raise UsageError(f"a duration must be a finite number of seconds, got {duration!r}")
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
    return microseconds_to_samples(to_microseconds(duration), sample_rate)


def to_seconds(samples: float, sample_rate: int) -> float:
    """A sample count as seconds, as every document callrec writes gives them: to the
    microsecond (six decimals), the precision of the instants they are counted from."""
    return round(float(samples) / sample_rate, 6)


def microseconds_to_samples(micro: int, sample_rate: int) -> int:
    """:func:`to_samples` of a duration already in whole microseconds, exact for any integer
    (no ``timedelta`` in between, whose range ends at a billion days)."""
    if sample_rate <= 0:
        raise UsageError(f"sample_rate must be positive, got {sample_rate!r}")
    return (2 * micro * sample_rate + _US_PER_S) // (2 * _US_PER_S)


def samples_to_timedelta(samples: int, sample_rate: int) -> timedelta:
    """The inverse of :func:`to_samples`, to the microsecond (round-trips for rates < 1 MHz)."""
    if sample_rate <= 0:
        raise UsageError(f"sample_rate must be positive, got {sample_rate!r}")
    micro = (2 * samples * _US_PER_S + sample_rate) // (2 * sample_rate)
    try:
        return timedelta(microseconds=micro)
    except OverflowError:
        raise UsageError(
            f"{samples} samples at {sample_rate} Hz is more time than a timedelta holds"
        ) from None
