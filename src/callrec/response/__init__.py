"""Graph ``recordResponse`` end to end: the notification models (:mod:`.models`), what a report
says about an operation (:mod:`.operation`), finding each answer's audio (:mod:`.find`), judging
it (:mod:`.judge`) into its report (:mod:`.report`), writing its files (:mod:`.write`), and a
whole ``callrec response`` run (:mod:`.run`).

Names are loaded on first use (see :mod:`callrec._lazy`); the block below is their one list.
"""

# ruff: noqa: F401
# The imports below are the face's list of names, read by lazy_face, which also makes
# __all__ from them: ruff cannot see that, and would call them unused.

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_face

if TYPE_CHECKING:
    from .find import FoundResponse, answer_names, find_responses
    from .judge import analyze_response
    from .report import ResponseReport, ResponseResult
    from .run import ResponseRun, process_responses
    from .write import process_response

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__, globals())
