"""Every Python snippet in the README runs exactly as written, so the README cannot drift."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, SAMPLES


def snippets() -> list[tuple[str, str]]:
    """``(heading, code)`` of every ```python block, under the heading it sits below."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r"^```python\n(.*?)^```$", text, re.S | re.M):
        heading = re.findall(r"^#+ (.+)$", text[: match.start()], re.M)[-1]
        found.append((heading, match.group(1)))
    return found


def test_the_readme_has_snippets_for_each_api() -> None:
    headings = {heading for heading, _ in snippets()}
    assert {"Python API: recordings", "The timeline", "Measuring audio: the streaming core"} <= (
        headings
    )
    assert any("analyze_response" in code for _, code in snippets())


@pytest.mark.parametrize(("heading", "code"), snippets(), ids=[h for h, _ in snippets()])
def test_snippet_runs_as_written(heading: str, code: str, tmp_path: Path) -> None:
    # A fresh interpreter in a folder that holds the samples, as in a clone of the repository;
    # whatever the snippet writes lands there.
    shutil.copytree(SAMPLES, tmp_path / "samples")
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, f"README snippet under {heading!r} failed:\n{run.stderr}"
    # Nothing was written beside the samples' copy but what the snippet means to write.
    for path in (tmp_path / "samples").rglob("*"):
        assert (SAMPLES / path.relative_to(tmp_path / "samples")).exists(), path


def test_the_response_example_prints_what_the_readme_shows(tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "callrec response samples/record-response --out responses"
    shown = re.search(re.escape(command) + r"\n```\n\n```\n(.*?)```", text, re.S)
    assert shown is not None
    shutil.copytree(SAMPLES, tmp_path / "samples")
    run = subprocess.run(
        [sys.executable, "-m", "callrec", *command.split()[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.stdout == shown.group(1)
