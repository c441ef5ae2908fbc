"""The promises of the README and the samples."""

from __future__ import annotations

import re
import subprocess
import sys

from callrec import build_recording, discover

from .conftest import ROOT, SAMPLES


def quick_start() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", text, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_two_commands_and_ci_runs_the_test_one() -> None:
    commands = quick_start()
    assert len(commands) == 2
    assert "callrec" in commands[0] and "samples/" in commands[0]
    assert "pytest" in commands[1]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_sample_has_two_chunks_a_pause_and_a_channel_change() -> None:
    (item,) = discover(SAMPLES / "unmixed-call").recordings
    rec = build_recording(item.sources, event=item.event)
    assert len(rec.chunks) >= 2 and rec.warnings == ()
    assert any(c.timeline.pauses for c in rec.chunks)
    moved = [
        p
        for p in rec.participants
        if len({ch for ch in rec.channels_of(p).values() if ch is not None}) > 1
    ]
    assert moved
    assert all(c.media is not None for c in rec.chunks)


def test_import_does_not_pull_in_scipy_signal() -> None:
    code = "import sys, callrec; print('scipy.signal' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_lazy_names_are_all_exported_and_resolve() -> None:
    import callrec

    assert sorted(callrec.__all__) == sorted(["__version__", *callrec._LAZY])
    for name in callrec._LAZY:
        assert getattr(callrec, name).__name__ == name


def test_import_does_not_pull_in_numpy_or_pydantic() -> None:
    code = "import sys, callrec; print(sorted({'numpy', 'pydantic', 'scipy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
