"""Graph ``recordResponse`` end to end: the notification models (:mod:`.models`), what a report
says about an operation (:mod:`.operation`), finding each answer's audio (:mod:`.find`), judging
it (:mod:`.judge`) into its report (:mod:`.report`), writing its files (:mod:`.write`), and a
whole ``callrec response`` run (:mod:`.run`).

Names are loaded on first use (see :mod:`callrec._lazy`); the block below is their one list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_face

if TYPE_CHECKING:
    from .find import FoundResponse as FoundResponse
    from .find import answer_names as answer_names
    from .find import find_responses as find_responses
    from .judge import CLEAN_PAD_S as CLEAN_PAD_S
    from .judge import MIN_SPEECH_S as MIN_SPEECH_S
    from .judge import STOP_TONE_TAIL_S as STOP_TONE_TAIL_S
    from .judge import analyze_response as analyze_response
    from .report import RESPONSE_SCHEMA_VERSION as RESPONSE_SCHEMA_VERSION
    from .report import ResponseReport as ResponseReport
    from .report import ResponseResult as ResponseResult
    from .run import ResponseRun as ResponseRun
    from .run import process_responses as process_responses
    from .write import process_response as process_response

__getattr__, __dir__, __all__ = lazy_face(__name__, globals())
