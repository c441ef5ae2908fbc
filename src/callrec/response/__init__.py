"""Graph ``recordResponse`` end to end: the notification models, finding each answer's audio,
judging it, and its report and clean clip.

Names are loaded on first use (see :mod:`callrec._lazy`); the block below is their one list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_face

if TYPE_CHECKING:
    from .judge import ResponseReport, analyze_response, find_responses, process_response

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__, globals())
