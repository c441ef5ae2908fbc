"""What the detectors' option classes share: checking, building from names, and provenance.

:class:`~callrec.dsp.ActivityOptions`, :class:`~callrec.dsp.DtmfOptions`,
:class:`~callrec.dsp.EchoOptions` and the report's
:class:`~callrec.output.options.QualityOptions` are frozen dataclasses of numbers with
defaults. An instance is checked once, when it is made, so a
misspelled or nonsensical option fails where it is written rather than deep inside a pass over
the audio; the detectors then check only what depends on the sample rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from numbers import Real
from typing import Any, ClassVar, TypeVar

from ..errors import UsageError

__all__ = ["Options"]

_O = TypeVar("_O", bound="Options")


@dataclass(frozen=True)
class Options:
    """Base of the option dataclasses: every field is a float with a default.

    Subclasses name themselves in :attr:`KIND` and add their own checks in :meth:`_check`.
    """

    KIND: ClassVar[str] = "option"
    """How error messages name the options: ``unknown speech activity option 'x'``."""

    def __post_init__(self) -> None:
        names = [f.name for f in fields(self)]
        for name in names:
            value = getattr(self, name)
            # bool is an int to Python, but True is no threshold.
            if isinstance(value, bool) or not isinstance(value, Real):
                raise UsageError(f"{name} must be a number, got {value!r}")
        self._check()
        # After the subclass's own checks, so that their messages (which NaN fails too) come
        # first. An infinity is no threshold or duration, and JSON could not record it.
        for name in names:
            value = getattr(self, name)
            if not math.isfinite(value):
                raise UsageError(f"{name} must be a finite number, got {value!r}")
        # Stored as float once checked (messages quote the value as given), so that the
        # provenance reads the same however it was written (-40 or -40.0); for an int or float
        # every figure computed from it is the same.
        for name in names:
            object.__setattr__(self, name, float(getattr(self, name)))

    def _check(self) -> None:
        """Raise :class:`UsageError` for a value, or a combination, that makes no sense."""

    def _more_than_zero(self, *names: str) -> None:
        for name in names:
            value = getattr(self, name)
            if not value > 0:  # NaN fails too
                raise UsageError(f"{name} must be more than zero, got {value!r}")

    def _zero_or_more(self, *names: str) -> None:
        for name in names:
            value = getattr(self, name)
            if not value >= 0:
                raise UsageError(f"{name} must be zero or more, got {value!r}")

    def _within(self, name: str, low: float, high: float) -> None:
        value = getattr(self, name)
        if not low <= value <= high:
            raise UsageError(f"{name} must be within {low:g}-{high:g}, got {value!r}")

    def _not_below(self, low: str, high: str) -> None:
        """``high`` must not be below ``low`` (a range given as two options)."""
        if getattr(self, high) < getattr(self, low):
            raise UsageError(
                f"{high} ({getattr(self, high)!r}) must not be below {low} ({getattr(self, low)!r})"
            )

    @classmethod
    def from_dict(cls: type[_O], settings: Mapping[str, float]) -> _O:
        """Options from ``{name: value}``, the defaults for names not given.

        Raises :class:`UsageError` naming any name that is not an option, or a bad value.
        """
        cls._known(settings)
        options: _O = cls(**settings)
        return options

    def changed(self) -> dict[str, float]:
        """The options that differ from the defaults, sorted by name: what the user changed,
        which is what a report's provenance records (``{"threshold_dbfs": -40.0}``)."""
        default = type(self)()
        return {
            name: getattr(self, name)
            for name in sorted(f.name for f in fields(self))
            if getattr(self, name) != getattr(default, name)
        }

    @classmethod
    def _resolved(cls: type[_O], options: _O | None, settings: Mapping[str, float]) -> _O:
        """``options`` (the defaults if None) with ``settings`` overriding single options: what a
        detector was given. An instance given alone was checked when it was made; settings make a
        new one, checked as a whole."""
        if options is None:
            return cls.from_dict(settings)
        if not isinstance(options, cls):
            raise UsageError(
                f"expected {cls.__name__} or None, got {type(options).__name__}; "
                f"{cls.__name__}.from_dict() makes one from a dict"
            )
        if not settings:
            return options
        cls._known(settings)
        updated: _O = replace(options, **settings)
        return updated

    @classmethod
    def _known(cls, settings: Mapping[str, Any]) -> None:
        names = [f.name for f in fields(cls)]
        unknown = [name for name in settings if name not in names]
        if unknown:
            listed = ", ".join(repr(name) for name in unknown)
            plural = "s" if len(unknown) > 1 else ""
            raise UsageError(
                f"unknown {cls.KIND}{plural} {listed}; expected one of {', '.join(names)}"
            )
