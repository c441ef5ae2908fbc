"""The core holds numpy's BLAS to one thread while it computes, and gives the setting back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from callrec.dsp import Analyzer
from callrec.dsp._threads import one_blas_thread


def blas_threads() -> list[int]:
    """Threads of numpy's own BLAS, the one the core's products run on. Another library's
    (scipy ships its own OpenBLAS) is loaded or not depending on which tests ran first."""
    return [
        int(lib["num_threads"])
        for lib in threadpool_info()
        if lib["user_api"] == "blas" and "numpy" in lib["filepath"]
    ]


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


def test_another_thread_is_limited_while_this_one_is_inside() -> None:
    """Nesting is counted per thread: a context entered on another thread while one is open
    still computes on one BLAS thread, and the setting comes back once both have left."""
    seen: list[list[int]] = []
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        with one_blas_thread():

            def other() -> None:
                with one_blas_thread():
                    seen.append(blas_threads())

            worker = threading.Thread(target=other)
            worker.start()
            worker.join()
            assert blas_threads() == [1] * len(before)
        assert seen == [[1] * len(before)]
        assert blas_threads() == before


BLAS_AFTER_THE_COMMAND_LINE_STARTS = """
import json, os
from callrec import cli
cli._one_blas_thread_for_the_run()  # what main() does first
import numpy
from threadpoolctl import threadpool_info
print(json.dumps([os.environ.get("OPENBLAS_NUM_THREADS"),
                  [lib["num_threads"] for lib in threadpool_info()
                   if lib["user_api"] == "blas" and "numpy" in lib["filepath"]]]))
"""


def blas_at_the_command_lines_start(given: str | None) -> tuple[str | None, list[int]]:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    out = subprocess.run(
        [sys.executable, "-c", BLAS_AFTER_THE_COMMAND_LINE_STARTS],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    said, threads = json.loads(out.stdout)
    return said, threads


def test_the_command_line_starts_numpys_blas_on_one_thread() -> None:
    assert blas_at_the_command_lines_start(None) == ("1", [1])


def test_the_users_blas_setting_wins_over_the_command_lines() -> None:
    said, threads = blas_at_the_command_lines_start("2")
    assert said == "2"
    # OpenBLAS takes no more threads than it sees CPUs: 2 here, or 1 on a one-CPU machine.
    assert threads == [min(2, len(os.sched_getaffinity(0)))]
