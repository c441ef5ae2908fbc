"""Probe and decode media in a child process, so that a native crash fails a test, not pytest.

Run as a script, it reads one path per line on stdin and answers each with one JSON line:
``{"outcome": "ok", "frames", "channels", "sample_rate", "probe_channels"}``,
``{"outcome": "callrec", "error", "message", "file"}`` for a typed callrec error, or
``{"outcome": "other", "error", "message", "traceback"}`` for anything else. :class:`Worker`
drives it from a test and reports a crash or a hang as an outcome of its own.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any

ANSWER_TIMEOUT_S = 60.0


def examine(path: Path) -> dict[str, Any]:
    from callrec.audio import open_audio
    from callrec.errors import CallrecError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # truncation and decoder notes are not failures
            with open_audio(path) as reader:
                data = reader.read()
                return {
                    "outcome": "ok",
                    "frames": int(data.shape[0]),
                    "channels": int(data.shape[1]),
                    "sample_rate": reader.sample_rate,
                    "probe_channels": reader.channels,
                }
    except CallrecError as exc:
        return {
            "outcome": "callrec",
            "error": type(exc).__name__,
            "message": str(exc),
            "file": str(exc.file) if exc.file is not None else None,
        }
    except Exception as exc:
        return {
            "outcome": "other",
            "error": type(exc).__name__,
            "message": str(exc),
            "traceback": traceback.format_exc(),
        }


def main() -> None:
    for line in sys.stdin:
        answer = examine(Path(line.rstrip("\n")))
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


class Worker:
    """One long-lived child examining paths; restarted after it crashes or hangs."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(
                [sys.executable, __file__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # what decoders print is not the test's business
                text=True,
            )
        return self._proc

    def examine(self, path: Path, timeout_s: float = ANSWER_TIMEOUT_S) -> dict[str, Any]:
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(f"{path}\n")
            proc.stdin.flush()
        except BrokenPipeError:
            pass  # it died on the way; the read below says how
        ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
        line = proc.stdout.readline() if ready else ""
        if line:
            answer: dict[str, Any] = json.loads(line)
            return answer
        if not ready:
            proc.kill()
            proc.wait()
            return {"outcome": "hang", "timeout_s": timeout_s}
        return {"outcome": "crash", "returncode": proc.wait()}

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc is not None and self._proc.stdout is not None:
            self._proc.stdout.close()


if __name__ == "__main__":
    main()
