"""The promises of the README and the samples."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("face", ["callrec", "callrec.acs", "callrec.audio", "callrec.response"])
def test_lazy_names_are_all_exported_and_resolve(face: str) -> None:
    """The face's TYPE_CHECKING block is its one list: every name in it is exported, and
    resolves to the object of that name in the module the block names."""
    import importlib

    from callrec._lazy import face_names

    module = importlib.import_module(face)
    listed = face_names(Path(module.__file__ or "").read_text(encoding="utf-8"))
    assert len(listed) > 3
    assert sorted(set(module.__all__) - {"__version__"}) == sorted(listed)
    for name, where in listed.items():
        assert getattr(module, name) is getattr(importlib.import_module(where, face), name)


def test_a_face_list_may_not_rename() -> None:
    from callrec._lazy import face_names

    good = "if TYPE_CHECKING:\n    from .a import b as b\n    from .c import d\n\nx = 1\n"
    assert face_names(good) == {"b": ".a", "d": ".c"}
    with pytest.raises(ImportError, match="rename"):
        face_names("if TYPE_CHECKING:\n    from .a import b as c\n")


def test_import_does_not_pull_in_numpy_or_pydantic() -> None:
    code = "import sys, callrec; print(sorted({'numpy', 'pydantic', 'scipy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
