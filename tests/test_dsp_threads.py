"""The core holds numpy's BLAS to one thread while it computes, and gives the setting back."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from callrec.dsp import Analyzer
from callrec.dsp._threads import one_blas_thread


def blas_threads() -> list[int]:
    return [int(lib["num_threads"]) for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_one_thread_inside_and_the_setting_restored_after() -> None:
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        assert before  # numpy's BLAS is found
        with one_blas_thread():
            assert blas_threads() == [1] * len(before)
            with one_blas_thread():
                assert blas_threads() == [1] * len(before)
            assert blas_threads() == [1] * len(before)
        assert blas_threads() == before


def test_restored_when_the_computation_fails() -> None:
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        try:
            with one_blas_thread():
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert blas_threads() == before


def test_an_analysis_leaves_the_callers_setting_alone() -> None:
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        analyzer = Analyzer(16000)
        analyzer.update(np.random.default_rng(1).integers(-99, 99, (40_000, 2)).astype(np.int16))
        analyzer.result()
        assert blas_threads() == before
